/**
 * Experiment: why do false positives concentrate in sparse volumes?
 */
import { parseArgs } from 'node:util';
import { matchPoints, type Point3 } from '@dmdet/metrics';
import { resolveConfig } from '@dmdet/model';
import { DEFAULT_MIN_DISTANCE, predictMap, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { localMaxima3D, robustNoise } from '@dmdet/postprocess';
import { createVolume, normalizePercentile, type Volume } from '@dmdet/volume-io';
import { type BenchmarkItem, extendedTestData } from './lib/benchmark-data';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'packages/pipeline/model/default' },
    n: { type: 'string', default: '6' },
    snr: { type: 'string', default: '2' },
  },
});
await useBackend('wasm');
const det = await loadModel(values.model);
const thr = det.metadata.threshold ?? 0.5;
const cfg = resolveConfig(det.metadata.config);
const snr = Number(values.snr);
const set = extendedTestData('small', Number(values.n)).filter((s) => s.snr === snr);
const low = set.filter((s) => s.density === 'low');
const high = set.filter((s) => s.density === 'high');

function robustNorm(v: Volume): Volume<Float32Array> {
  const f = Float32Array.from(v.data as ArrayLike<number>);
  const { median, sigma } = robustNoise(f);
  const out = new Float32Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = ((f[i] as number) - median) / sigma;
  return createVolume(out, v.shape);
}
function concatX(a: Volume, b: Volume): Volume<Float32Array> {
  const [Z, Y, X] = a.shape;
  const out = new Float32Array(Z * Y * 2 * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        out[(z * Y + y) * 2 * X + x] = a.data[(z * Y + y) * X + x] as number;
        out[(z * Y + y) * 2 * X + X + x] = b.data[(z * Y + y) * X + x] as number;
      }
  return createVolume(out, [Z, Y, 2 * X]);
}
async function run(input: Volume<Float32Array>) {
  const { map } = await predictMap(det.model, cfg, input);
  return { map, found: localMaxima3D(map, { threshold: thr, minDistance: DEFAULT_MIN_DISTANCE }) };
}
function score(truth: Point3[], found: Point3[]) {
  const m = matchPoints(truth, found, { gate: 5 });
  return { tp: m.tp, fp: m.fp, fn: m.fn };
}
const sum = (rows: { tp: number; fp: number; fn: number }[]) =>
  rows.reduce((a, b) => ({ tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn }), { tp: 0, fp: 0, fn: 0 });
const fmt = (t: { tp: number; fp: number; fn: number }) => `TP ${t.tp} FP ${t.fp} FN ${t.fn}`;

const rows: Record<string, { tp: number; fp: number; fn: number }[]> = {};
const add = (k: string, r: { tp: number; fp: number; fn: number }) => {
  rows[k] ??= [];
  rows[k].push(r);
};
const fpZ = new Array(10).fill(0);
const fpScores: number[] = [];
for (let i = 0; i < low.length; i++) {
  const s = low[i] as BenchmarkItem;
  const d = high[i] as BenchmarkItem;
  const a = await run(normalizePercentile(s.volume));
  const r = score(s.points, a.found);
  add('low percentile', r);
  const m = matchPoints(s.points, a.found, { gate: 5 });
  for (const j of m.unmatchedDetections) {
    const p = a.found[j] as Point3 & { score: number };
    fpZ[Math.round(p.z)]++;
    fpScores.push(p.score);
  }
  add('low robust', score(s.points, (await run(robustNorm(s.volume))).found));
  // sparse beside dense
  const c = await run(normalizePercentile(concatX(s.volume, d.volume)));
  const X = s.volume.shape[2];
  add(
    'low half of low|high',
    score(
      s.points,
      c.found.filter((p) => p.x < X - 0.5),
    ),
  );
  add(
    'high half of low|high',
    score(
      d.points,
      c.found.filter((p) => p.x >= X - 0.5).map((p) => ({ ...p, x: p.x - X })),
    ),
  );
  add('high percentile', score(d.points, (await run(normalizePercentile(d.volume))).found));
  // sparse beside sparse (same size control)
  const s2 = low[(i + 1) % low.length] as BenchmarkItem;
  const c2 = await run(normalizePercentile(concatX(s.volume, s2.volume)));
  add(
    'low half of low|low',
    score(
      s.points,
      c2.found.filter((p) => p.x < X - 0.5),
    ),
  );
}
console.log(`SNR ${snr}, ${low.length} pairs, threshold ${thr}`);
for (const [k, v] of Object.entries(rows)) console.log(`- ${k}: ${fmt(sum(v))}`);
console.log(`FP z histogram: ${fpZ.join(' ')}`);
fpScores.sort();
console.log(`FP scores: ${fpScores.map((x) => x.toFixed(2)).join(' ')}`);
