/**
 * Per-volume features a threshold rule could use, and each volume's matches at a range of
 * thresholds, for fitting and comparing rules offline (`tools/analysis/rule_features.py`): the
 * volume's signal (`volumeSignal`, as `detect` reports it), its confident maxima (map ≥ 0.8) and
 * their density per million voxels at the model's spot scale, its spot count, and TP / FP / FN
 * at thresholds 0.05, 0.075, …, 0.95. Volumes: `general`-family volumes drawn as
 * `tools/tune-threshold.ts` draws them (128×128, local SNR 1.5–12) from seed index `from` on, and
 * the `medium` virus benchmark's 24 validation volumes.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/rule-features.ts [out.json] [volumes] [from] [model] [effects|plain] [snr lo,hi]
 *
 * With `effects` the general volumes are drawn with the family's acquisition effects, and `snr lo,hi`
 * sets their local SNR range (as `tools/tune-threshold.ts --effects --snr` does). Each row also
 * carries `scores`: every map maximum's score (≥ 0.05, 3 decimals), for features read off the map,
 * and `logZoom` (log2 of the resampling's voxel ratio, 0 where the volume was not resampled).
 *
 * Defaults: bench-output/rule-features.json, 300 volumes from index 9000 (beyond every training,
 * validation and threshold-fitting volume, and apart from the robustness benchmark), `default`
 * (about 8 min on 2 cores).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { evaluatePoints } from '@dmdet/metrics';
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { parseSnrRange, thresholdFitVolumes } from '../lib/general-data';

const out = process.argv[2] ?? 'bench-output/rule-features.json';
const count = Number(process.argv[3] ?? 300);
const from = Number(process.argv[4] ?? 9000);
const name = process.argv[5] ?? 'default';
const effects = process.argv[6] === 'effects';
const snr = process.argv[7] ? parseSnrRange(process.argv[7]) : undefined;
const backend = await useBackend('wasm');
const detector = await loadModel(name);
const confidence = detector.metadata.thresholdRule?.confidence ?? 0.8;
const grid = Array.from({ length: 37 }, (_, i) => Math.round((0.05 + 0.025 * i) * 1000) / 1000);
const volumes = thresholdFitVolumes(from, count, { virus: true, effects, ...(snr ? { snr } : {}) });
const pool = await ModelWorkerPool.create(detector.model, { workers: availableParallelism(), backend });
const rows: unknown[] = [];
const started = Date.now();
try {
  for (const v of volumes) {
    const r = await detect(v.volume, { model: detector, predictor: pool, threshold: grid[0] as number });
    const shape = r.resampling?.to ?? v.volume.shape;
    const voxels = shape[0] * shape[1] * shape[2];
    const confident = r.points.filter((p) => p.score >= confidence).length;
    rows.push({
      id: v.id,
      truth: v.points.length,
      signal: r.signal ?? null,
      ruleThreshold: r.ruleThreshold ?? null,
      confident,
      density: (confident / voxels) * 1e6,
      logZoom: r.resampling
        ? [0, 1, 2].reduce(
            (sum, k) => sum + Math.log2((r.resampling?.to[k] as number) / (r.resampling?.from[k] as number)),
            0,
          )
        : 0,
      scores: r.points.map((p) => Math.round(p.score * 1000) / 1000),
      spotSize: r.spotSize ? { xy: r.spotSize.xy, z: r.spotSize.z, source: r.spotSize.source } : null,
      curve: grid.map((t) => {
        const s = evaluatePoints(
          v.points,
          r.points.filter((p) => p.score >= t),
          { gate: 5 },
        );
        return [t, s.tp, s.fp, s.fn];
      }),
    });
  }
} finally {
  await pool.close();
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ model: name, from, count, effects, snr: snr ?? null, confidence, rows })}\n`,
);
console.log(`${rows.length} volumes → ${out} (${((Date.now() - started) / 60000).toFixed(1)} min)`);
