/**
 * How much `detect` enlarges the virus benchmark's extended test set (bench:table1 `--extended-test
 * 25 --extended-shape 10,128,128`, 300 volumes) for the model's spot scale (σxy 1.4, σz 1): the
 * product of the enlarging zoom factors per volume from its estimated spot size, and the volumes
 * above `limit` (default 4, the built-in model's `spotScale.maxZoom.voxels`), which such a limit
 * would change:
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/virus-zoom.ts [limit]
 */
import { estimateSpotSize, spotScaleFactors } from '@dmdet/preprocess';
import { extendedTestData } from '../lib/benchmark-data';

const limit = Number(process.argv[2] ?? 4);
const vols = extendedTestData('medium', 25, [10, 128, 128]);
let n = 0,
  bind = 0,
  maxg = 0;
for (const v of vols) {
  const e = estimateSpotSize(v.volume);
  n++;
  if (!e || !Number.isFinite(e.z)) continue;
  const f = spotScaleFactors(e, { xy: 1.4, z: 1 });
  const g = Math.max(f[1], 1) ** 2 * Math.max(f[0], 1);
  maxg = Math.max(maxg, g);
  if (g > limit) {
    bind++;
    console.log(v.id, e.xy.toFixed(2), e.z.toFixed(2), g.toFixed(2));
  }
}
console.log(`${n} volumes, ${bind} with an enlargement above ${limit}×, largest ${maxg.toFixed(2)}`);
