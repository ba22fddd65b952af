/**
 * How much `detect` enlarges the virus benchmark's extended test set (bench:table1 `--extended-test
 * 25 --extended-shape 10,128,128`, 300 volumes) for the built-in model's spot scale (σxy 1.4, σz 1): the
 * product of the enlarging zoom factors per volume from its estimated spot size, and the volumes
 * above `limit` (default 4, the built-in model's `spotScale.maxZoom.voxels`), which such a limit
 * would change:
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/virus-zoom.ts [limit]
 */
import { planSpotScale } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { extendedTestData } from '../lib/benchmark-data';

const limit = Number(process.argv[2] ?? 4);
if (!(limit >= 1)) throw new Error(`limit must be a zoom >= 1, got ${process.argv[2]}`);
const { metadata } = await loadModel('default');
if (!metadata.spotScale) throw new Error('the default model has no spotScale');
// The model enlarged all the way (its own limit removed), as the limit would be judged against.
const { maxZoom: _limit, ...plain } = metadata.spotScale;
const unlimited = { ...metadata, spotScale: plain };
const volumes = extendedTestData('medium', 25, [10, 128, 128]);
let above = 0;
let largest = 0;
for (const v of volumes) {
  // As `detect` plans it: the estimated spot size, or the model's own where none can be estimated.
  const plan = planSpotScale(v.volume, unlimited, undefined, undefined);
  if (!plan) continue;
  const [fz, fxy] = plan.factors;
  const growth = Math.max(fxy, 1) ** 2 * Math.max(fz, 1);
  largest = Math.max(largest, growth);
  if (growth > limit) {
    above++;
    console.log(v.id, plan.spotSize.xy.toFixed(2), plan.spotSize.z.toFixed(2), growth.toFixed(2));
  }
}
console.log(
  `${volumes.length} volumes, ${above} with an enlargement above ${limit}×, largest ${largest.toFixed(2)}`,
);
process.exit(0);
