/**
 * The fine-tuning example of docs/train-your-own.md: the built-in model fine-tuned on two annotated
 * stacks of a kind it was not trained on (spots elongated 4:1 along x), then both models scored on
 * held-out stacks of that kind.
 *
 *   npm run example:fine-tune                      # data, up to 15 minutes of training, scores (8–20 min)
 *   npm run example:fine-tune -- --minutes 5       # a shorter budget
 *   npm run example:fine-tune -- --skip-train      # score the model a previous run left
 *
 * Steps, each what a user would do:
 * 1. Data (`<out>/stacks/`): two training stacks as `<name>.tif` (voxel size 0.3 × 0.1 × 0.1 µm in
 *    its ImageJ metadata) with `<name>.csv` beside it, a Fiji Measure table of "clicked" spots (X, Y
 *    in µm, Slice 1-based: z rounded to the slice, as a click gives it). Held-out stacks go to
 *    `<out>/held-out/` with their exact positions (`<name>.truth.csv`, voxels).
 * 2. `dmdet train --data <out>/stacks --from default --minutes 15 --annotation-units um --out <out>/model`
 *    (each stack is cut into a training and a validation block).
 *    And, in seconds, `dmdet train --data <out>/stacks --from default --threshold-only
 *    --annotation-units um --out <out>/threshold-only`: the built-in model with only its threshold
 *    chosen on the two stacks (both whole), nothing trained.
 * 3. The three models detect on the held-out stacks at their own thresholds; F1, precision, recall and
 *    RMSE against the exact positions (gate 5 voxels) are printed and written to `<out>/scores.json`.
 *    Beside them, the classical baseline with every advantage: SEF3D (LoG) with the best of σxy
 *    0.75 / 1.5 / 3 px (σz 1) and threshold, both tuned on the two training stacks' exact positions.
 *
 * The kind: `general` volumes (GENERAL_CENTRE: camera offset 100, six mild cells, PSF σxy 3 px,
 * σz 1 slice), simulated with 4× the rows and every 4 rows averaged, so each spot is σx 3 px by σy
 * 0.75 px (a 4:1 ellipse along x) and the cells are squeezed alike. The general model saw round
 * spots only (σx = σy).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bestThreshold, evaluatePoints, type Point3 } from '@dmdet/metrics';
import { DEFAULT_MIN_DISTANCE, type DetectorModel, detect } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { detectSEF3D } from '@dmdet/postprocess';
import { deriveSeed, GENERAL_CENTRE, mergeGeneralParams, simulateGeneral } from '@dmdet/simulate';
import { createVolume, type Volume } from '@dmdet/volume-io';
import { readAnnotationsFile, readTiffFile, writeTiffFile } from '@dmdet/volume-io/node';
import { assertNotHeldOut } from './lib/robustness-scenarios';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench-output/fine-tune' },
    minutes: { type: 'string', default: '15' },
    'skip-train': { type: 'boolean', default: false },
  },
});
const out = values.out as string;
const minutes = Number(values.minutes);

const SEED = 24_015;
const SHAPE = [16, 192, 192] as const;
const SQUEEZE = 4;
const SIGMA = 3;
const VOXEL = [0.3, 0.1, 0.1] as const;
const TRAIN = [0, 1].map((r) => ({ name: `elongated-${r + 1}`, seed: deriveSeed(SEED, r), snr: 4 }));
const HELD_OUT = [0, 1, 2, 3, 4, 5].map((r) => ({
  name: `held-out-${r + 1}`,
  seed: deriveSeed(SEED, 100 + r),
  snr: [3, 4, 6][r % 3] as number,
}));
assertNotHeldOut([...TRAIN, ...HELD_OUT].map((s) => s.seed));

/** A stack of spots elongated along x: simulated with SQUEEZE× the rows, every SQUEEZE rows averaged. */
function elongatedStack(seed: number, snr: number): { volume: Volume; points: Point3[] } {
  const [Z, Y, X] = SHAPE;
  const params = mergeGeneralParams(GENERAL_CENTRE, {
    shape: [Z, Y * SQUEEZE, X],
    spots: { count: Math.round((GENERAL_CENTRE.spots.count * Y * X) / (256 * 256)), snr },
    psf: { sigmaXY: SIGMA },
  });
  const sim = simulateGeneral(params, seed);
  const data = new Uint16Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        let sum = 0;
        for (let k = 0; k < SQUEEZE; k++)
          sum += sim.volume.data[(z * Y * SQUEEZE + y * SQUEEZE + k) * X + x] as number;
        data[(z * Y + y) * X + x] = Math.min(65535, Math.round(sum / SQUEEZE));
      }
  // Voxel centres map as (y + 0.5) / SQUEEZE − 0.5.
  const points = sim.points.map((p) => ({ x: p.x, y: (p.y + 0.5) / SQUEEZE - 0.5, z: p.z }));
  return { volume: createVolume(data, [Z, Y, X], VOXEL), points };
}

/** A Fiji Measure table of clicked points: X, Y in µm (pixel i at i·size), Slice = round(z) + 1. */
function fijiTable(points: readonly Point3[]): string {
  const rows = points.map(
    (p, i) =>
      `${i + 1},${(p.x * VOXEL[2]).toFixed(4)},${(p.y * VOXEL[1]).toFixed(4)},1,${Math.round(p.z) + 1},1`,
  );
  return ` ,X,Y,Ch,Slice,Frame\n${rows.join('\n')}\n`;
}

async function makeData(): Promise<void> {
  await mkdir(join(out, 'stacks'), { recursive: true });
  await mkdir(join(out, 'held-out'), { recursive: true });
  for (const s of TRAIN) {
    const { volume, points } = elongatedStack(s.seed, s.snr);
    await writeTiffFile(join(out, 'stacks', `${s.name}.tif`), volume, { overwrite: true });
    await writeFile(join(out, 'stacks', `${s.name}.csv`), fijiTable(points));
  }
  for (const s of HELD_OUT) {
    const { volume, points } = elongatedStack(s.seed, s.snr);
    await writeTiffFile(join(out, 'held-out', `${s.name}.tif`), volume, { overwrite: true });
    await writeFile(
      join(out, 'held-out', `${s.name}.truth.csv`),
      `x,y,z\n${points.map((p) => `${p.x},${p.y},${p.z}`).join('\n')}\n`,
    );
  }
}

async function score(model: DetectorModel) {
  const rows = [];
  for (const s of HELD_OUT) {
    const volume = await readTiffFile(join(out, 'held-out', `${s.name}.tif`));
    const truth = (await readAnnotationsFile(join(out, 'held-out', `${s.name}.truth.csv`))).points;
    const result = await detect(volume, { model });
    rows.push({ volume: s.name, snr: s.snr, ...evaluatePoints(truth, result.points, { gate: 5 }) });
  }
  return rows;
}

const started = Date.now();
await makeData();
/** `dmdet train` on the training stacks from the built-in model, with `mode`'s options, into `dir`. */
const trainCommand = (mode: string[], dir: string) => [
  'train',
  '--data',
  join(out, 'stacks'),
  '--from',
  'default',
  ...mode,
  '--annotation-units',
  'um',
  '--out',
  dir,
  '--force',
];
/** Runs the CLI as a user runs it (npm run dmdet -- …), in its own process; exits on failure. */
function dmdet(args: string[]): void {
  console.log(`dmdet ${args.join(' ')}`);
  const cli = ['tsx', '--conditions=@dmdet/source', 'packages/pipeline/src/cli/entry.ts', ...args];
  const { status } = spawnSync('npx', cli, { stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
const modelDir = join(out, 'model');
const command = trainCommand(['--minutes', String(minutes)], modelDir);
if (!values['skip-train']) dmdet(command);
// Only the threshold chosen on the stacks: seconds, so run every time.
const thresholdDir = join(out, 'threshold-only');
const thresholdCommand = trainCommand(['--threshold-only'], thresholdDir);
dmdet(thresholdCommand);
/** SEF3D tuned on the training stacks (exact positions): the best σxy of three and its best threshold. */
async function scoreSef3d() {
  const train = TRAIN.map((s) => elongatedStack(s.seed, s.snr));
  const sef = (volume: Volume, sigmaXY: number, threshold: number) =>
    detectSEF3D(volume, { sigmaXY, sigmaZ: 1, threshold, minDistance: DEFAULT_MIN_DISTANCE }).detections;
  let best = { sigmaXY: 0, threshold: 0, meanF1: -1 };
  for (const sigmaXY of [0.75, 1.5, 3]) {
    const tuned = bestThreshold(
      train.map((t) => ({ truth: t.points, detections: sef(t.volume, sigmaXY, 2) })),
      { gate: 5 },
    );
    if (tuned.meanF1 > best.meanF1) best = { sigmaXY, threshold: tuned.threshold, meanF1: tuned.meanF1 };
  }
  const rows = [];
  for (const s of HELD_OUT) {
    const volume = await readTiffFile(join(out, 'held-out', `${s.name}.tif`));
    const truth = (await readAnnotationsFile(join(out, 'held-out', `${s.name}.truth.csv`))).points;
    rows.push({
      volume: s.name,
      snr: s.snr,
      ...evaluatePoints(truth, sef(volume, best.sigmaXY, best.threshold), { gate: 5 }),
    });
  }
  return { rows, sigmaXY: best.sigmaXY, threshold: best.threshold };
}

const baseline = await scoreSef3d();
const before = await score(await loadModel('default'));
const after = await score(await loadModel(modelDir));
const thresholdOnly = await score(await loadModel(thresholdDir));
const mean = (rows: { f1: number }[]) => rows.reduce((a, r) => a + r.f1, 0) / rows.length;
const cellOf = (r: { f1: number; precision: number; recall: number }) =>
  `${r.f1.toFixed(3)} (${r.precision.toFixed(3)} / ${r.recall.toFixed(3)})`;
console.log(
  `\nheld-out stack      SNR  SEF3D σxy ${baseline.sigmaXY}, tuned    default F1 (P / R)       threshold only F1 (P / R)   fine-tuned F1 (P / R)`,
);
for (const [i, b] of before.entries()) {
  const a = after[i] as (typeof after)[number];
  const c = baseline.rows[i] as (typeof baseline.rows)[number];
  const t = thresholdOnly[i] as (typeof thresholdOnly)[number];
  console.log(
    `${b.volume.padEnd(18)} ${String(b.snr).padStart(4)}  ${cellOf(c)}   ${cellOf(b)}   ${cellOf(t)}       ${cellOf(a)}`,
  );
}
console.log(
  `mean F1: SEF3D ${mean(baseline.rows).toFixed(3)}, default ${mean(before).toFixed(3)}, threshold only ${mean(thresholdOnly).toFixed(3)}, fine-tuned ${mean(after).toFixed(3)} (+${(mean(after) - mean(before)).toFixed(3)}); ${((Date.now() - started) / 60000).toFixed(1)} min in all`,
);
await writeFile(
  join(out, 'scores.json'),
  `${JSON.stringify({ command: `dmdet ${command.join(' ')}`, minutes, thresholdCommand: `dmdet ${thresholdCommand.join(' ')}`, sef3d: baseline, before, thresholdOnly, after, meanSef3d: mean(baseline.rows), meanBefore: mean(before), meanThresholdOnly: mean(thresholdOnly), meanAfter: mean(after) }, null, 2)}\n`,
);
