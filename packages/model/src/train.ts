import { createLoss, type LossFunction } from '@dmdet/losses';
import type { Vec3, Volume } from '@dmdet/volume-io';
import {
  dispose,
  type Optimizer,
  type Tensor,
  tensor,
  tensor5d,
  tidy,
  type Variable,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { amsgrad } from './amsgrad';
import { type CropSpec, writeCrop } from './augment';
import { batchGradients } from './batch-gradients';
import { restoreCheckpoint, type TrainingCheckpoint, takeCheckpoint } from './checkpoint';
import { checkNumber, ModelError } from './errors';
import { type BatchData, type GradientWorkers, weightValues } from './parallel';
import { SeededRandom } from './random';

/** One training (or validation) example: a normalised image, its target, and optional per-voxel weights. */
export interface TrainingSample {
  /** The input image, normalised (e.g. `normalizePercentile`), float32. */
  input: Volume<Float32Array>;
  /** The target: a density map (DM-DetNet3D) or a binary target as float (DetNet3D). */
  target: Volume<Float32Array>;
  /** Per-voxel loss weights; when given they are packed as a second channel of yTrue (use `createLoss({ weights: 'packed' })`). */
  weights?: Volume<Float32Array>;
}

/** Progress after each step and each epoch. */
export type TrainingProgress =
  | { phase: 'step'; epoch: number; step: number; stepsPerEpoch: number; loss: number }
  | {
      phase: 'epoch';
      epoch: number;
      maxEpochs: number;
      trainLoss: number;
      validationLoss: number | undefined;
      best: boolean;
      elapsedMs: number;
      /** The learning rate this epoch ran at. */
      learningRate?: number;
      /** What `evaluate` returned after this epoch. */
      metrics?: Record<string, number>;
    };

/** Augmentations of the training crops besides the flips. */
export interface TrainAugmentation {
  /** Random 90° in-plane rotations and transposes (square crops only). Default false. */
  rotate90?: boolean;
  /**
   * Intensity jitter: each crop's input is multiplied by exp(s·u), u uniform in [−1, 1]
   * (s = 0.2: gains 0.82–1.22). Default 0 (none).
   */
  intensity?: number;
}

/** Lower the learning rate when the monitored loss stops improving. */
export interface PlateauSchedule {
  /** Epochs without improvement before the rate is multiplied by `factor`. */
  patience: number;
  /** Default 0.5. */
  factor?: number;
  /** The rate never goes below this. Default 1e-6. */
  min?: number;
}

/** Options of {@link train}. */
export interface TrainOptions {
  model: LayersModel;
  train: readonly TrainingSample[];
  /** Validation samples for early stopping and best-weight selection (deterministic centre crops). */
  validation?: readonly TrainingSample[];
  /** `(yTrue, yPred) => Scalar`. Default: AWing with the weight map from the target (eq. 3), or with packed weights when samples carry them. */
  loss?: LossFunction;
  /** Default AMSGrad with the paper's settings (lr 1e-3). */
  optimizer?: Optimizer;
  /** Crops per step. Default 4. */
  batchSize?: number;
  /** Random crop size `[z, y, x]`. Default: the smallest sample size, at most [16, 64, 64]. */
  crop?: Vec3;
  /** Random horizontal and vertical flips. Default true. */
  flips?: boolean;
  /** Rotations and intensity jitter of the training crops (validation crops are never augmented). Default none. */
  augment?: TrainAugmentation;
  /**
   * Multiply the optimizer's learning rate by `factor` after `patience` epochs without improvement
   * (the optimizer must have a writable numeric `learningRate`, as AMSGrad here has). Default none.
   */
  schedule?: PlateauSchedule;
  /** Stop before an epoch that would end after this many milliseconds since the start (at least one epoch runs). */
  timeBudgetMs?: number;
  /** Called after each epoch with the model at its current weights; what it returns is reported as the epoch's `metrics`. */
  evaluate?: (model: LayersModel, epoch: number) => Promise<Record<string, number>>;
  /** Default 100. */
  maxEpochs?: number;
  /** Steps per epoch. Default ⌈training samples / batch size⌉. */
  stepsPerEpoch?: number;
  /** Stop after `patience` epochs without a validation-loss improvement of at least `minDelta`; false to never stop early. Default { patience: 10, minDelta: 0 }. */
  earlyStopping?: { patience?: number; minDelta?: number } | false;
  /** Seed of crops, flips and sample order. Default 0. */
  seed?: number;
  onProgress?: (progress: TrainingProgress) => void;
  /** Stops after the current step; the best weights so far are kept. */
  signal?: AbortSignal;
  /** Save a checkpoint after every `every` epochs (default 1). */
  checkpoint?: { every?: number; save: (checkpoint: TrainingCheckpoint) => void | Promise<void> };
  /** Continue an interrupted run from its last checkpoint. */
  resume?: TrainingCheckpoint;
  /**
   * Compute each step's gradients in worker threads (`ModelWorkerPool` from `@dmdet/model/node`),
   * splitting the batch across them; the loss is then the pool's, so `loss` must not be given.
   * The result equals single-process training within float rounding.
   */
  workers?: GradientWorkers;
}

/** What happened. */
export interface TrainingResult {
  /** Epochs completed (including those before a resume). */
  epochs: number;
  bestEpoch: number;
  bestValidationLoss: number | undefined;
  history: {
    epoch: number;
    trainLoss: number;
    validationLoss: number | undefined;
    metrics?: Record<string, number>;
  }[];
  stopReason: 'maxEpochs' | 'earlyStopping' | 'aborted' | 'timeBudget';
}

function checkSamples(samples: readonly TrainingSample[], what: string): void {
  samples.forEach((s, i) => {
    const shape = s?.input?.shape;
    if (!shape || !(s.input.data instanceof Float32Array) || !(s.target?.data instanceof Float32Array)) {
      throw new ModelError('INVALID_SAMPLE', `${what}[${i}] must have float32 input and target volumes`);
    }
    for (const [name, v] of [
      ['target', s.target],
      ['weights', s.weights],
    ] as const) {
      if (v?.shape.some((n, k) => n !== shape[k])) {
        throw new ModelError(
          'INVALID_SAMPLE',
          `${what}[${i}].${name} is ${v.shape.join('×')} but its input is ${shape.join('×')}`,
        );
      }
    }
  });
  const packed = samples.map((s) => s.weights !== undefined);
  if (packed.some((p) => p !== packed[0]))
    throw new ModelError('INVALID_SAMPLE', `${what}: either every sample has weights or none`);
}

/** Builds one batch (inputs and targets, channels last) from crop specs. */
function makeBatch(
  samples: readonly TrainingSample[],
  picks: { sample: number; spec: CropSpec & { gain?: number } }[],
  size: Vec3,
): { x: Tensor; y: Tensor } {
  const { x, y } = makeBatchData(samples, picks, size);
  return { x: tensor5d(x.data, x.shape), y: tensor5d(y.data, y.shape) };
}

/** The values of one batch, as plain arrays. */
function makeBatchData(
  samples: readonly TrainingSample[],
  picks: { sample: number; spec: CropSpec & { gain?: number } }[],
  size: Vec3,
): { x: BatchData; y: BatchData } {
  const [cz, cy, cx] = size;
  const n = cz * cy * cx;
  const channels = samples[picks[0]?.sample ?? 0]?.weights ? 2 : 1;
  const xs = new Float32Array(picks.length * n);
  const ys = new Float32Array(picks.length * n * channels);
  picks.forEach(({ sample, spec }, b) => {
    const s = samples[sample] as TrainingSample;
    writeCrop([s.input], size, spec, xs, b * n);
    if (spec.gain !== undefined && spec.gain !== 1)
      for (let i = b * n; i < (b + 1) * n; i++) xs[i] = (xs[i] as number) * spec.gain;
    writeCrop(s.weights ? [s.target, s.weights] : [s.target], size, spec, ys, b * n * channels);
  });
  return {
    x: { data: xs, shape: [picks.length, cz, cy, cx, 1] },
    y: { data: ys, shape: [picks.length, cz, cy, cx, channels] },
  };
}

/** One optimizer step with gradients computed by the workers; returns the batch loss. */
async function workerStep(
  workers: GradientWorkers,
  model: LayersModel,
  variables: Variable[],
  optimizer: Optimizer,
  batch: { x: BatchData; y: BatchData },
): Promise<number> {
  const weights = await weightValues(model);
  const { loss, gradients } = await workers.computeGradients(weights, batch.x, batch.y);
  if (gradients.length !== variables.length)
    throw new ModelError(
      'WORKER_FAILED',
      `the workers returned ${gradients.length} gradients for ${variables.length} trainable weights`,
    );
  const named = variables.map((v, i) => ({
    name: v.name,
    tensor: tensor(gradients[i] as Float32Array, v.shape),
  }));
  optimizer.applyGradients(named);
  dispose(named.map((g) => g.tensor));
  return loss;
}

const centre = (shape: Vec3, size: Vec3): Vec3 =>
  [0, 1, 2].map((k) => Math.floor(((shape[k] as number) - (size[k] as number)) / 2)) as unknown as Vec3;

/** Mean loss over the validation samples, each a deterministic centre crop. */
function validationLoss(
  model: LayersModel,
  samples: readonly TrainingSample[],
  size: Vec3,
  loss: LossFunction,
): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as TrainingSample;
    const cropSize = s.input.shape.map((n, k) => Math.min(n, size[k] as number)) as unknown as Vec3;
    const { x, y } = makeBatch(
      samples,
      [{ sample: i, spec: { origin: centre(s.input.shape, cropSize), flipX: false, flipY: false } }],
      cropSize,
    );
    sum += tidy(() => loss(y, model.apply(x) as Tensor).dataSync()[0] as number);
    dispose([x, y]);
  }
  return sum / samples.length;
}

/**
 * Trains a model on random crops (with horizontal and vertical flips) of its samples, in batches,
 * minimising `loss` with AMSGrad by default; after each epoch measures the validation loss, keeps
 * the best weights (restored at the end) and stops early when it no longer improves. Seeded and
 * reproducible; cancellable through `signal`; saves checkpoints and resumes from them with the same
 * result as an uninterrupted run. Tensor memory stays flat: every step's tensors are released.
 *
 * @example
 * const result = await train({ model, train: samples, validation, maxEpochs: 50, batchSize: 4, crop: [8, 64, 64] });
 */
export async function train(options: TrainOptions): Promise<TrainingResult> {
  const { model, train: samples, validation = [], flips = true, seed = 0, onProgress, signal } = options;
  if (!model || typeof model.apply !== 'function')
    throw new ModelError('INVALID_OPTION', 'model must be a tfjs-layers LayersModel');
  if (!Array.isArray(samples) || samples.length === 0)
    throw new ModelError('INVALID_OPTION', 'train needs at least one training sample');
  checkSamples(samples, 'train');
  checkSamples(validation, 'validation');
  const batchSize = options.batchSize ?? 4;
  checkNumber('batchSize', batchSize, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  const maxEpochs = options.maxEpochs ?? 100;
  checkNumber('maxEpochs', maxEpochs, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  const stepsPerEpoch = options.stepsPerEpoch ?? Math.ceil(samples.length / batchSize);
  checkNumber('stepsPerEpoch', stepsPerEpoch, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  const smallest = [0, 1, 2].map((k) => Math.min(...samples.map((s) => s.input.shape[k] as number)));
  const crop = (options.crop ??
    ([
      Math.min(smallest[0] as number, 16),
      Math.min(smallest[1] as number, 64),
      Math.min(smallest[2] as number, 64),
    ] as Vec3)) as Vec3;
  if (
    !Array.isArray(crop) ||
    crop.length !== 3 ||
    crop.some((c, k) => !Number.isInteger(c) || c < 1 || c > (smallest[k] as number))
  ) {
    throw new ModelError(
      'INVALID_OPTION',
      `crop must be [z, y, x] of positive integers no larger than the smallest sample (${smallest.join('×')}), got ${JSON.stringify(crop)}`,
    );
  }
  const early =
    options.earlyStopping === false ? undefined : { patience: 10, minDelta: 0, ...options.earlyStopping };
  const packed = samples[0]?.weights !== undefined;
  const workers = options.workers;
  if (workers && options.loss)
    throw new ModelError(
      'INVALID_OPTION',
      "with workers the loss is the pool's (ModelWorkerPool.create(model, { loss })); do not pass loss too",
    );
  if (workers && typeof workers.computeGradients !== 'function')
    throw new ModelError('INVALID_OPTION', 'workers must have computeGradients (a ModelWorkerPool)');
  const loss = workers?.loss ?? options.loss ?? createLoss(packed ? { weights: 'packed' } : {});
  const optimizer = options.optimizer ?? amsgrad();
  const variables = model.trainableWeights.map((w) => w.read() as Variable);
  const augment = checkAugmentation(options.augment, crop);
  const schedule = options.schedule ? checkSchedule(options.schedule, optimizer) : undefined;
  if (options.timeBudgetMs !== undefined)
    checkNumber('timeBudgetMs', options.timeBudgetMs, (v) => v > 0, 'a positive number of milliseconds');

  const state = {
    epoch: 0,
    rng: new SeededRandom(seed),
    best: { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: undefined as Tensor[] | undefined },
    sinceBest: 0,
    history: [] as TrainingResult['history'],
    learningRate: schedule ? learningRateOf(optimizer) : undefined,
    sinceReduce: 0,
  };
  if (options.resume) await restoreCheckpoint(options.resume, model, optimizer, state);
  if (schedule && state.learningRate !== undefined) setLearningRate(optimizer, state.learningRate);

  const started = Date.now();
  let longestEpochMs = 0;
  let stopReason: TrainingResult['stopReason'] = 'maxEpochs';
  try {
    while (state.epoch < maxEpochs) {
      const epochStarted = Date.now();
      if (
        options.timeBudgetMs !== undefined &&
        longestEpochMs > 0 &&
        epochStarted - started + longestEpochMs > options.timeBudgetMs
      ) {
        stopReason = 'timeBudget';
        break;
      }
      const epoch = state.epoch + 1;
      let order: number[] = [];
      let lossSum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        if (signal?.aborted) {
          stopReason = 'aborted';
          break;
        }
        const picks = Array.from({ length: batchSize }, () => {
          if (order.length === 0) order = state.rng.shuffle(samples.map((_, i) => i));
          const sample = order.pop() as number;
          const shape = (samples[sample] as TrainingSample).input.shape;
          const origin = [0, 1, 2].map((k) =>
            state.rng.int((shape[k] as number) - (crop[k] as number) + 1),
          ) as unknown as Vec3;
          const spec: CropSpec & { gain?: number } = {
            origin,
            flipY: flips && state.rng.next() < 0.5,
            flipX: flips && state.rng.next() < 0.5,
          };
          if (augment.rotate90) spec.transpose = state.rng.next() < 0.5;
          if (augment.intensity > 0) spec.gain = Math.exp(augment.intensity * (2 * state.rng.next() - 1));
          return { sample, spec };
        });
        let value: number;
        if (workers) {
          value = await workerStep(workers, model, variables, optimizer, makeBatchData(samples, picks, crop));
        } else {
          const { x, y } = makeBatch(samples, picks, crop);
          const { value: cost, grads } = batchGradients(model, loss, x, y, variables);
          optimizer.applyGradients(grads);
          value = (await cost.data())[0] as number;
          dispose([x, y, cost, ...Object.values(grads)]);
        }
        if (!Number.isFinite(value))
          throw new ModelError(
            'INVALID_OPTION',
            `the training loss became ${value} at epoch ${epoch}, step ${step + 1}; lower the learning rate`,
          );
        lossSum += value;
        onProgress?.({ phase: 'step', epoch, step: step + 1, stepsPerEpoch, loss: value });
      }
      if (stopReason === 'aborted') break;
      const trainLoss = lossSum / stepsPerEpoch;
      const validationLossValue = validation.length
        ? validationLoss(model, validation, crop, loss)
        : undefined;
      const metrics = options.evaluate ? await options.evaluate(model, epoch) : undefined;
      const monitored = validationLossValue ?? trainLoss;
      const improved = monitored < state.best.loss - (early?.minDelta ?? 0);
      const epochRate = state.learningRate;
      if (improved) {
        dispose(state.best.weights ?? []);
        state.best = { loss: monitored, epoch, weights: model.getWeights().map((w) => w.clone()) };
        state.sinceBest = 0;
        state.sinceReduce = 0;
      } else {
        state.sinceBest++;
        state.sinceReduce++;
        if (schedule && state.learningRate !== undefined && state.sinceReduce >= schedule.patience) {
          state.learningRate = Math.max(schedule.min, state.learningRate * schedule.factor);
          setLearningRate(optimizer, state.learningRate);
          state.sinceReduce = 0;
        }
      }
      state.epoch = epoch;
      state.history.push({
        epoch,
        trainLoss,
        validationLoss: validationLossValue,
        ...(metrics ? { metrics } : {}),
      });
      onProgress?.({
        phase: 'epoch',
        epoch,
        maxEpochs,
        trainLoss,
        validationLoss: validationLossValue,
        best: improved,
        elapsedMs: Date.now() - started,
        ...(epochRate !== undefined ? { learningRate: epochRate } : {}),
        ...(metrics ? { metrics } : {}),
      });
      longestEpochMs = Math.max(longestEpochMs, Date.now() - epochStarted);
      if (options.checkpoint && epoch % (options.checkpoint.every ?? 1) === 0) {
        await options.checkpoint.save(await takeCheckpoint(model, optimizer, state, seed));
      }
      if (early && state.sinceBest >= early.patience) {
        stopReason = 'earlyStopping';
        break;
      }
    }
  } finally {
    if (state.best.weights) {
      model.setWeights(state.best.weights);
      dispose(state.best.weights);
    }
  }
  return {
    epochs: state.epoch,
    bestEpoch: state.best.epoch,
    bestValidationLoss: validation.length && Number.isFinite(state.best.loss) ? state.best.loss : undefined,
    history: state.history,
    stopReason,
  };
}

/** Augmentation options checked, with their defaults. */
function checkAugmentation(
  augment: TrainAugmentation | undefined,
  crop: Vec3,
): { rotate90: boolean; intensity: number } {
  const rotate90 = augment?.rotate90 ?? false;
  const intensity = augment?.intensity ?? 0;
  checkNumber('augment.intensity', intensity, (v) => v >= 0 && v <= 2, 'a number in [0, 2]');
  if (rotate90 && crop[1] !== crop[2])
    throw new ModelError(
      'INVALID_OPTION',
      `augment.rotate90 needs a square crop in y and x, got ${crop[1]}×${crop[2]}`,
    );
  return { rotate90, intensity };
}

function checkSchedule(schedule: PlateauSchedule, optimizer: Optimizer): Required<PlateauSchedule> {
  const s = { factor: 0.5, min: 1e-6, ...schedule };
  checkNumber('schedule.patience', s.patience, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  checkNumber('schedule.factor', s.factor, (v) => v > 0 && v < 1, 'in (0, 1)');
  checkNumber('schedule.min', s.min, (v) => v >= 0, 'a number >= 0');
  learningRateOf(optimizer);
  return s;
}

function learningRateOf(optimizer: Optimizer): number {
  const lr = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  if (typeof lr !== 'number')
    throw new ModelError(
      'INVALID_OPTION',
      'schedule needs an optimizer with a numeric learningRate (the default AMSGrad has one)',
    );
  return lr;
}

function setLearningRate(optimizer: Optimizer, rate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = rate;
}
