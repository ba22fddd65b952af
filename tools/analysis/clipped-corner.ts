/**
 * The training family's clipped corner: `count` volumes drawn as threshold fitting draws them
 * (`sampleGeneralParams`, 128×128 in-plane, local SNR 1.5–30, every second one with the acquisition
 * effects; seeds of their own, parent 0x0c11a000), then moved to camera offset 0 and a background of
 * 0.5–4 photons (log-uniform) with at least 20 spots, so that read noise takes many voxels below 0,
 * stored as 0 (up to half of them). The family itself has offset 0 in 1 of 10 volumes, and few of
 * those are clipped this much. Per volume: the fraction of voxels at 0, F1 and threshold with a
 * model's default flags; then the mean F1.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/clipped-corner.ts [count 100] [model default]
 */
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import {
  deriveSeed,
  mergeGeneralParams,
  Random,
  sampleGeneralParams,
  simulateGeneral,
} from '@dmdet/simulate';

const count = Number(process.argv[2] ?? 100);
const name = process.argv[3] ?? 'default';
if (!(Number.isInteger(count) && count > 0))
  throw new Error(`usage: clipped-corner.ts [count] [model]; got ${process.argv.slice(2).join(' ')}`);
const backend = await useBackend('wasm');
const model = await loadModel(name);
const pool = await ModelWorkerPool.create(model.model, { workers: 2, backend });
console.log(`model ${name}: volume, fraction of voxels at 0, spots, local SNR, F1, threshold`);
const f1s: number[] = [];
for (let i = 0; i < count; i++) {
  const seed = deriveSeed(0x0c11_a000, i);
  const drawn = sampleGeneralParams(seed, { size: [128, 128], snr: [1.5, 30], effects: i % 2 === 1 });
  const params = mergeGeneralParams(drawn, {
    camera: { offset: 0 },
    background: { level: 0.5 * 8 ** new Random(deriveSeed(seed, 5)).float() },
    spots: { count: Math.max(20, drawn.spots.count) },
  });
  const sim = simulateGeneral(params, seed);
  let zeros = 0;
  for (const v of sim.volume.data) if (v === 0) zeros++;
  const result = await detect(sim.volume, { model, predictor: pool });
  const { f1 } = evaluate(sim.points, result.points, { gate: 5 });
  f1s.push(f1);
  console.log(
    `${i} zeros ${(zeros / sim.volume.data.length).toFixed(2)} spots ${sim.points.length} snr ${params.spots.snr.toFixed(1)} F1 ${f1.toFixed(3)} th ${result.threshold.toFixed(2)}`,
  );
}
console.log(`mean F1 ${(f1s.reduce((a, b) => a + b, 0) / f1s.length).toFixed(4)} over ${count} volumes`);
await pool.close();
process.exit(0);
