/**
 * A probe for a decoy-calibrated threshold: for each volume, the map's local maxima (scores, and
 * whether each matches a true spot) and the maxima of the map of the volume's decoy, the volume
 * mirrored about its local background (2·background − volume). The decoy keeps what is symmetric
 * about the background (noise, a granular texture, a background estimate's error) and turns every
 * spot into a dip, so its maxima show how the volume's clutter alone scores; `decoy_threshold.py`
 * scores threshold rules from them offline.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/decoy-maps.ts <out.json> [volumes per case] [groups] [model] [scenarios] [snrs] [mirror]
 *
 * Groups (comma-separated): `family:N` (N volumes of the `general` family with its acquisition
 * effects, 128×128 in-plane, local SNR 1.5–12, from seed index 9600), `grid` (every robustness scenario at SNR 2 / 4 / 7 / 20,
 * seeds of their own under parent 0xdec0e, not the benchmark's held-out ones), `tissue` (the
 * tissue-like scene, smooth and granular, SNR 2 / 4 / 7, replicates 8+), `virus` (the virus
 * scenario's extended-set conditions, seeds of their own). The decoy is detected at the volume's
 * own spot size and input knee (so only the residual's sign differs), with one pass.
 *
 * `mirror` (default `negate`): `quantile` mirrors each voxel's residual in noise σ, z = (v − B) / S,
 * through the volume's own distribution of z (the voxel of rank k takes the value of rank n − 1 − k,
 * ties at their mean rank), so the decoy's upper tail is the volume's: few-photon noise, whose upper
 * tail is heavier than its lower, is not under-counted as it is by the negation.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { matchPoints } from '@dmdet/metrics';
import { ModelWorkerPool } from '@dmdet/model/node';
import { DEFAULT_MIN_DISTANCE, detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { localMaxima3D } from '@dmdet/postprocess';
import { backgroundNoiseMaps, fromResampled } from '@dmdet/preprocess';
import { deriveSeed, simulateGeneral } from '@dmdet/simulate';
import { createVolume, type Volume } from '@dmdet/volume-io';
import { thresholdFitVolumes } from '../lib/general-data';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from '../lib/robustness-scenarios';
import { tissueVolume } from '../lib/tissue-scene';

const [
  out = 'bench-output/decoy-maps.json',
  perCase = '1',
  groupArg = 'grid,tissue',
  modelName = 'default',
  scenarioArg = ROBUSTNESS_SCENARIOS.map((s) => s.name).join(','),
  snrArg = '2,4,7,20',
  mirror = 'negate',
] = process.argv.slice(2);
if (mirror !== 'negate' && mirror !== 'quantile')
  throw new Error(`mirror must be negate or quantile, got ${mirror}`);
const volumes = Number(perCase);
const groups = groupArg.split(',');
const backend = await useBackend('wasm');
const model = await loadModel(modelName);
const pool = await ModelWorkerPool.create(model.model, { workers: availableParallelism(), backend });
const FLOOR = 0.05;

interface Item {
  group: string;
  id: string;
  truth: number;
  threshold: number;
  f1: number;
  knee?: number;
  spotPeak?: number;
  zoom: number;
  /** Real maxima: [score, matched 0/1]. */
  real: [number, number][];
  /** Decoy maxima scores. */
  decoy: number[];
  voxels: number;
}
const items: Item[] = [];

function decoyOf(volume: Volume): Volume<Float32Array> {
  const { background, noise } = backgroundNoiseMaps(volume);
  const d = new Float32Array(volume.data.length);
  if (mirror === 'negate') {
    for (let i = 0; i < d.length; i++) d[i] = 2 * (background[i] as number) - (volume.data[i] as number);
    return createVolume(d, volume.shape);
  }
  const z = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++)
    z[i] = ((volume.data[i] as number) - (background[i] as number)) / (noise[i] as number);
  const sorted = z.slice().sort();
  const n = sorted.length;
  // First index whose value is not below v (strictly above, with `after`).
  const bound = (v: number, after: boolean) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const s = sorted[mid] as number;
      if (s < v || (after && s === v)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let i = 0; i < d.length; i++) {
    const v = z[i] as number;
    if (Number.isNaN(v)) {
      d[i] = Number.NaN;
      continue;
    }
    const rank = Math.round((bound(v, false) + bound(v, true) - 1) / 2);
    d[i] = (background[i] as number) + (noise[i] as number) * (sorted[n - 1 - rank] as number);
  }
  return createVolume(d, volume.shape);
}

async function probe(
  group: string,
  id: string,
  volume: Volume,
  truth: readonly { x: number; y: number; z: number }[],
) {
  const t0 = Date.now();
  // The rule's threshold without the model's own decoy term, which this probe stands in for.
  const res = await detect(volume, { model, predictor: pool, keepMap: true, decoy: false });
  const map = res.map;
  if (!map) throw new Error('no map');
  const m = matchPoints(truth, res.points, { gate: 5 });
  const f1 = truth.length + res.points.length > 0 ? (2 * m.tp) / (truth.length + res.points.length) : 1;
  const cands = localMaxima3D(map, { threshold: FLOOR, minDistance: DEFAULT_MIN_DISTANCE });
  const mapped = res.resampling ? cands.map((c) => fromResampled(c, res.resampling!)) : cands;
  const cm = matchPoints(truth, mapped, { gate: 5 });
  const hit = new Uint8Array(mapped.length);
  for (const p of cm.pairs) hit[p.detection] = 1;
  const size = res.spotSize ? { xy: res.spotSize.xy, z: res.spotSize.z } : undefined;
  const dres = await detect(decoyOf(volume), {
    model,
    predictor: pool,
    keepMap: true,
    ...(size ? { spotSize: size } : {}),
    ...(res.inputKnee !== undefined ? { inputKnee: res.inputKnee } : {}),
    brightPass: false,
  });
  const dmap = dres.map;
  if (!dmap) throw new Error('no decoy map');
  const dc = localMaxima3D(dmap, { threshold: FLOOR, minDistance: DEFAULT_MIN_DISTANCE });
  const zoom = res.resampling ? map.data.length / volume.data.length : 1;
  items.push({
    group,
    id,
    truth: truth.length,
    threshold: res.threshold,
    f1,
    ...(res.inputKnee !== undefined ? { knee: res.inputKnee } : {}),
    ...(res.spotPeak !== undefined ? { spotPeak: res.spotPeak } : {}),
    zoom,
    real: cands.map((c, i) => [Number(c.score.toFixed(4)), hit[i] as number]),
    decoy: dc.map((c) => Number(c.score.toFixed(4))),
    voxels: map.data.length,
  });
  writeFileSync(out, JSON.stringify(items));
  const dAbove = dc.filter((c) => c.score >= res.threshold).length;
  console.log(
    `${group} ${id}: F1 ${f1.toFixed(3)} thr ${res.threshold.toFixed(2)} real ${cands.length} decoy ${dc.length} decoy>=thr ${dAbove} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
}

if (groups.includes('tissue'))
  for (const texture of [0, 0.3])
    for (const snr of [2, 4, 7])
      for (let r = 0; r < volumes; r++) {
        const sim = tissueVolume(texture, snr, 8 + r);
        await probe('tissue', `${texture ? 'granular' : 'smooth'}-${snr}-${r}`, sim.volume, sim.points);
      }
const family = groups.find((g) => g.startsWith('family'));
if (family)
  for (const v of thresholdFitVolumes(9600, Number(family.split(':')[1] ?? 100), { effects: true }))
    await probe('family', v.id ?? '', v.volume, v.points);
if (groups.includes('grid'))
  for (const name of scenarioArg.split(',')) {
    const si = ROBUSTNESS_SCENARIOS.findIndex((s) => s.name === name);
    const scenario = ROBUSTNESS_SCENARIOS[si];
    if (!scenario) throw new Error(`unknown scenario ${name}`);
    for (const snr of snrArg.split(',').map(Number))
      for (let r = 0; r < volumes; r++) {
        const sim = simulateGeneral(
          robustnessParams(scenario, snr),
          deriveSeed(0xdec0e, si * 1000 + snr * 10 + r),
        );
        await probe('grid', `${scenario.name}-${snr}-${r}`, sim.volume, sim.points);
      }
  }
console.log(`wrote ${out}: ${items.length} volumes`);
await pool.close();
