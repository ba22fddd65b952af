/**
 * Does a threshold rule fitted on one set of general volumes hold on another? Detects (no ghost
 * rule, every maximum ≥ 0.02, with the model's `flips` or `--flips`) in the threshold-fit volumes
 * (`tune-threshold.ts`'s: seeds from index 5000, local SNR 1.5–30, and the virus benchmark's 24
 * validation volumes) and in as many others (seeds from index 6000, used by no training, fit or
 * benchmark), fits rules on the first as `tuneThreshold` does (with and without a zoom slope) and
 * scores each, and the model's own rule, on both (mean F1, gate 5, each volume at the threshold the
 * rule gives it, as `detect` does):
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/rule-holdout.ts [model] [--count 144] [--flips 4] [--cache dir]
 *
 * `--cache dir` keeps the detections (two JSON files) so a second run only refits. About 8 min per
 * set with 4 flips on two cores.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bestThreshold, evaluatePoints, fitThresholdRule, type Point3 } from '@dmdet/metrics';
import { checkTestTimeFlips } from '@dmdet/model';
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, RULE_ZOOM_SLOPES, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { type ThresholdRule, thresholdForSignal } from '@dmdet/postprocess';
import { thresholdFitVolumes } from '../lib/general-data';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: 'string', default: '144' },
    flips: { type: 'string' },
    cache: { type: 'string' },
  },
});
const modelName = positionals[0] ?? 'default';
const count = Number(values.count);
if (!(Number.isInteger(count) && count > 0))
  throw new Error(`--count must be a positive integer, got ${values.count}`);
const backend = await useBackend('wasm');
const detector = await loadModel(modelName);
const flips = checkTestTimeFlips(
  values.flips === undefined ? (detector.metadata.flips ?? 1) : Number(values.flips),
  '--flips',
);

interface Image {
  truth: readonly Point3[];
  detections: (Point3 & { score: number })[];
  signal?: number;
  logZoom: number;
}

async function images(first: number, virus: boolean, name: string): Promise<Image[]> {
  const file = values.cache ? join(values.cache, `${name}-${count}-flips${flips}.json`) : undefined;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const volumes = thresholdFitVolumes(first, count, { virus, snr: [1.5, 30] });
  const pool = await ModelWorkerPool.create(detector.model, { workers: availableParallelism(), backend });
  const out: Image[] = [];
  try {
    for (const v of volumes) {
      const r = await detect(v.volume, {
        model: detector,
        threshold: 0.02,
        axialGhosts: false,
        predictor: pool,
        flips,
      });
      const voxels = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
      out.push({
        truth: v.points,
        detections: r.points.map(({ x, y, z, score }) => ({ x, y, z, score })),
        ...(r.signal !== undefined ? { signal: r.signal } : {}),
        logZoom: r.resampling ? Math.log2(voxels(r.resampling.to) / voxels(r.resampling.from)) : 0,
      });
    }
  } finally {
    await pool.close();
  }
  if (file && values.cache) {
    mkdirSync(values.cache, { recursive: true });
    writeFileSync(file, JSON.stringify(out));
  }
  return out;
}

const started = Date.now();
const fitSet = await images(5000, true, 'fit');
const heldSet = await images(6000, false, 'held');
const f1 = (im: Image, t: number) =>
  evaluatePoints(
    im.truth,
    im.detections.filter((d) => d.score >= t),
    { gate: 5 },
  ).f1;
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
type Rule = Pick<ThresholdRule, 'knots' | 'thresholds' | 'zoomSlope' | 'fallback'>;
const score = (set: Image[], rule: Rule, fixed: number) =>
  mean(set.map((im) => f1(im, thresholdForSignal(rule, im.signal, fixed, im.logZoom))));
const fixed = bestThreshold(fitSet, { gate: 5, choose: 'lowest-within-one-spot' }).threshold;
const rules: [string, Rule, number][] = [];
const own = detector.metadata.thresholdRule;
if (own) rules.push([`${modelName}'s own rule`, own, detector.metadata.threshold ?? 0.5]);
for (const [name, zoomSlopes] of [
  ['fitted, zoom slope', RULE_ZOOM_SLOPES],
  ['fitted, no zoom slope', [0]],
] as const) {
  const r = fitThresholdRule(fitSet, {
    gate: 5,
    knots: 4,
    minImagesPerKnot: 6,
    zoomSlopes,
    fallbackBaseline: fixed,
  });
  rules.push([name, r, fixed]);
}
console.log(
  `${modelName}, ${flips} flip(s): fit set ${fitSet.length} volumes (seeds from index 5000 + virus validation), held-out ${heldSet.length} (from index 6000); fixed threshold ${fixed.toFixed(3)}: ${mean(fitSet.map((im) => f1(im, fixed))).toFixed(4)} / ${mean(heldSet.map((im) => f1(im, fixed))).toFixed(4)}`,
);
for (const [name, rule, fallback] of rules)
  console.log(
    `${name.padEnd(24)} fit set ${score(fitSet, rule, fallback).toFixed(4)}  held-out ${score(heldSet, rule, fallback).toFixed(4)}  (knots ${rule.knots.map((k) => k.toFixed(2)).join(', ')} → ${rule.thresholds.map((t) => t.toFixed(2)).join(', ')}${rule.zoomSlope ? `, ${rule.zoomSlope} × log2 zoom` : ''}${rule.fallback !== undefined ? `, fallback ${rule.fallback.toFixed(2)}` : ''})`,
  );
console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
