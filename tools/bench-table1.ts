/**
 * `npm run bench:table1 -- [--scale smoke|small|medium|paper] [--out bench-output/table1]
 *   [--methods dm-detnet3d,detnet3d,mse,sef3d] [--retrain all|method,…] [--dm-model dir]
 *   [--epochs n] [--freeze-epochs n] [--extended-test n] [--extended-shape z,y,x] [--tag name]
 *   [--no-docs]`
 *
 * Reproduces the paper's Table 1 on the simulated virus-scenario benchmark
 * (tools/lib/benchmark-data.ts: SNR 1, 2, 4, 7 × low/medium/high density, seeded, split 50/25/25 per
 * SNR): trains DM-DetNet3D (AWing + weight map), DetNet3D (binary target, weighted BCE) and the MSE
 * ablation (density map, MSE + weight map) with the same recipe on both cores, chooses every
 * method's detection threshold on the validation split (SEF3D's too), scores the test split (gate
 * 5 voxels) and prints mean ± std F1 and RMSE per SNR beside the paper's numbers — once with each
 * method's one threshold (a model with a threshold rule: the threshold its rule gives each volume
 * from the volume's signal, as `detect` does), and once with a threshold per SNR level chosen on that level's
 * validation volumes (the Particle Tracking Challenge's protocol, which the paper's SEF3D numbers
 * suggest it followed; docs/results.md). Writes
 * <out>/results.json, <out>/table.md (the tables docs/results.md quotes) and docs/figures/table1.png
 * (tools/plots/table1.py).
 * Trained models are kept in <out>/<method>/ and reused on the next run unless named in --retrain;
 * `--dm-model packages/pipeline/model/ptc-virus` reuses the built-in model, trained by this recipe
 * at the medium scale (tools/train-default-model.ts; `tools/models/dm-small` is the same recipe at
 * the small scale). `--epochs` overrides the scale's epoch count
 * (recorded in results.json). Every network gets the recipe's second stage too
 * (tools/lib/train-recipe.ts: statistics frozen, input from median and bright-spot peak, the
 * scale's `freezeEpochs` more epochs, or `--freeze-epochs n`; 0 skips it), saved in
 * <out>/<method>-frozen<n>/ and reused likewise; a `--dm-model` already frozen is used as is.
 * `--extended-test n` also scores n more volumes per SNR × density cell (seed 2027), of the scale's
 * size or `--extended-shape` (e.g. 10,512,512, the paper's); `--tag name` writes
 * results-<name>.json, table-<name>.md and docs/figures/table1-<name>.png instead, so a second run
 * on other test data keeps the first's files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bestThreshold, type GroupSummary } from '@dmdet/metrics';
import { createDetNet3D, createDmDetNet3D } from '@dmdet/model';
import { ModelWorkerPool } from '@dmdet/model/node';
import { DEFAULT_MIN_DISTANCE, type DetectorModel, detect, evaluateMany, useBackend } from '@dmdet/pipeline';
import { loadModel, saveDetector } from '@dmdet/pipeline/node';
import { detectSEF3D } from '@dmdet/postprocess';
import {
  type BenchmarkItem,
  benchmarkData,
  DATA_SEED,
  EXTENDED_TEST_SEED,
  extendedTestData,
  SCALES,
  type ScaleName,
} from './lib/benchmark-data';
import { freezeStage, isFrozen, type NetworkKind, stageEpochs, trainStage } from './lib/train-recipe';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'small' },
    out: { type: 'string', default: join('bench-output', 'table1') },
    methods: { type: 'string', default: 'dm-detnet3d,detnet3d,mse,sef3d' },
    retrain: { type: 'string', default: '' },
    'dm-model': { type: 'string' },
    epochs: { type: 'string' },
    'extended-test': { type: 'string', default: '0' },
    'no-docs': { type: 'boolean', default: false },
    'freeze-epochs': { type: 'string' },
    'extended-shape': { type: 'string' },
    tag: { type: 'string' },
  },
});
const tag = values.tag;
if (tag !== undefined && !/^[a-z0-9-]+$/.test(tag))
  throw new Error(`--tag must be lower-case letters, digits and '-', got ${tag}`);
const suffix = tag ? `-${tag}` : '';
const scaleName = values.scale as ScaleName;
const scaleRecipe = SCALES[scaleName];
if (!scaleRecipe) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}`);
const epochsOverride = values.epochs === undefined ? undefined : Number(values.epochs);
if (epochsOverride !== undefined && !(Number.isInteger(epochsOverride) && epochsOverride >= 1))
  throw new Error(`--epochs must be a positive integer, got ${values.epochs}`);
const scale = { ...scaleRecipe, epochs: epochsOverride ?? scaleRecipe.epochs };
const methods = values.methods.split(',');
const out = join(values.out, scaleName);
mkdirSync(out, { recursive: true });

/** The paper's Table 1: F1 / RMSE per SNR. */
const PAPER: Record<string, Record<number, [number, number]>> = {
  sef3d: { 1: [0.376, 2.491], 2: [0.891, 0.967], 4: [0.993, 0.655], 7: [0.994, 0.574] },
  detnet3d: { 1: [0.544, 1.363], 2: [0.896, 0.686], 4: [0.97, 0.522], 7: [0.982, 0.508] },
  'dm-detnet3d': { 1: [0.623, 1.396], 2: [0.973, 0.612], 4: [0.994, 0.496], 7: [0.995, 0.505] },
};
const LABEL: Record<string, string> = {
  sef3d: 'SEF3D',
  detnet3d: 'DetNet3D',
  'dm-detnet3d': 'DM-DetNet3D',
  mse: 'DM-DetNet3D, MSE loss',
};

await useBackend('wasm');
const data = benchmarkData(scaleName);
console.error(
  `scale ${scaleName}: ${scale.shape.join('×')} volumes, train ${data.train.length}, validation ${data.validation.length}, test ${data.test.length}`,
);

const freezeEpochs = Number(values['freeze-epochs'] ?? scale.freezeEpochs);
if (!(Number.isInteger(freezeEpochs) && freezeEpochs >= 0))
  throw new Error(`--freeze-epochs must be an integer >= 0, got ${values['freeze-epochs']}`);

/** A saved detector in `dir`, unless `method` is to be retrained. */
async function reusable(method: string, dir: string): Promise<DetectorModel | undefined> {
  const retrain = values.retrain === 'all' || values.retrain.split(',').includes(method);
  if (retrain || !existsSync(join(dir, 'model.json'))) return undefined;
  console.error(`${method}: reusing ${dir}`);
  return loadModel(dir);
}

async function trainedModel(method: string): Promise<{ detector: DetectorModel } & TrainingRecord> {
  const kind: NetworkKind = {
    architecture: method === 'detnet3d' ? 'detnet3d' : 'dm-detnet3d',
    ...(method === 'mse' ? { loss: 'mse' as const } : {}),
  };
  const stage = {
    kind,
    split: data,
    stepsPerEpoch: scale.stepsPerEpoch,
    notes: { recipe: 'tools/bench-table1.ts', scale: scaleName },
  };
  let detector: DetectorModel;
  if (method === 'dm-detnet3d' && values['dm-model']) {
    detector = await loadModel(values['dm-model']);
  } else {
    const dir = join(out, method);
    const saved = await reusable(method, dir);
    if (saved) detector = saved;
    else {
      detector = (
        await trainStage(createNetwork(kind), { ...stage, epochs: scale.epochs, label: `${method} ` })
      ).detector;
      await saveDetector(detector, dir, { overwrite: true });
    }
  }
  if (freezeEpochs > 0 && !isFrozen(detector)) {
    const dir = join(out, `${method}-frozen${freezeEpochs}`);
    const saved = await reusable(method, dir);
    if (saved) detector = saved;
    else {
      detector = (await freezeStage(detector, { ...stage, epochs: freezeEpochs, label: `${method} frozen ` }))
        .detector;
      await saveDetector(detector, dir, { overwrite: true });
    }
  }
  return { detector, ...trainingRecord(detector) };
}

const createNetwork = (kind: NetworkKind) =>
  kind.architecture === 'detnet3d' ? createDetNet3D() : createDmDetNet3D();

interface TrainingRecord {
  minutes: number;
  epochs: number;
  frozenEpochs?: number;
}

/** Training minutes (both stages) and epochs as recorded in a saved model's metadata (NaN where absent). */
function trainingRecord(detector: DetectorModel): TrainingRecord {
  const training = detector.metadata.training as Record<string, unknown> | undefined;
  const first = training?.['instanceStage'] as Record<string, unknown> | undefined;
  return {
    minutes: Number(training?.['minutes'] ?? Number.NaN) + Number(first?.['minutes'] ?? 0),
    ...stageEpochs(detector),
  };
}

/**
 * Each volume's detections at `threshold` or above, with their scores. A network with frozen
 * statistics predicts in tiles on a worker per core (its tiles give exactly the whole-volume map,
 * docs/performance.md); one with per-volume statistics predicts each volume whole in this thread, as
 * its threshold was chosen.
 */
async function scoreNetwork(detector: DetectorModel, set: BenchmarkItem[], threshold: number): Promise<Rows> {
  const pool = isFrozen(detector)
    ? await ModelWorkerPool.create(detector.model, { workers: availableParallelism(), backend: 'wasm' })
    : undefined;
  try {
    const rows: Rows = [];
    for (const s of set) {
      const { points, ruleThreshold } = await detect(s.volume, {
        model: detector,
        threshold,
        ...(pool ? { predictor: pool } : {}),
      });
      rows.push({
        id: s.id,
        group: s.snr,
        truth: s.points,
        detections: points,
        ...(ruleThreshold !== undefined ? { ownThreshold: ruleThreshold } : {}),
      });
    }
    return rows;
  } finally {
    await pool?.close();
  }
}

type Rows = {
  id: string;
  group: number;
  truth: BenchmarkItem['points'];
  detections: { x: number; y: number; z: number; score: number }[];
  /** The threshold the model's threshold rule gives this volume (from its signal), for a model with one. */
  ownThreshold?: number;
}[];

/** SEF3D's detections (response in noise σ) at `threshold` or above. */
function sef3dRows(set: BenchmarkItem[], threshold: number): Rows {
  return set.map((s) => ({
    id: s.id,
    group: s.snr,
    truth: s.points,
    detections: detectSEF3D(s.volume, { threshold, minDistance: DEFAULT_MIN_DISTANCE }).detections,
  }));
}

/**
 * Local maxima of a density map at or above this are candidates when a threshold is chosen (as in
 * `trainDetector`); thresholds are kept within [NETWORK_FLOOR, 0.999] as there.
 */
const NETWORK_FLOOR = 0.02;

/** The detections of `rows` whose score reaches their volume's threshold. */
function keepAbove(rows: Rows, thresholdOf: (row: Rows[number]) => number): Rows {
  return rows.map((r) => ({ ...r, detections: r.detections.filter((d) => d.score >= thresholdOf(r)) }));
}

const snrs = [1, 2, 4, 7];

/**
 * The threshold of best mean F1 on each SNR level's validation volumes alone (the Particle Tracking
 * Challenge's protocol, where every SNR level is its own data set; docs/results.md, "Thresholds
 * per SNR level").
 */
function perSnrThresholds(validation: Rows, clamp: (t: number) => number): Record<number, number> {
  return Object.fromEntries(
    snrs.map((snr) => {
      const images = validation.filter((r) => r.group === snr);
      return [snr, images.length > 0 ? clamp(bestThreshold(images, { gate: 5 }).threshold) : Number.NaN];
    }),
  );
}

const extendedPerCell = Number(values['extended-test']);
if (!(Number.isInteger(extendedPerCell) && extendedPerCell >= 0))
  throw new Error(
    `--extended-test must be an integer >= 0 (volumes per SNR × density cell), got ${values['extended-test']}`,
  );
const extendedShape = (() => {
  if (values['extended-shape'] === undefined) return scale.shape;
  const dims = values['extended-shape'].split(',').map(Number);
  if (dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d >= 8))
    throw new Error(`--extended-shape must be z,y,x (integers >= 8), got ${values['extended-shape']}`);
  return dims as unknown as readonly [number, number, number];
})();
const extended = extendedPerCell > 0 ? extendedTestData(scaleName, extendedPerCell, extendedShape) : [];
const extendedName = `Extended test set (${extended.length} volumes of ${extendedShape.join('×')}, seed ${EXTENDED_TEST_SEED})`;
if (extended.length > 0) console.error(`${extendedName}, ${extendedPerCell} per cell`);

const results: Record<
  string,
  {
    groups: GroupSummary[];
    extendedGroups?: GroupSummary[];
    threshold: number;
    /** The PTC protocol: a threshold per SNR level, chosen on that level's validation volumes. */
    perSnrThresholds: Record<number, number>;
    perSnrGroups: GroupSummary[];
    perSnrExtendedGroups?: GroupSummary[];
    trainingMinutes?: number;
    trainingEpochs?: number;
    frozenEpochs?: number;
  }
> = {};
for (const method of methods) {
  let detectAll: (set: BenchmarkItem[], threshold: number) => Rows | Promise<Rows>;
  let validation: Rows;
  let threshold: number;
  let clamp = (t: number) => t;
  let ruleFloor: number[] = [];
  const record: Partial<(typeof results)[string]> = {};
  if (method === 'sef3d') {
    detectAll = sef3dRows;
    validation = sef3dRows(data.validation, 0);
    threshold = bestThreshold(validation, { gate: 5 }).threshold;
  } else {
    const { detector, minutes, epochs, frozenEpochs } = await trainedModel(method);
    detectAll = (set, t) => scoreNetwork(detector, set, t);
    validation = await scoreNetwork(detector, data.validation, NETWORK_FLOOR);
    threshold = detector.metadata.threshold ?? 0.5;
    // A rule's threshold can fall below its knots' (its zoom term): detections down to the floor.
    ruleFloor = detector.metadata.thresholdRule ? [NETWORK_FLOOR] : [];
    clamp = (t) => Math.min(Math.max(NETWORK_FLOOR, t), 0.999);
    Object.assign(record, {
      trainingMinutes: minutes,
      trainingEpochs: epochs,
      ...(frozenEpochs !== undefined ? { frozenEpochs } : {}),
    });
  }
  const perSnr = perSnrThresholds(validation, clamp);
  const floor = Math.min(threshold, ...ruleFloor, ...Object.values(perSnr).filter(Number.isFinite));
  // The method's own threshold: its one threshold, or the one its threshold rule gives each volume.
  const global = (r: Rows[number]) => r.ownThreshold ?? threshold;
  const bySnr = (r: Rows[number]) => perSnr[r.group] ?? threshold;
  const test = await detectAll(data.test, floor);
  const ext = extended.length > 0 ? await detectAll(extended, floor) : undefined;
  results[method] = {
    ...record,
    threshold,
    perSnrThresholds: perSnr,
    groups: evaluateMany(keepAbove(test, global), { gate: 5 }).groups,
    perSnrGroups: evaluateMany(keepAbove(test, bySnr), { gate: 5 }).groups,
    ...(ext
      ? {
          extendedGroups: evaluateMany(keepAbove(ext, global), { gate: 5 }).groups,
          perSnrExtendedGroups: evaluateMany(keepAbove(ext, bySnr), { gate: 5 }).groups,
        }
      : {}),
  };
  console.error(
    `${method}: scored (threshold ${threshold.toFixed(3)}; per SNR ${snrs.map((s) => perSnr[s]?.toFixed(3)).join(' / ')})`,
  );
}

const ms = (m: { mean: number; std: number }) =>
  Number.isFinite(m.mean) ? `${m.mean.toFixed(3)} ± ${m.std.toFixed(3)}` : 'n/a';
const cell = (g: GroupSummary | undefined) => (g ? `${ms(g.f1)} / ${ms(g.rmse)}` : '–');
const columnLabel = (m: string) => {
  const epochs = results[m]?.trainingEpochs;
  const frozen = results[m]?.frozenEpochs;
  const stages = frozen !== undefined ? `${epochs} + ${frozen} frozen` : `${epochs}`;
  return `${LABEL[m] ?? m}${epochs !== undefined && Number.isFinite(epochs) ? ` (${stages} epochs)` : ''}`;
};
/** Table 1's form: F1 / RMSE per SNR for each method, the paper's F1 beside them. */
function tableOf(groupsOf: (m: string) => GroupSummary[] | undefined): string {
  const header = `| SNR | ${methods.map(columnLabel).join(' | ')} | paper: ${['sef3d', 'detnet3d', 'dm-detnet3d'].map((m) => LABEL[m]).join(' / ')} (F1) |`;
  const lines = [header, `|${'---|'.repeat(methods.length + 2)}`];
  for (const snr of snrs) {
    const paper = ['sef3d', 'detnet3d', 'dm-detnet3d']
      .map((m) => PAPER[m]?.[snr]?.[0]?.toFixed(3))
      .join(' / ');
    lines.push(
      `| ${snr} | ${methods.map((m) => cell(groupsOf(m)?.find((g) => g.group === snr))).join(' | ')} | ${paper} |`,
    );
  }
  return lines.join('\n');
}
let table = `Test split (${data.test.length} volumes):\n\n${tableOf((m) => results[m]?.groups)}`;
if (extended.length > 0) table += `\n\n${extendedName}:\n\n${tableOf((m) => results[m]?.extendedGroups)}`;
const perSnrLine = methods
  .map((m) => `${LABEL[m] ?? m} ${snrs.map((s) => results[m]?.perSnrThresholds[s]?.toFixed(3)).join(' / ')}`)
  .join('; ');
table += `\n\nThresholds per SNR level, each chosen on that level's validation volumes (${perSnrLine}):\n\nTest split:\n\n${tableOf((m) => results[m]?.perSnrGroups)}`;
if (extended.length > 0)
  table += `\n\n${extendedName}, thresholds per SNR level:\n\n${tableOf((m) => results[m]?.perSnrExtendedGroups)}`;
console.log(table);
function perSnrRecord(g: GroupSummary) {
  return { snr: g.group, n: g.n, f1: g.f1, rmse: g.rmse, precision: g.precision, recall: g.recall };
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`;
const summary = {
  scale: scaleName,
  ...scale,
  dataSeed: DATA_SEED,
  counts: {
    train: data.train.length,
    validation: data.validation.length,
    test: data.test.length,
    extendedTest: extended.length,
  },
  ...(extended.length > 0
    ? { extendedTest: { seed: EXTENDED_TEST_SEED, perCell: extendedPerCell, shape: extendedShape } }
    : {}),
  machine,
  date: new Date().toISOString(),
  methods: Object.fromEntries(
    Object.entries(results).map(([m, r]) => [
      m,
      {
        threshold: r.threshold,
        trainingMinutes: r.trainingMinutes,
        trainingEpochs: r.trainingEpochs,
        ...(r.frozenEpochs !== undefined ? { frozenEpochs: r.frozenEpochs } : {}),
        perSnr: r.groups.map(perSnrRecord),
        ...(r.extendedGroups ? { extendedPerSnr: r.extendedGroups.map(perSnrRecord) } : {}),
        thresholdsPerSnrLevel: {
          thresholds: r.perSnrThresholds,
          perSnr: r.perSnrGroups.map(perSnrRecord),
          ...(r.perSnrExtendedGroups ? { extendedPerSnr: r.perSnrExtendedGroups.map(perSnrRecord) } : {}),
        },
      },
    ]),
  ),
  paper: PAPER,
};
writeFileSync(join(out, `results${suffix}.json`), `${JSON.stringify(summary, null, 2)}\n`);
if (!values['no-docs']) {
  mkdirSync(join('docs', 'figures'), { recursive: true });
  execFileSync(
    '/usr/bin/python3',
    [
      join('tools', 'plots', 'table1.py'),
      join(out, `results${suffix}.json`),
      join('docs', 'figures', `table1${suffix}.png`),
    ],
    { stdio: 'inherit' },
  );
  writeFileSync(join(out, `table${suffix}.md`), `${table}\n`);
  console.error(
    `wrote ${join(out, `results${suffix}.json`)}, ${join(out, `table${suffix}.md`)}, docs/figures/table1${suffix}.png`,
  );
}
