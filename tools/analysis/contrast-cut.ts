/**
 * Per-candidate features for a contrast cut on detections (a detection kept only where the
 * normalised input around it is bright enough): for each volume, the maxima of the `default`
 * model's map scoring ≥ 0.2 with their score, the normalised input's 3×3×3 mean and centre value
 * there, and their position in the file's voxels; per volume the signal and the threshold the rule
 * gave it, the resampling's zoom, the robust σ of the 3×3×3 box mean of the normalised input (the
 * noise a box mean has), and the true spots. Volumes: the 300 `general` volumes from seed index 9000
 * and the virus validation volumes (as `rule-features.ts`), and every robustness scenario at SNR 2, 4
 * and 7 on 2 seeds of its own (`robustnessSeeds(7).slice(5)`: neither the benchmark's test nor its
 * validation volumes), and, with `--tissue`, the tissue-like scene (`tools/lib/tissue-scene.ts`,
 * smooth and granular cells at SNR 2, 4 and 7, replicates 6 and 7: not the probe's). Each candidate
 * also carries its neighbourhood at the model's scale: the median and robust σ of the box means in
 * a window of ±7 voxels in-plane and ±2 slices around it, its core (±2, ±1) left out, and how many
 * other map maxima within ±12 voxels in-plane and ±3 slices score in [0.3, 0.8) and ≥ 0.8.
 * `tools/analysis/contrast_cut.py` compares cuts offline; `tools/analysis/detection_filter.py`
 * fits a filter on the neighbourhood.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/contrast-cut.ts [out.json] [--effects] [--tissue] [--model <name|dir>] [--snr 2,4,7] [--scenarios-only]
 *
 * `--model` (default `default`): the model whose maps and rule are dumped. The `rule` recorded per
 * volume is the threshold its rule gives as `detect` applies it (`ruleThreshold`), every term
 * included: to fit a term again, dump a copy of the model without it.
 *
 * `--snr` (default 2,4,7): the robustness scenarios' SNRs dumped (their groups are `<scenario>/<snr>`);
 * `--scenarios-only` leaves out the `general` and virus volumes (e.g. `--snr 20,30,60,120
 * --scenarios-only` for bright stacks alone).
 *
 * `--effects` draws the 300 `general` volumes with the family's acquisition effects
 * (`sampleGeneralParams`' `effects`: cell texture, astigmatism, attenuation, EM gain).
 *
 * Default out: bench-output/contrast-cut.json (about 11 min on 2 cores).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { ModelWorkerPool } from '@dmdet/model/node';
import { DEFAULT_MIN_DISTANCE, detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { localMaxima3D } from '@dmdet/postprocess';
import { DEFAULT_NORMALIZATION, fromResampled, normalizeInput, resampleVolume } from '@dmdet/preprocess';
import { simulateGeneral } from '@dmdet/simulate';
import type { Volume } from '@dmdet/volume-io';
import { thresholdFitVolumes } from '../lib/general-data';
import { ROBUSTNESS_SCENARIOS, robustnessParams, robustnessSeeds } from '../lib/robustness-scenarios';
import { tissueVolume } from '../lib/tissue-scene';

const args = process.argv.slice(2);
const effects = args.includes('--effects');
const tissue = args.includes('--tissue');
const modelAt = args.indexOf('--model');
const modelName = modelAt >= 0 ? args[modelAt + 1] : 'default';
if (!modelName) throw new Error('--model needs a model name or folder');
const snrAt = args.indexOf('--snr');
const snrs =
  snrAt >= 0
    ? String(args[snrAt + 1])
        .split(',')
        .map(Number)
    : [2, 4, 7];
if (snrs.some((v) => !(v > 0))) throw new Error(`--snr needs SNRs > 0, got ${args[snrAt + 1]}`);
const scenariosOnly = args.includes('--scenarios-only');
const out =
  args.find(
    (a, i) => !a.startsWith('--') && !(modelAt >= 0 && i === modelAt + 1) && !(snrAt >= 0 && i === snrAt + 1),
  ) ?? 'bench-output/contrast-cut.json';
const backend = await useBackend('wasm');
const detector = await loadModel(modelName);
const pool = await ModelWorkerPool.create(detector.model, { workers: availableParallelism(), backend });
type P = { x: number; y: number; z: number };
const items: { id: string; group: string; volume: Volume; points: readonly P[] }[] = [];
for (const v of scenariosOnly ? [] : thresholdFitVolumes(9000, 300, { virus: true, effects }))
  items.push({
    id: v.id ?? '',
    group: v.id?.startsWith('general') ? 'general' : 'virus',
    volume: v.volume,
    points: v.points,
  });
for (const s of ROBUSTNESS_SCENARIOS)
  for (const snr of snrs)
    for (const seed of robustnessSeeds(7).slice(5)) {
      const sim = simulateGeneral(robustnessParams(s, snr), seed);
      items.push({
        id: `${s.name}-${snr}-${seed}`,
        group: `${s.name}/${snr}`,
        volume: sim.volume,
        points: sim.points,
      });
    }

if (tissue)
  for (const texture of [0, 0.3])
    for (const snr of [2, 4, 7])
      for (const k of [6, 7]) {
        const sim = tissueVolume(texture, snr, k);
        items.push({
          id: `tissue-${texture}-${snr}-${k}`,
          group: `tissue-${texture}/${snr}`,
          volume: sim.volume,
          points: sim.points,
        });
      }

/** The 3×3×3 box mean of a volume, clipped at its borders (separable). */
function boxMean(v: Volume<Float32Array>): Float32Array {
  const [Z, Y, X] = v.shape;
  let a = v.data;
  for (const [n, stride] of [
    [X, 1],
    [Y, X],
    [Z, X * Y],
  ] as const) {
    const b = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const c = Math.floor(i / stride) % n;
      let sum = a[i] as number;
      let k = 1;
      if (c > 0) {
        sum += a[i - stride] as number;
        k++;
      }
      if (c < n - 1) {
        sum += a[i + stride] as number;
        k++;
      }
      b[i] = sum / k;
    }
    a = b;
  }
  return a;
}
/** The median and 1.4826 × the median absolute deviation from it. */
function robustStats(values: Float32Array): [number, number] {
  const sorted = Float32Array.from(values).sort();
  const med = sorted[sorted.length >> 1] as number;
  const dev = Float32Array.from(values, (x) => Math.abs(x - med)).sort();
  return [med, 1.4826 * (dev[dev.length >> 1] as number)];
}
const robustSigma = (values: Float32Array) => robustStats(values)[1];

/** Median and robust σ of `box` around (z, y, x): ±7 in-plane, ±2 slices, the core ±2 / ±1 left out. */
function neighbourhood(
  box: Float32Array,
  shape: readonly number[],
  z: number,
  y: number,
  x: number,
): [number, number] {
  const [Z = 1, Y = 1, X = 1] = shape;
  const values: number[] = [];
  for (let dz = -2; dz <= 2; dz++) {
    const zz = z + dz;
    if (zz < 0 || zz >= Z) continue;
    for (let dy = -7; dy <= 7; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= Y) continue;
      for (let dx = -7; dx <= 7; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= X) continue;
        if (Math.abs(dz) <= 1 && Math.abs(dy) <= 2 && Math.abs(dx) <= 2) continue;
        values.push(box[(zz * Y + yy) * X + xx] as number);
      }
    }
  }
  return values.length > 8 ? robustStats(Float32Array.from(values)) : [Number.NaN, Number.NaN];
}

const rows: unknown[] = [];
const started = Date.now();
try {
  for (const it of items) {
    const r = await detect(it.volume, { model: detector, predictor: pool, threshold: 0.2, keepMap: true });
    const scaled = r.resampling ? resampleVolume(it.volume, r.resampling) : it.volume;
    const input = normalizeInput(scaled, detector.metadata.normalization ?? DEFAULT_NORMALIZATION);
    const box = boxMean(input);
    const [Z, Y, X] = input.shape;
    const maxima = localMaxima3D(r.map as Volume, {
      threshold: 0.2,
      minDistance: DEFAULT_MIN_DISTANCE,
    });
    const candidates = maxima.map((p) => {
      const z = Math.min(Z - 1, Math.max(0, Math.round(p.z)));
      const y = Math.min(Y - 1, Math.max(0, Math.round(p.y)));
      const x = Math.min(X - 1, Math.max(0, Math.round(p.x)));
      const i = (z * Y + y) * X + x;
      const q = r.resampling ? fromResampled(p, r.resampling) : p;
      const [med, sig] = neighbourhood(box, input.shape, z, y, x);
      let low = 0;
      let high = 0;
      for (const o of maxima) {
        if (o === p || Math.abs(o.z - p.z) > 3 || Math.abs(o.y - p.y) > 12 || Math.abs(o.x - p.x) > 12)
          continue;
        if (o.score >= 0.8) high++;
        else if (o.score >= 0.3) low++;
      }
      return [q.z, q.y, q.x, p.score, box[i] as number, input.data[i] as number, med, sig, low, high].map(
        (v) => +v.toFixed(4),
      );
    });
    const zoom = r.resampling
      ? r.resampling.to.reduce((a, b) => a * b, 1) / r.resampling.from.reduce((a, b) => a * b, 1)
      : 1;
    rows.push({
      id: it.id,
      group: it.group,
      signal: r.signal ?? null,
      rule: r.ruleThreshold ?? null,
      zoom,
      boxNoise: robustSigma(box),
      truth: it.points.map((p) => [p.z, p.y, p.x].map((v) => +v.toFixed(3))),
      candidates,
    });
  }
} finally {
  await pool.close();
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(rows)}\n`);
console.log(`${rows.length} volumes → ${out} (${((Date.now() - started) / 60000).toFixed(1)} min)`);
