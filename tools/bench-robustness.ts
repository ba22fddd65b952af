/**
 * The robustness benchmark: detection on held-out `general`-family scenarios (each departure from
 * the family's centre alone, and combined; tools/lib/robustness-scenarios.ts) at local SNR 2 / 4 / 7 / 20,
 * with default flags, for the built-in models, beside SEF3D (LoG) given every advantage: the true
 * spot σ of each scenario and a threshold tuned on that scenario and SNR's own validation volumes.
 *
 *   npm run bench:robustness -- [--models default,ptc-virus] [--replicates 3] [--validation 2]
 *                               [--size 256] [--scenarios a,b] [--out bench-output/robustness]
 *                               [--tuned]
 *
 * Test volumes use the first `--replicates` held-out seeds, SEF3D's validation volumes the next
 * `--validation` (no model saw any of them: training seeds are checked). `--size` shrinks the
 * volumes in-plane (spot counts scaled with the area) for a quick run. Writes `<out>/results.json`
 * (per case and method the mean scores, each test volume's threshold and, where a model's decoy
 * term ran on any, `decoyRaises`: its raise per volume, null where it did not run) and
 * `<out>/table.md` (F1 and RMSE per scenario and SNR; mean over the test volumes); plot:
 * `/usr/bin/python3 tools/plots/robustness.py <out>/results.json docs/figures/robustness.png`.
 *
 * `--tuned` also scores each model as a user who annotated a few stacks would run it, with the
 * advantage SEF3D has: its threshold chosen on the case's validation volumes by `tuneThreshold`
 * (what `dmdet train --from <model> --threshold-only` does), as method `<model>+tuned`.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ModelWorkerPool } from '@dmdet/model/node';
import { type DetectorModel, detect, evaluate, tuneThreshold, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { type GeneralParams, simulateGeneral } from '@dmdet/simulate';
import { generalTrainingSeeds } from './lib/general-data';
import {
  assertNotHeldOut,
  ROBUSTNESS_SCENARIOS,
  ROBUSTNESS_SNRS,
  robustnessParams,
  robustnessSeeds,
} from './lib/robustness-scenarios';
import { tunedSef3d } from './lib/sef3d-tuned';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'default,ptc-virus' },
    replicates: { type: 'string', default: '3' },
    validation: { type: 'string', default: '2' },
    size: { type: 'string', default: '256' },
    scenarios: { type: 'string' },
    snr: { type: 'string' },
    out: { type: 'string', default: 'bench-output/robustness' },
    workers: { type: 'string' },
    tuned: { type: 'boolean', default: false },
  },
});
const replicates = Number(values.replicates);
const validationCount = Number(values.validation);
const size = Number(values.size);
const workers = Number(values.workers ?? availableParallelism());
const modelNames = String(values.models).split(',').filter(Boolean);
const scenarios = values.scenarios
  ? ROBUSTNESS_SCENARIOS.filter((s) => String(values.scenarios).split(',').includes(s.name))
  : ROBUSTNESS_SCENARIOS;
const snrs = values.snr ? String(values.snr).split(',').map(Number) : ROBUSTNESS_SNRS;
if (scenarios.length === 0) throw new Error(`--scenarios: none of ${values.scenarios} is a scenario`);

// No held-out seed may be one the general model trained or chose its threshold on.
assertNotHeldOut(generalTrainingSeeds(0, 10000), replicates + validationCount);
const seeds = robustnessSeeds(replicates + validationCount);
const testSeeds = seeds.slice(0, replicates);
const validationSeeds = seeds.slice(replicates);

/** A scenario's params at `--size` in-plane (spot, cell and blob counts scaled with the area). */
function sized(params: GeneralParams): GeneralParams {
  const [Z, Y, X] = params.shape;
  if (size === Y && size === X) return params;
  const area = (size * size) / (Y * X);
  const scale = (n: number) => Math.max(1, Math.round(n * area));
  return {
    ...params,
    shape: [Z, size, size],
    spots: { ...params.spots, count: scale(params.spots.count) },
    background: {
      ...params.background,
      cells: {
        ...params.background.cells,
        count: params.background.cells.count > 0 ? scale(params.background.cells.count) : 0,
      },
      blobs: {
        ...params.background.blobs,
        count: params.background.blobs.count > 0 ? scale(params.background.blobs.count) : 0,
      },
    },
  };
}

const backend = await useBackend('wasm');
const models: { name: string; detector: DetectorModel; pool: ModelWorkerPool }[] = [];
for (const name of modelNames) {
  const detector = await loadModel(name);
  models.push({ name, detector, pool: await ModelWorkerPool.create(detector.model, { workers, backend }) });
}

type Score = { f1: number; rmse: number; precision: number; recall: number };
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = (scores: Score[]) => ({
  f1: mean(scores.map((s) => s.f1)),
  precision: mean(scores.map((s) => s.precision)),
  recall: mean(scores.map((s) => s.recall)),
  rmse: mean(scores.map((s) => s.rmse).filter(Number.isFinite)),
});
const rows: {
  scenario: string;
  snr: number;
  methods: Record<
    string,
    ReturnType<typeof summary> & {
      threshold?: number;
      thresholds?: number[];
      decoyRaises?: (number | null)[];
      spotSize?: unknown;
    }
  >;
}[] = [];
const started = Date.now();
try {
  for (const scenario of scenarios)
    for (const snr of snrs) {
      const params = sized(robustnessParams(scenario, snr));
      const sim = (seed: number) => simulateGeneral(params, seed);
      const test = testSeeds.map(sim);
      const methods: (typeof rows)[number]['methods'] = {};
      const validation = validationSeeds.map(sim);
      for (const m of models) {
        const variants: [string, DetectorModel][] = [[m.name, m.detector]];
        if (values.tuned) {
          const { detector } = await tuneThreshold(
            m.detector,
            validation.map((v) => ({ volume: v.volume, points: v.points })),
            { predictor: m.pool },
          );
          variants.push([`${m.name}+tuned`, detector]);
        }
        for (const [name, detector] of variants) {
          const scores: Score[] = [];
          const sizes: unknown[] = [];
          const thresholds: number[] = [];
          const decoyRaises: (number | null)[] = [];
          for (const t of test) {
            const r = await detect(t.volume, { model: detector, predictor: m.pool });
            scores.push(evaluate(t.points, r.points, { gate: 5 }));
            thresholds.push(Number(r.threshold.toFixed(3)));
            decoyRaises.push(r.decoy ? Number(r.decoy.raise.toFixed(3)) : null);
            if (r.spotSize)
              sizes.push({ xy: Number(r.spotSize.xy.toFixed(2)), z: Number(r.spotSize.z.toFixed(2)) });
          }
          methods[name] = {
            ...summary(scores),
            thresholds,
            ...(decoyRaises.some((d) => d !== null) ? { decoyRaises } : {}),
            ...(sizes.length ? { spotSize: sizes } : {}),
          };
        }
      }
      // SEF3D with the true σ and the threshold (noise σ of the LoG response) best on this case's validation volumes.
      const tuned = tunedSef3d(test, validation);
      methods['sef3d'] = { ...summary(tuned.scores), threshold: tuned.threshold };
      rows.push({ scenario: scenario.name, snr, methods });
      console.error(
        `${scenario.name} SNR ${snr}: ${Object.entries(methods)
          .map(([k, v]) => `${k} F1 ${v.f1.toFixed(3)}`)
          .join(', ')} (${((Date.now() - started) / 60000).toFixed(1)} min)`,
      );
    }
} finally {
  for (const m of models) await m.pool.close();
}

const methodNames = [...modelNames.flatMap((n) => (values.tuned ? [n, `${n}+tuned`] : [n])), 'sef3d'];
const f = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3));
const lines = [
  `F1 (RMSE in voxels) per scenario and local SNR: mean over ${replicates} held-out volumes of 16×${size}×${size} (or the scenario's slices); SEF3D with the true σ and a threshold tuned on ${validationCount} validation volumes of each case.`,
  '',
  `| scenario | SNR | ${methodNames.join(' | ')} |`,
  `| --- | --- | ${methodNames.map(() => '---').join(' | ')} |`,
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${r.snr} | ${methodNames.map((m) => `${f(r.methods[m]?.f1)} (${f(r.methods[m]?.rmse)})`).join(' | ')} |`,
  ),
];
await mkdir(values.out as string, { recursive: true });
await writeFile(
  join(values.out as string, 'results.json'),
  `${JSON.stringify(
    {
      command: `npm run bench:robustness -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${workers} worker threads, tfjs ${backend}`,
      minutes: Number(((Date.now() - started) / 60000).toFixed(1)),
      replicates,
      validation: validationCount,
      size,
      models: Object.fromEntries(
        models.map((m) => [
          m.name,
          {
            threshold: m.detector.metadata.threshold,
            ...(m.detector.metadata.thresholdRule
              ? { thresholdRule: m.detector.metadata.thresholdRule }
              : {}),
            training: m.detector.metadata.training,
          },
        ]),
      ),
      rows,
    },
    null,
    2,
  )}\n`,
);
await writeFile(join(values.out as string, 'table.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
