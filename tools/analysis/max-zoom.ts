/**
 * How far should detection enlarge a volume of small spots? Detects, as `detect` does by default
 * (spot size estimated, the model's flips and threshold rule), in general volumes of small spots
 * with the model's spot scale given each `--caps` limit (`spotScale.maxZoom`): `none` (all the way,
 * as trained), `xyF` (in-plane zoom at most F), `zF` (along z) or `vF` (the enlarging factors'
 * product at most F), and prints mean F1 per limit, paired against the first, over all volumes and
 * per bin of true σxy. The volumes: the general family drawn as the threshold rule is fitted
 * (in-plane 128×128, local SNR `--snr`, half of them with the acquisition effects), from seed index
 * `--first` on (10000: beyond every training, fit and analysis seed), keeping those whose σxy is
 * below `--below` and σz below `--below-z` (the family draws both log-uniformly in 0.7–3), or, with
 * `--sigma lo,hi`, every volume with its σxy and σz drawn log-uniformly in [lo, hi] instead (the
 * family's corner of small spots in all three axes, which its log-uniform draws seldom reach):
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/max-zoom.ts [model] [--count 60] [--below 1.2] [--below-z 99] [--caps none,xy1.5,v4] [--sigma lo,hi] [--snr 1.5,30] [--first 10000]
 */
import { parseArgs } from 'node:util';
import { ModelWorkerPool } from '@dmdet/model/node';
import { type DetectorModel, detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { Random, sampleGeneralParams, simulateGeneral } from '@dmdet/simulate';
import { generalTrainingSeeds, parseSnrRange } from '../lib/general-data';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: 'string', default: '60' },
    below: { type: 'string', default: '1.2' },
    'below-z': { type: 'string', default: '99' },
    caps: { type: 'string', default: 'none,xy1.5,v4' },
    first: { type: 'string', default: '10000' },
    sigma: { type: 'string' },
    snr: { type: 'string', default: '1.5,30' },
  },
});
const count = Number(values.count);
const below = Number(values.below);
const snr = parseSnrRange(values.snr);
const belowZ = Number(values['below-z']);
const sigmaRange = values.sigma?.split(',').map(Number) as [number, number] | undefined;
if (sigmaRange && !(sigmaRange.length === 2 && sigmaRange[0] > 0 && sigmaRange[1] >= sigmaRange[0]))
  throw new Error(`--sigma must be lo,hi with 0 < lo <= hi (σ in voxels), got ${values.sigma}`);
type Cap = { xy?: number; z?: number; voxels?: number } | undefined;
const parseCap = (c: string): Cap => {
  if (c === 'none') return undefined;
  const m = /^(xy|z|v)([0-9.]+)$/.exec(c);
  const v = Number(m?.[2]);
  if (!m || !(v >= 1)) throw new Error(`--caps: each must be none, xyF, zF or vF with F >= 1, got ${c}`);
  return { [m[1] === 'v' ? 'voxels' : (m[1] as string)]: v };
};
const capNames = values.caps.split(',');
const caps = capNames.map(parseCap);
if (!(Number.isInteger(count) && count > 0))
  throw new Error(`--count must be a positive integer, got ${values.count}`);
const backend = await useBackend('wasm');
const base = await loadModel(positionals[0] ?? 'default');
const scale = base.metadata.spotScale;
if (!scale) throw new Error('the model has no spotScale: nothing is resampled');
const pool = await ModelWorkerPool.create(base.model, { workers: 2, backend });
const withCap = (cap: Cap): DetectorModel => {
  const { maxZoom: _drop, ...plain } = scale;
  return {
    ...base,
    metadata: { ...base.metadata, spotScale: cap === undefined ? plain : { ...plain, maxZoom: cap } },
  };
};
const models = caps.map(withCap);

const rows: { sigma: number; f1: number[] }[] = [];
let index = Number(values.first);
while (rows.length < count) {
  const [seed] = generalTrainingSeeds(index, 1) as [number];
  const effects = index % 2 === 1;
  index++;
  const rng = new Random(seed ^ 0x5a5a);
  const logDraw = ([lo, hi]: [number, number]) => Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
  const params = sampleGeneralParams(seed, {
    size: [128, 128],
    snr,
    effects,
    ...(sigmaRange
      ? { overrides: { psf: { sigmaXY: logDraw(sigmaRange), sigmaZ: logDraw(sigmaRange) } } }
      : {}),
  });
  if (!(params.psf.sigmaXY < below && params.psf.sigmaZ < belowZ)) continue;
  const sim = simulateGeneral(params, seed);
  const f1: number[] = [];
  for (const model of models) {
    const r = await detect(sim.volume, { model, predictor: pool });
    f1.push(evaluate(sim.points, r.points, { gate: 5 }).f1);
  }
  rows.push({ sigma: params.psf.sigmaXY, f1 });
  console.error(
    `${rows.length}/${count} σxy ${params.psf.sigmaXY.toFixed(2)} σz ${params.psf.sigmaZ.toFixed(2)} SNR ${params.spots.snr.toFixed(1)} ${sim.points.length} spots${effects ? ' (effects)' : ''}: ${f1.map((f) => f.toFixed(3)).join(' ')}`,
  );
}
await pool.close();

const report = (name: string, sel: typeof rows) => {
  if (sel.length === 0) return;
  const parts = caps.map((_c, k) => {
    const d = sel.map((r) => (r.f1[k] as number) - (r.f1[0] as number));
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, d.length - 1));
    const f = sel.reduce((a, r) => a + (r.f1[k] as number), 0) / sel.length;
    return `${capNames[k]} ${f.toFixed(4)}${k > 0 ? ` (${mean >= 0 ? '+' : ''}${mean.toFixed(4)} ± ${(sd / Math.sqrt(d.length)).toFixed(4)})` : ''}`;
  });
  console.log(`${name.padEnd(22)} n ${String(sel.length).padStart(3)}: ${parts.join(', ')}`);
};
console.log(
  `mean F1 by zoom limit (paired difference to the first ± its standard error); model ${positionals[0] ?? 'default'}`,
);
report('all', rows);
for (const [lo, hi] of [
  [0, 0.8],
  [0.8, 0.95],
  [0.95, below],
] as const)
  report(
    `σxy ${lo}–${hi}`,
    rows.filter((r) => r.sigma >= lo && r.sigma < hi),
  );
process.exit(0);
