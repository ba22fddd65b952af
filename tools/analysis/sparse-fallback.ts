/**
 * The threshold a model gives volumes too sparse or faint for its threshold rule's signal (fewer
 * than `minSpots` maxima ≥ `confidence`): F1 pooled over such volumes at a range of thresholds, and
 * at the rule's `fallback` and the model's fixed threshold. The volumes are `general`-family volumes
 * as `tools/tune-threshold.ts` draws them (128×128, local SNR 1.5–12), from seed index `from` on
 * (default 9000: beyond the training, validation and threshold-fitting volumes, and not the
 * robustness benchmark's); about a quarter of them have no signal.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/sparse-fallback.ts [model] [volumes] [from]
 *
 * Defaults: `default`, 300 volumes from index 9000 (about 7 min on 2 cores).
 */
import { availableParallelism } from 'node:os';
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { thresholdFitVolumes } from '../lib/general-data';
import { addCounts, emptyCounts, f1Of } from '../lib/threshold-counts';

const backend = await useBackend('wasm');
const name = process.argv[2] ?? 'default';
const count = Number(process.argv[3] ?? 300);
const from = Number(process.argv[4] ?? 9000);
const detector = await loadModel(name);
const rule = detector.metadata.thresholdRule;
const fixed = detector.metadata.threshold ?? 0.5;
const grid = [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8];
const thresholds = [
  ...new Set([...grid, fixed, ...(rule?.fallback !== undefined ? [rule.fallback] : [])]),
].sort((a, b) => a - b);
const counts = emptyCounts(thresholds);
const pool = await ModelWorkerPool.create(detector.model, { workers: availableParallelism(), backend });
let sparse = 0;
let spots = 0;
const started = Date.now();
try {
  for (const v of thresholdFitVolumes(from, count)) {
    const r = await detect(v.volume, { model: detector, predictor: pool, threshold: 0.3 });
    if (r.signal !== undefined) continue;
    sparse++;
    spots += v.points.length;
    addCounts(counts, v.points, r.points, thresholds);
  }
} finally {
  await pool.close();
}
console.log(
  `${name}: ${sparse} of ${count} general volumes (seed index ${from}…) without a signal, ${spots} spots in them (${((Date.now() - started) / 60000).toFixed(1)} min)`,
);
console.log('threshold  TP   FP   FN   pooled F1');
thresholds.forEach((t, k) => {
  const c = counts[k] as (typeof counts)[number];
  const tags = [t === fixed ? 'fixed' : '', t === rule?.fallback ? 'fallback' : '']
    .filter(Boolean)
    .join(', ');
  console.log(
    `${t.toFixed(3).padStart(9)} ${String(c.tp).padStart(4)} ${String(c.fp).padStart(4)} ${String(c.fn).padStart(4)}   ${f1Of(c).toFixed(3)}${tags ? `  (${tags})` : ''}`,
  );
});
