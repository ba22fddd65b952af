/**
 * F1 of a model on the robustness scenarios at a range of detection thresholds, on seeds of its own
 * (`robustnessSeeds(5 + n).slice(5)`: neither the benchmark's test nor its validation volumes).
 * Detects once per volume at threshold 0.3 and keeps the detections scoring at least each threshold.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/threshold-sweep.ts [model] [scenarios] [snrs] [volumes]
 *
 * Defaults: `default`, every scenario, SNR 2,4,7, 2 volumes per case (about 5 min on 2 cores).
 */
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { simulateGeneral } from '@dmdet/simulate';
import { ROBUSTNESS_SCENARIOS, robustnessParams, robustnessSeeds } from '../lib/robustness-scenarios';
import { addCounts, emptyCounts, f1Of } from '../lib/threshold-counts';

await useBackend('wasm');
const model = await loadModel(process.argv[2] ?? 'default');
const names = (process.argv[3] ?? ROBUSTNESS_SCENARIOS.map((s) => s.name).join(',')).split(',');
const snrs = (process.argv[4] ?? '2,4,7').split(',').map(Number);
const volumes = Number(process.argv[5] ?? 2);
const seeds = robustnessSeeds(5 + volumes).slice(5);
const thresholds = [0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];
const rows: number[][] = [];
for (const name of names) {
  const scenario = ROBUSTNESS_SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  for (const snr of snrs) {
    const counts = emptyCounts(thresholds);
    for (const seed of seeds) {
      const sim = simulateGeneral(robustnessParams(scenario, snr), seed);
      const { points } = await detect(sim.volume, { model, threshold: 0.3 });
      addCounts(counts, sim.points, points, thresholds);
    }
    const f1 = counts.map(f1Of);
    rows.push(f1);
    console.log(`${name.padEnd(18)} ${snr} ${f1.map((f) => f.toFixed(3)).join(' ')}`);
  }
}
console.log(`thresholds           ${thresholds.map((t) => t.toFixed(2).padStart(5)).join(' ')}`);
const mean = thresholds.map((_, k) => rows.reduce((s, r) => s + (r[k] as number), 0) / rows.length);
console.log(`mean                 ${mean.map((f) => f.toFixed(3)).join(' ')}`);
console.log(`the model's threshold ${model.metadata.threshold?.toFixed(3)}`);
