/**
 * The recipe of the general built-in model: one command that trains it, checkpoints every epoch,
 * and resumes.
 *
 *   npm run train:general-model -- [--out dir] [--from dir] [--epochs n] [--steps n] [--minutes m]
 *                                  [--train n] [--validation n] [--without-virus] [--resume]
 *                                  [--off-scale s] [--sigma xy,z] [--peak-normalize]
 *                                  [--learning-rate r] [--plateau epochs] [--effects] [--effects-fraction p] [--snr lo,hi]
 *                                  [--crowding p] [--estimated-size] [--camera-pattern] [--camera-pattern-always]
 *
 * Data (tools/lib/general-data.ts): `--train` (96) + `--validation` (24) volumes of the `general`
 * simulation family, 5–64 slices × 128×128, local SNR 1.5–12, beside the `medium` virus benchmark's
 * train and validation splits (48 + 24 volumes of 10×256×256). Every volume is resampled from its
 * spot size (the simulator's, jittered 8 %) to the model's spot scale (σxy 1.4 px, σz 1 slice: the
 * virus scenario's) and normalised by the `'background'` transform (local background and noise), as
 * `detect` will do; the model starts from `--from` (default: the `ptc-virus` model, whose frozen
 * statistics it keeps) and trains with AMSGrad on 10×64×64 crops with flips, on both cores.
 * A checkpoint is written to `<out>/checkpoint` after every epoch: `--resume` continues from it (the
 * data are simulated again, identically, from their seeds). `--minutes m` stops after m minutes
 * (after the epoch in progress), keeping the best weights and the checkpoint. At the end the
 * threshold is chosen on the validation volumes and the model saved to `<out>`.
 * `--off-scale s` (default 1) draws the general volumes with every optional departure's probability
 * of being off multiplied by s (`sampleGeneralParams`' `offScale`): 0.5 makes stacks with several
 * departures at once (like the robustness benchmark's `combined`) common. Untried so far; e.g.
 * `--from default --off-scale 0.5 --epochs 60 --out tools/models/general-mixed`.
 * `--sigma xy,z` (default 1,1: the source model's) sets the density map's Gaussian σ in voxels at the
 * model's scale; a smaller one gives sharper peaks, for touching spots.
 * `--peak-normalize` trains on density maps whose every spot peaks at exactly 1 (`trainDetector`'s
 * `peakNormalize`), so that a map value does not also carry the spot's sub-voxel position.
 * `--learning-rate r` (default 1e-3) sets AMSGrad's rate; `--plateau n` halves it after n epochs
 * without a better validation loss (down to 1e-5; default: a constant rate).
 * `--effects` draws the general volumes with the family's acquisition effects too (EMCCD gain,
 * granular cell texture, astigmatism, depth attenuation: `GENERAL_EFFECT_RANGES`);
 * `--effects-fraction p` in a fraction p of them (each volume's choice seeded), the rest without.
 * `--camera-pattern` draws an sCMOS camera's pixel pattern in half the general volumes (each pixel its
 * own offset, gain and read noise, the same in every slice: `GENERAL_CAMERA_PATTERN_RANGES`);
 * `--camera-pattern-always` in every general volume.
 * `--snr lo,hi` (default 1.5,12) sets the local SNR range of the general volumes (training and
 * validation), e.g. 1.5,8 for a mix weighted toward faint spots.
 * `--crowding p` (default 0) makes a fraction p of the general volumes crowded: dense, with clusters
 * and touching pairs (`crowdedParams` of tools/lib/general-data.ts).
 * `--estimated-size` resamples each general volume by the spot size `detect` would estimate from it
 * (`estimateSpotSize`) instead of its true core σ (jittered): halos, axial tails and astigmatism
 * widen the estimate, and the model then sees in training what it sees in detection.
 */
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCheckpoint, ModelWorkerPool, saveCheckpoint } from '@dmdet/model/node';
import { FINE_TUNE_SCHEDULE, lossOptionsFor, trainDetector, useBackend } from '@dmdet/pipeline';
import { loadModel, saveDetector } from '@dmdet/pipeline/node';
import { BACKGROUND_DEFAULTS } from '@dmdet/preprocess';
import { GENERAL_TRAIN_SEED, generalTrainingData, parseSnrRange } from './lib/general-data';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'bench-output/general-model' },
    from: { type: 'string', default: 'ptc-virus' },
    epochs: { type: 'string', default: '60' },
    steps: { type: 'string', default: '32' },
    minutes: { type: 'string' },
    train: { type: 'string', default: '96' },
    validation: { type: 'string', default: '24' },
    workers: { type: 'string' },
    resume: { type: 'boolean', default: false },
    'without-virus': { type: 'boolean', default: false },
    'off-scale': { type: 'string', default: '1' },
    sigma: { type: 'string' },
    'peak-normalize': { type: 'boolean', default: false },
    'learning-rate': { type: 'string', default: '1e-3' },
    plateau: { type: 'string' },
    effects: { type: 'boolean', default: false },
    'effects-fraction': { type: 'string' },
    'camera-pattern': { type: 'boolean', default: false },
    'camera-pattern-always': { type: 'boolean', default: false },
    snr: { type: 'string', default: '1.5,12' },
    crowding: { type: 'string', default: '0' },
    'estimated-size': { type: 'boolean', default: false },
  },
});
const int = (name: string, text: string | undefined) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be an integer >= 0, got ${text}`);
  return n;
};
const out = values.out as string;
const epochs = int('epochs', values.epochs);
const stepsPerEpoch = int('steps', values.steps);
const workers = int('workers', values.workers ?? String(availableParallelism()));
const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
if (minutes !== undefined && !(minutes > 0)) throw new Error(`--minutes must be > 0, got ${values.minutes}`);
const sigma = values.sigma?.split(',').map(Number);
if (sigma && (sigma.length !== 2 || sigma.some((v) => !(v > 0))))
  throw new Error(`--sigma must be xy,z (two positive numbers), got ${values.sigma}`);
const learningRate = Number(values['learning-rate']);
if (!(learningRate > 0)) throw new Error(`--learning-rate must be > 0, got ${values['learning-rate']}`);
const snrRange = parseSnrRange(values.snr as string);
const crowding = Number(values.crowding);
if (!(crowding >= 0 && crowding <= 1))
  throw new Error(`--crowding must be in [0, 1], got ${values.crowding}`);
const plateau = values.plateau === undefined ? undefined : int('plateau', values.plateau);
const effectsFraction =
  values['effects-fraction'] === undefined ? undefined : Number(values['effects-fraction']);
if (effectsFraction !== undefined && !(effectsFraction > 0 && effectsFraction <= 1))
  throw new Error(`--effects-fraction must be in (0, 1], got ${values['effects-fraction']}`);
if (effectsFraction !== undefined && values.effects)
  throw new Error('--effects draws the effects in every volume: give it or --effects-fraction, not both');
const effects = effectsFraction ?? values.effects;
const checkpointDir = join(out, 'checkpoint');
const resume = values.resume ? await loadCheckpoint(checkpointDir) : undefined;
if (values.resume && !resume) throw new Error(`--resume: no checkpoint in ${checkpointDir}`);

const backend = await useBackend('wasm');
const started = Date.now();
const data = generalTrainingData({
  train: int('train', values.train),
  validation: int('validation', values.validation),
  virus: !values['without-virus'],
  offScale: Number(values['off-scale']),
  effects,
  cameraPattern: values['camera-pattern-always'] ? 'always' : values['camera-pattern'],
  snr: snrRange,
  crowding,
  estimatedSize: values['estimated-size'],
});
console.error(
  `data: ${data.train.length} training and ${data.validation.length} validation volumes (${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
const start = await loadModel(values.from as string);
const normalization = { method: 'background' as const, ...BACKGROUND_DEFAULTS };
const kind = { architecture: 'dm-detnet3d' as const };
const pool = await ModelWorkerPool.create(start.model, { workers, backend, loss: lossOptionsFor(kind) });
const controller = new AbortController();
const timer = minutes ? setTimeout(() => controller.abort(), minutes * 60000) : undefined;
process.once('SIGINT', () => controller.abort());
try {
  const { detector, training, validationF1 } = await trainDetector(data.train, data.validation, {
    ...kind,
    model: start.model,
    normalization,
    spotScale: { xy: 1.4, z: 1 },
    ...(sigma ? { sigma: { xy: sigma[0] as number, z: sigma[1] as number } } : {}),
    ...(values['peak-normalize'] ? { peakNormalize: true } : {}),
    epochs,
    stepsPerEpoch,
    learningRate,
    ...(plateau ? { schedule: { ...FINE_TUNE_SCHEDULE, patience: plateau } } : {}),
    batchSize: 4,
    crop: [10, 64, 64],
    earlyStopping: false,
    seed: GENERAL_TRAIN_SEED,
    workers: pool,
    predictor: pool,
    signal: controller.signal,
    ...(resume ? { resume } : {}),
    checkpoint: { every: 1, save: (c) => saveCheckpoint(checkpointDir, c) },
    notes: {
      recipe: 'tools/train-general-model.ts',
      from: values.from,
      data: {
        general: {
          train: values.train,
          validation: values.validation,
          size: [128, 128],
          snr: snrRange,
          offScale: Number(values['off-scale']),
          ...(effects ? { effects } : {}),
          ...(values['camera-pattern-always']
            ? { cameraPattern: 'always' }
            : values['camera-pattern']
              ? { cameraPattern: true }
              : {}),
          ...(crowding > 0 ? { crowding } : {}),
          ...(values['estimated-size'] ? { spotSize: 'estimated' } : {}),
        },
        ...(sigma ? { sigma } : {}),
        ...(values['peak-normalize'] ? { peakNormalize: true } : {}),
        virus: 'medium benchmark train + validation splits',
        seed: GENERAL_TRAIN_SEED,
      },
      stepsPerEpoch,
      ...(plateau ? { plateau } : {}),
      machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${workers} worker threads, tfjs ${backend}`,
    },
    onProgress: (p) => {
      if (p.phase === 'epoch')
        console.error(
          `epoch ${p.epoch}/${p.maxEpochs}: train ${p.trainLoss.toFixed(4)}, validation ${p.validationLoss?.toFixed(4)}${p.best ? ' (best)' : ''}, ${(p.elapsedMs / 1000).toFixed(0)} s`,
        );
    },
  });
  const total = (Date.now() - started) / 60000;
  (detector.metadata.training as Record<string, unknown>)['minutes'] = Number(total.toFixed(1));
  await saveDetector(detector, out, { overwrite: true });
  console.error(
    `${training.stopReason} after ${training.epochs} epochs (best ${training.bestEpoch}); threshold ${detector.metadata.threshold?.toFixed(3)}, validation F1 ${validationF1?.toFixed(3)}; saved to ${out} (${total.toFixed(1)} min this run)`,
  );
} finally {
  if (timer) clearTimeout(timer);
  await pool.close();
}
