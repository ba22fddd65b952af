/**
 * Where the general built-in model loses on the virus scenario at SNR 4 and 7: the spot size
 * `detect` uses per volume (estimated; is any volume resampled?) and every detection farther than
 * 1.5 voxels from a particle (a false positive), with its score, on 4 volumes per SNR × density cell
 * of the extended test set (seed 2027, 10×128×128).
 *
 *   npx tsx --conditions=@dmdet/source tools/diagnose-general-virus.ts [--model default]
 */
import { parseArgs } from 'node:util';
import { detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { extendedTestData } from './lib/benchmark-data';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'default' } } });
await useBackend('wasm');
const model = await loadModel(values.model as string);
const sizes = { xy: [] as number[], z: [] as number[], resampled: 0 };
for (const s of extendedTestData('medium', 4, [10, 128, 128]).filter((s) => s.snr >= 4)) {
  const r = await detect(s.volume, { model });
  if (r.spotSize) {
    sizes.xy.push(r.spotSize.xy);
    sizes.z.push(r.spotSize.z);
  }
  if (r.resampling) sizes.resampled++;
  const e = evaluate(s.points, r.points, { gate: 5 });
  console.log(
    `${s.id}: F1 ${e.f1.toFixed(3)}, precision ${e.precision.toFixed(3)}, recall ${e.recall.toFixed(3)}`,
  );
  for (const d of r.points) {
    const near = Math.min(...s.points.map((p) => Math.hypot(p.x - d.x, p.y - d.y, p.z - d.z)));
    if (near > 1.5)
      console.log(
        `  false positive: score ${d.score.toFixed(2)} at z ${d.z.toFixed(1)} y ${d.y.toFixed(1)} x ${d.x.toFixed(1)}, nearest particle ${near.toFixed(1)} voxels`,
      );
  }
}
const range = (v: number[]) => `${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}`;
console.log(
  `spot size used: σxy ${range(sizes.xy)}, σz ${range(sizes.z)}; volumes resampled: ${sizes.resampled}`,
);
