/**
 * Where the input knee matters on the threshold-fit family (`tune-threshold.ts`'s general volumes,
 * 128×128, 5–64 slices, random departures; seeds from index 5000 of the general training seeds):
 * per volume, its typical spot peak (`typicalSpotPeak`, noise σ, at the model's spot scale) and the
 * built-in model's F1 with its own threshold rule at a fixed knee of 20, at its own knee (following
 * the spots by its `kneeRatio`) and at a fixed knee of 60; then the means by spot-peak range.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/family-knees.ts [count] [snr lo,hi] [flips]
 *
 * Defaults: 144 volumes, SNR 1.5,100, flips 1 (the model's own: 4, four times slower). On two
 * worker threads.
 */
import { availableParallelism } from 'node:os';
import { evaluatePoints } from '@dmdet/metrics';
import type { TestTimeFlips } from '@dmdet/model';
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { typicalSpotPeak } from '@dmdet/preprocess';
import { parseSnrRange, thresholdFitVolumes } from '../lib/general-data';
import { backgroundOf, uncompressedInput } from '../lib/model-scale';

const count = Number(process.argv[2] ?? 144);
const snr = parseSnrRange(process.argv[3] ?? '1.5,100');
const flips = Number(process.argv[4] ?? 1) as TestTimeFlips;
const backend = await useBackend('wasm');
const model = await loadModel('default');
backgroundOf(model.metadata);
const settings: { name: string; inputKnee?: number }[] = [
  { name: 'fixed 20', inputKnee: 20 },
  { name: 'own', inputKnee: undefined },
  { name: 'fixed 60', inputKnee: 60 },
];
const pool = await ModelWorkerPool.create(model.model, { workers: availableParallelism(), backend });
const rows: { peak: number; f1: number[] }[] = [];
try {
  for (const v of thresholdFitVolumes(5000, count, { snr })) {
    const peak = typicalSpotPeak(uncompressedInput(v.volume, model.metadata)) ?? 0;
    const f1: number[] = [];
    for (const s of settings) {
      const res = await detect(v.volume, {
        model,
        flips,
        predictor: pool,
        ...(s.inputKnee !== undefined ? { inputKnee: s.inputKnee } : {}),
      });
      f1.push(evaluatePoints(v.points, res.points, { gate: 5 }).f1);
    }
    rows.push({ peak, f1 });
    console.log(
      JSON.stringify({ id: v.id, peak: Number(peak.toFixed(1)), f1: f1.map((f) => Number(f.toFixed(4))) }),
    );
  }
} finally {
  await pool.close();
}
const bins = [0, 100, 500, 2000, Number.POSITIVE_INFINITY];
console.log(`mean F1 by spot peak (σ): ${settings.map((s) => s.name).join(' / ')}`);
for (let b = 0; b + 1 < bins.length; b++) {
  const inBin = rows.filter((r) => r.peak >= (bins[b] as number) && r.peak < (bins[b + 1] as number));
  if (inBin.length === 0) continue;
  const means = settings.map((_, k) => inBin.reduce((a, r) => a + (r.f1[k] as number), 0) / inBin.length);
  console.log(
    `  ${bins[b]}–${bins[b + 1]}: ${inBin.length} volumes, ${means.map((m) => m.toFixed(3)).join(' / ')}`,
  );
}
const below = rows.filter((r) => r.peak < 500).map((r) => (r.f1[2] as number) - (r.f1[0] as number));
console.log(
  `  below 500 σ, fixed 60 against fixed 20: better in ${below.filter((d) => d > 0.001).length} volumes, worse in ${below.filter((d) => d < -0.001).length}`,
);
const all = settings.map((_, k) => rows.reduce((a, r) => a + (r.f1[k] as number), 0) / rows.length);
console.log(`  all: ${rows.length} volumes, ${all.map((m) => m.toFixed(3)).join(' / ')}`);
