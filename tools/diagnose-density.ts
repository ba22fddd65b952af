/**
 * `npm run diagnose:density -- [--model packages/pipeline/model/ptc-virus] [--snr 2] [--per-cell 6]`
 *
 * Does a volume's particle count change what the model finds in it? On the extended test set of
 * bench:table1 (seed 2027, `--per-cell` volumes per SNR × density cell, the SNR given), each
 * low-density volume is predicted alone and side by side (concatenated along x) with a high-density
 * volume and with another low-density volume of the same SNR; TP / FP / FN are counted for each half
 * at the model's threshold (gate 5 voxels). A network whose map at a voxel depends only on its
 * neighbourhood gives the same counts alone and side by side (up to the seam and the input
 * normalisation, whose percentiles are the whole input's); with per-volume instance statistics the
 * neighbour's particles change them. For a model with per-volume statistics it also predicts the
 * low-density volumes normalised by background median and noise σ instead of percentiles, with no
 * retraining (does the input normalisation alone explain the false positives?). Last, each
 * low-density volume's false positives (alone) beside its brightness reference (`spotReference`'s
 * height in the volume's noise σ), sorted by that reference: does a sparse volume's estimate of its
 * particles' brightness decide how many noise peaks pass?
 */
import { parseArgs } from 'node:util';
import { matchPoints, type Point3 } from '@dmdet/metrics';
import { resolveConfig } from '@dmdet/model';
import { DEFAULT_MIN_DISTANCE, predictMap, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { localMaxima3D, robustNoise } from '@dmdet/postprocess';
import { DEFAULT_NORMALIZATION, normalizeInput, spotReference } from '@dmdet/preprocess';
import { createVolume, type Volume } from '@dmdet/volume-io';
import { type BenchmarkItem, extendedTestData } from './lib/benchmark-data';
import { isFrozen } from './lib/train-recipe';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'packages/pipeline/model/ptc-virus' },
    snr: { type: 'string', default: '2' },
    'per-cell': { type: 'string', default: '6' },
  },
});
const perCell = Number(values['per-cell']);
if (!(Number.isInteger(perCell) && perCell >= 2)) throw new Error(`--per-cell must be an integer >= 2`);
const snr = Number(values.snr);

await useBackend('wasm');
const detector = await loadModel(values.model);
const threshold = detector.metadata.threshold ?? 0.5;
const normalization = detector.metadata.normalization ?? DEFAULT_NORMALIZATION;
const config = resolveConfig(detector.metadata.config);
/** Whether the model normalises with each volume's own statistics (so its input's scale is immaterial). */
const perVolume = !isFrozen(detector);
const set = extendedTestData('small', perCell).filter((s) => s.snr === snr);
if (set.length === 0) throw new Error(`--snr must be one of 1, 2, 4, 7, got ${values.snr}`);
const low = set.filter((s) => s.density === 'low');
const high = set.filter((s) => s.density === 'high');

/** Two volumes of the same shape side by side along x. */
function besideX(a: Volume, b: Volume): Volume {
  const [Z, Y, X] = a.shape;
  const out = new Float32Array(Z * Y * 2 * X);
  for (let r = 0; r < Z * Y; r++) {
    out.set(Float32Array.from(a.data.subarray(r * X, (r + 1) * X)), r * 2 * X);
    out.set(Float32Array.from(b.data.subarray(r * X, (r + 1) * X)), r * 2 * X + X);
  }
  return createVolume(out, [Z, Y, 2 * X]);
}
async function found(volume: Volume, how = normalization): Promise<Point3[]> {
  const { map } = await predictMap(detector.model, config, normalizeInput(volume, how));
  return localMaxima3D(map, { threshold, minDistance: DEFAULT_MIN_DISTANCE });
}
type Tally = { tp: number; fp: number; fn: number };
const tallies = new Map<string, Tally>();
function count(row: string, truth: Point3[], detections: Point3[]): void {
  const m = matchPoints(truth, detections, { gate: 5 });
  const t = tallies.get(row) ?? { tp: 0, fp: 0, fn: 0 };
  tallies.set(row, { tp: t.tp + m.tp, fp: t.fp + m.fp, fn: t.fn + m.fn });
}
const width = (low[0] as BenchmarkItem).volume.shape[2];
const left = (ps: Point3[]) => ps.filter((p) => p.x < width - 0.5);
const right = (ps: Point3[]) => ps.filter((p) => p.x >= width - 0.5).map((p) => ({ ...p, x: p.x - width }));

const byReference: { id: string; reference: number; fp: number }[] = [];
for (const [i, sparse] of low.entries()) {
  const dense = high[i] as BenchmarkItem;
  const other = low[(i + 1) % low.length] as BenchmarkItem;
  const alone = await found(sparse.volume);
  count('low density, alone', sparse.points, alone);
  byReference.push({
    id: sparse.id,
    reference: spotReference(sparse.volume).scale / robustNoise(sparse.volume.data).sigma,
    fp: matchPoints(sparse.points, alone, { gate: 5 }).fp,
  });
  const withDense = await found(besideX(sparse.volume, dense.volume));
  count('low density, beside a high-density volume', sparse.points, left(withDense));
  count(
    'low density, beside another low-density volume',
    sparse.points,
    left(await found(besideX(sparse.volume, other.volume))),
  );
  count('high density, alone', dense.points, await found(dense.volume));
  count('high density, beside a low-density volume', dense.points, right(withDense));
  if (perVolume)
    count(
      'low density, alone, input normalised by noise (not retrained)',
      sparse.points,
      await found(sparse.volume, { method: 'noise' }),
    );
}
console.log(
  `model ${values.model} (threshold ${threshold.toFixed(3)}), SNR ${snr}, ${low.length} low- and high-density volumes of the extended test set\n`,
);
for (const [row, t] of tallies) console.log(`- ${row}: TP ${t.tp}, FP ${t.fp}, FN ${t.fn}`);
console.log(
  `\nLow-density volumes alone, by their 'spots' reference (height above the median in noise σ): reference → false positives`,
);
byReference.sort((a, b) => a.reference - b.reference);
console.log(byReference.map((r) => `${r.reference.toFixed(2)} → ${r.fp}`).join(', '));
const half = Math.floor(byReference.length / 2);
const sum = (rows: typeof byReference) => rows.reduce((a, r) => a + r.fp, 0);
console.log(
  `lower half (${half} volumes): ${sum(byReference.slice(0, half))} FP; upper half (${byReference.length - half}): ${sum(byReference.slice(half))} FP`,
);
