/**
 * `npm run diagnose:misses -- [--model packages/pipeline/model/ptc-virus] [--scale small] [--extended-test N]`
 *
 * Why a trained model misses what it misses on the simulated benchmark (tools/lib/benchmark-data.ts),
 * from one pass of the model over each validation and test volume:
 *
 * 1. The local-maxima window: for each minimum distance (slices / pixels), the threshold chosen on the
 *    validation split (best mean F1) and the test F1, precision and recall per SNR. If a smaller window
 *    leaves the scores unchanged, close particles are lost in the predicted map (one peak for two),
 *    not by the detection rule.
 * 2. TP / FP / FN per SNR and density (the model's own threshold, the default window).
 * 3. Each missed test particle at SNR ≥ 2 (with the model's own threshold and the default window):
 *    the distance to its nearest other particle (and its offset in z and in the yx plane), the map's
 *    largest value within one voxel of it and the distance to the nearest detection, then a count by cause — "close pair" (another particle
 *    within 4 voxels), "weak" (the map stays below the threshold near it), "other".
 *
 * `--extended-test N` scores the extended test set of bench:table1 (N volumes per cell, seed 2027)
 * instead of the test split.
 */
import { parseArgs } from 'node:util';
import { bestThreshold, matchPoints, type Point3 } from '@dmdet/metrics';
import { DEFAULT_MIN_DISTANCE, detect, evaluateMany, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { localMaxima3D } from '@dmdet/postprocess';
import type { Volume } from '@dmdet/volume-io';
import { type BenchmarkItem, benchmarkData, extendedTestData, type ScaleName } from './lib/benchmark-data';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'packages/pipeline/model/ptc-virus' },
    scale: { type: 'string', default: 'small' },
    'extended-test': { type: 'string', default: '0' },
  },
});
const extendedPerCell = Number(values['extended-test']);
if (!(Number.isInteger(extendedPerCell) && extendedPerCell >= 0))
  throw new Error(`--extended-test must be an integer >= 0, got ${values['extended-test']}`);
const GATE = 5;
const CLOSE = 4;
const WINDOWS = [
  { z: 1, xy: 2 },
  { z: 1, xy: 1 },
  { z: 2, xy: 1 },
];

await useBackend('wasm');
const data = benchmarkData(values.scale as ScaleName);
const detector = await loadModel(values.model);
const threshold = detector.metadata.threshold ?? 0.5;

async function withMaps(set: BenchmarkItem[]): Promise<{ item: BenchmarkItem; map: Volume }[]> {
  const out = [];
  for (const item of set) {
    const { map } = await detect(item.volume, { model: detector, keepMap: true });
    if (!map) throw new Error('detect returned no map');
    out.push({ item, map });
  }
  return out;
}
const validation = await withMaps(data.validation);
const testSet =
  extendedPerCell > 0 ? extendedTestData(values.scale as ScaleName, extendedPerCell) : data.test;
const testName = extendedPerCell > 0 ? `extended test set (${testSet.length} volumes)` : 'test split';
const test = await withMaps(testSet);

const pct = (v: number) => v.toFixed(3);
console.log(`model ${values.model} (threshold ${threshold.toFixed(3)}), scale ${values.scale}\n`);
console.log(
  `## Local-maxima window (threshold chosen on validation; F1 / precision / recall per SNR on the ${testName})\n`,
);
for (const window of WINDOWS) {
  const images = validation.map(({ item, map }) => ({
    truth: item.points,
    detections: localMaxima3D(map, { threshold: 0.02, minDistance: window }),
  }));
  const best = bestThreshold(images, { gate: GATE });
  const rows = test.map(({ item, map }) => ({
    id: item.id,
    group: item.snr,
    truth: item.points,
    detections: localMaxima3D(map, { threshold: best.threshold, minDistance: window }),
  }));
  const cells = evaluateMany(rows, { gate: GATE })
    .groups.filter((g) => g.group !== 'all')
    .map((g) => `SNR ${g.group}: ${pct(g.f1.mean)} / ${pct(g.precision.mean)} / ${pct(g.recall.mean)}`);
  console.log(
    `- ±${window.z} slice, ±${window.xy} px: threshold ${best.threshold.toFixed(3)}, ${cells.join('; ')}`,
  );
}

const distance = (a: Point3, b: Point3) => Math.hypot(a.z - b.z, a.y - b.y, a.x - b.x);
function peakNear(map: Volume, p: Point3): number {
  const [Z, Y, X] = map.shape;
  const [z, y, x] = [Math.round(p.z), Math.round(p.y), Math.round(p.x)];
  let best = 0;
  for (let a = Math.max(0, z - 1); a <= Math.min(Z - 1, z + 1); a++)
    for (let b = Math.max(0, y - 1); b <= Math.min(Y - 1, y + 1); b++)
      for (let c = Math.max(0, x - 1); c <= Math.min(X - 1, x + 1); c++)
        best = Math.max(best, map.data[(a * Y + b) * X + c] as number);
  return best;
}

console.log(
  `\n## Errors per SNR and density on the ${testName} (threshold ${threshold.toFixed(3)}, window ±1 slice, ±2 px)\n`,
);
/** Each test volume's detections at the model's threshold and their matching, computed once. */
const scored = test.map(({ item, map }) => {
  const detections = localMaxima3D(map, { threshold, minDistance: DEFAULT_MIN_DISTANCE });
  return { item, map, detections, match: matchPoints(item.points, detections, { gate: GATE }) };
});
const tally = new Map<string, { tp: number; fp: number; fn: number }>();
for (const { item, match: m } of scored) {
  const key = `SNR ${item.snr} ${item.density}`;
  const t = tally.get(key) ?? { tp: 0, fp: 0, fn: 0 };
  tally.set(key, { tp: t.tp + m.tp, fp: t.fp + m.fp, fn: t.fn + m.fn });
}
for (const [key, t] of tally) console.log(`- ${key}: TP ${t.tp}, FP ${t.fp}, FN ${t.fn}`);

console.log(`\n## Missed particles at SNR ≥ 2 on the ${testName}\n`);
const causes = new Map<string, number>();
for (const { item, map, detections, match } of scored.filter((t) => t.item.snr >= 2)) {
  for (const i of match.unmatchedTruth) {
    const p = item.points[i] as Point3;
    const others = item.points.filter((_, j) => j !== i);
    const partner = others.reduce((a, b) => (distance(p, b) < distance(p, a) ? b : a), others[0] ?? p);
    const neighbour = others.length > 0 ? distance(p, partner) : Number.POSITIVE_INFINITY;
    const axial = Math.abs(partner.z - p.z);
    const lateral = Math.hypot(partner.y - p.y, partner.x - p.x);
    const nearestDetection = Math.min(...detections.map((q) => distance(p, q)));
    const peak = peakNear(map, p);
    const cause = neighbour < CLOSE ? 'close pair' : peak < threshold ? 'weak' : 'other';
    const key = `SNR ${item.snr} ${cause}`;
    causes.set(key, (causes.get(key) ?? 0) + 1);
    console.log(
      `- ${item.id} (z ${p.z.toFixed(1)}, y ${p.y.toFixed(1)}, x ${p.x.toFixed(1)}): nearest particle ${neighbour.toFixed(2)} (Δz ${axial.toFixed(1)}, Δyx ${lateral.toFixed(1)}), map peak ${peak.toFixed(2)}, nearest detection ${nearestDetection.toFixed(2)} → ${cause}`,
    );
  }
}
console.log(
  `\nBy cause: ${[...causes]
    .sort()
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ')}`,
);
