/**
 * F1, precision and recall of a model on the robustness scenarios with two local-maxima windows: ±1
 * slice and ±2 pixels (3×5×5, the default until 2026-12-04) against ±1 slice and ±1 pixel (3×3×3,
 * the default since), at the model's threshold and at 0.6. Seeds of its own (parent 0x5eedab), not
 * the benchmark's held-out ones:
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/maxima-window.ts [model] [scenarios] [snrs] [volumes]
 *
 * Defaults: `default`, every scenario, SNR 2,4,7, 2 volumes per case (about 8 min on 2 cores).
 */
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { deriveSeed, simulateGeneral } from '@dmdet/simulate';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from '../lib/robustness-scenarios';
import { addCounts, emptyCounts, f1Of } from '../lib/threshold-counts';

await useBackend('wasm');
const model = await loadModel(process.argv[2] ?? 'default');
const names = (process.argv[3] ?? ROBUSTNESS_SCENARIOS.map((s) => s.name).join(',')).split(',');
const snrs = (process.argv[4] ?? '2,4,7').split(',').map(Number);
const volumes = Number(process.argv[5] ?? 2);
const windows = [
  { z: 1, xy: 2 },
  { z: 1, xy: 1 },
];
const thresholds = [0.6, model.metadata.threshold ?? 0.5];
const f1s = windows.map(() => thresholds.map(() => [] as number[]));
console.log(`scenario SNR | window | ${thresholds.map((t) => `F1 (P, R) at ${t.toFixed(3)}`).join(' | ')}`);
for (const name of names) {
  const scenario = ROBUSTNESS_SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  for (const snr of snrs) {
    const sims = Array.from({ length: volumes }, (_, r) =>
      simulateGeneral(robustnessParams(scenario, snr), deriveSeed(0x5eed_ab, r)),
    );
    for (const [w, minDistance] of windows.entries()) {
      const counts = emptyCounts(thresholds);
      for (const sim of sims) {
        const { points } = await detect(sim.volume, {
          model,
          threshold: Math.min(...thresholds),
          minDistance,
        });
        addCounts(counts, sim.points, points, thresholds);
      }
      const cells = counts.map((c, k) => {
        const f1 = f1Of(c);
        f1s[w]?.[k]?.push(f1);
        return `${f1.toFixed(3)} (${(c.tp / Math.max(1, c.tp + c.fp)).toFixed(3)}, ${(c.tp / Math.max(1, c.tp + c.fn)).toFixed(3)})`;
      });
      console.log(`${name} ${snr} | ±${minDistance.z}/±${minDistance.xy} | ${cells.join(' | ')}`);
    }
  }
}
for (const [w, minDistance] of windows.entries())
  console.log(
    `mean F1 ±${minDistance.z}/±${minDistance.xy}: ${thresholds.map((t, k) => `${((f1s[w]?.[k] ?? []).reduce((s, f) => s + f, 0) / Math.max(1, f1s[w]?.[k]?.length ?? 0)).toFixed(4)} at ${t.toFixed(3)}`).join(', ')}`,
  );
