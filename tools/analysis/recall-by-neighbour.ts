/**
 * How close two spots may be for a model to find both: the recall of `detect` (default flags) by
 * each spot's distance to its nearest neighbour in PSF σ (√((Δz/σz)² + (Δy/σxy)² + (Δx/σxy)²), σ
 * the scenario's PSF core), on robustness scenarios with seeds of its own (parent 0x5eedcc + 1, not
 * the benchmark's held-out ones). A pair the model merges into one detection counts one spot found
 * and one missed, so recall 0.5 in a bin means no pair there is told apart. Read beside
 * `resolution-bound.ts`.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/recall-by-neighbour.ts [model] [scenarios] [snr] [volumes]
 *
 * Defaults: `default`, clusters,dense,combined,large-spots, SNR 7, 2 volumes per scenario (about
 * 3 min on 2 cores).
 */
import { matchPoints } from '@dmdet/metrics';
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { deriveSeed, simulateGeneral } from '@dmdet/simulate';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from '../lib/robustness-scenarios';

const [
  modelName = 'default',
  list = 'clusters,dense,combined,large-spots',
  snrText = '7',
  volumesText = '2',
] = process.argv.slice(2);
const names = list.split(',');
const snr = Number(snrText);
const volumes = Number(volumesText);
if (!(snr > 0) || !(Number.isInteger(volumes) && volumes > 0))
  throw new Error(`usage: recall-by-neighbour.ts [model] [scenarios] [snr > 0] [volumes ≥ 1]`);
const EDGES = [0, 1, 1.5, 2, 2.5, 3, 4, Number.POSITIVE_INFINITY];
const label = (k: number) =>
  EDGES[k + 1] === Number.POSITIVE_INFINITY ? `≥ ${EDGES[k]}` : `${EDGES[k]}–${EDGES[k + 1]}`;

await useBackend('wasm');
const model = await loadModel(modelName);
console.log(
  `recall by nearest-neighbour distance (PSF σ), model ${modelName}, SNR ${snr}, ${volumes} volumes each`,
);
console.log(
  `scenario          | F1    | ${EDGES.slice(0, -1)
    .map((_, k) => label(k).padEnd(12))
    .join(' | ')}`,
);
for (const name of names) {
  const scenario = ROBUSTNESS_SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  const params = robustnessParams(scenario, snr);
  const { sigmaXY: sxy, sigmaZ: sz } = params.psf;
  const found = EDGES.slice(0, -1).map(() => 0);
  const total = EDGES.slice(0, -1).map(() => 0);
  let f1 = 0;
  for (let r = 0; r < volumes; r++) {
    const seed = deriveSeed(0x5eedcc + 1, ROBUSTNESS_SCENARIOS.indexOf(scenario) * 1000 + snr * 10 + r);
    const sim = simulateGeneral(params, seed);
    const res = await detect(sim.volume, { model });
    const m = matchPoints(sim.points, res.points);
    f1 += (2 * m.tp) / (2 * m.tp + m.fp + m.fn) / volumes;
    const matched = new Uint8Array(sim.points.length);
    for (const p of m.pairs) matched[p.truth] = 1;
    sim.points.forEach((a, i) => {
      let nearest = Number.POSITIVE_INFINITY;
      sim.points.forEach((b, j) => {
        if (j !== i)
          nearest = Math.min(nearest, Math.hypot((a.z - b.z) / sz, (a.y - b.y) / sxy, (a.x - b.x) / sxy));
      });
      const k = EDGES.findIndex((e, q) => nearest >= e && nearest < (EDGES[q + 1] as number));
      total[k] = (total[k] as number) + 1;
      found[k] = (found[k] as number) + (matched[i] as number);
    });
  }
  const cells = total.map((n, k) =>
    (n > 0 ? `${((found[k] as number) / n).toFixed(2)} (${n})` : '–').padEnd(12),
  );
  console.log(`${name.padEnd(17)} | ${f1.toFixed(3)} | ${cells.join(' | ')}`);
}
