/**
 * Dumps, for one model, every local maximum of its map (score ≥ 0.3, 3×3×3 window) with the
 * normalised input's 3×3×3 mean there and the truth at the model's scale, for a
 * threshold that follows the volume's signal (`tools/analysis/signal_threshold.py`):
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/signal-threshold-dump.ts <model> <out.json>
 *   /usr/bin/python3 tools/analysis/signal_threshold.py <out.json> <the model's threshold> [knots]
 *
 * Two sets: `fit`, 48 general-family volumes (128×128, local SNR 1.5–12; seeds from index 5000 of
 * the general training seeds, beyond any training or validation volume) and the `medium` virus
 * benchmark's 24 validation volumes; `eval`, every robustness scenario at SNR 2, 4 and 7 on seeds
 * of its own (`robustnessSeeds(7).slice(5)`, not the benchmark's held-out ones). About 17 min on
 * two busy cores.
 */
import { writeFileSync } from 'node:fs';
import { predictVolume } from '@dmdet/model';
import { planSpotScale, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { localMaxima3D } from '@dmdet/postprocess';
import {
  DEFAULT_NORMALIZATION,
  isIdentity,
  normalizeInput,
  resampleVolume,
  toResampled,
} from '@dmdet/preprocess';
import { sampleGeneralParams, simulateGeneral } from '@dmdet/simulate';
import type { Volume } from '@dmdet/volume-io';
import { benchmarkData } from '../lib/benchmark-data';
import { generalTrainingSeeds } from '../lib/general-data';
import { ROBUSTNESS_SCENARIOS, robustnessParams, robustnessSeeds } from '../lib/robustness-scenarios';

await useBackend('wasm');
const det = await loadModel(process.argv[2]!);
const out = process.argv[3]!;
const rows: unknown[] = [];
async function one(
  set: string,
  name: string,
  snr: number,
  volume: Volume,
  points: { x: number; y: number; z: number }[],
) {
  const plan = planSpotScale(volume, det.metadata, undefined, volume.voxelSize);
  const resampling = plan && !isIdentity(plan.resampling) ? plan.resampling : undefined;
  const scaled = resampling ? resampleVolume(volume, resampling) : volume;
  const input = normalizeInput(scaled, det.metadata.normalization ?? DEFAULT_NORMALIZATION);
  const map = await predictVolume(det.model, input);
  const maxima = localMaxima3D(map, { threshold: 0.3, minDistance: { z: 1, xy: 1 } });
  const [Z, Y, X] = input.shape as [number, number, number];
  const d = input.data as Float32Array;
  const m = maxima.map((p) => {
    const z = Math.round(p.z),
      y = Math.round(p.y),
      x = Math.round(p.x);
    let s = 0,
      n = 0;
    for (let dz = -1; dz <= 1; dz++)
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const zz = z + dz,
            yy = y + dy,
            xx = x + dx;
          if (zz < 0 || yy < 0 || xx < 0 || zz >= Z || yy >= Y || xx >= X) continue;
          s += d[(zz * Y + yy) * X + xx]!;
          n++;
        }
    return [p.z, p.y, p.x, p.score, s / n];
  });
  const truth = (resampling ? points.map((p) => toResampled(p, resampling)) : points).map((p) => [
    p.z,
    p.y,
    p.x,
  ]);
  rows.push({ set, name, snr, shape: input.shape, maxima: m, truth });
}
const t0 = Date.now();
for (const seed of generalTrainingSeeds(5000, 48)) {
  const params = sampleGeneralParams(seed, { size: [128, 128], snr: [1.5, 12] });
  const sim = simulateGeneral(params, seed);
  await one('fit', 'general', params.spots.snr, sim.volume, sim.points);
}
for (const b of benchmarkData('medium').validation) await one('fit', 'virus', b.snr, b.volume, b.points);
console.log('fit done', (Date.now() - t0) / 1000);
for (const scenario of ROBUSTNESS_SCENARIOS)
  for (const snr of [2, 4, 7])
    for (const seed of robustnessSeeds(7).slice(5)) {
      const sim = simulateGeneral(robustnessParams(scenario, snr), seed);
      await one('eval', scenario.name, snr, sim.volume, sim.points);
    }
console.log('eval done', (Date.now() - t0) / 1000);
writeFileSync(out, JSON.stringify(rows));
