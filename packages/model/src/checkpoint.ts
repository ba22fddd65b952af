import {
  type DataType,
  dispose,
  type Optimizer,
  type Tensor,
  tensor,
  type Variable,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ModelError } from './errors';
import type { SeededRandom } from './random';

/** A tensor as plain data. */
export interface SavedTensor {
  name: string;
  shape: number[];
  dtype: DataType;
  data: Float32Array | Int32Array;
}

/** Everything needed to continue a training run where it stopped (after a whole epoch). */
export interface TrainingCheckpoint {
  format: 'dmdet-checkpoint';
  version: 1;
  /** Epochs completed. */
  epoch: number;
  seed: number;
  /** State of the crop / flip / order generator. */
  rngState: number;
  weights: SavedTensor[];
  optimizer: SavedTensor[];
  best: { loss: number; epoch: number; weights: SavedTensor[] | undefined };
  sinceBest: number;
  history: {
    epoch: number;
    trainLoss: number;
    validationLoss: number | undefined;
    metrics?: Record<string, number>;
  }[];
  /** The learning rate when a schedule lowers it (absent without a schedule). */
  learningRate?: number;
  /** Epochs since the schedule last lowered the rate or the loss improved. */
  sinceReduce?: number;
}

interface LoopState {
  epoch: number;
  rng: SeededRandom;
  best: { loss: number; epoch: number; weights: Tensor[] | undefined };
  sinceBest: number;
  history: TrainingCheckpoint['history'];
  learningRate?: number | undefined;
  sinceReduce?: number;
}

async function save(name: string, t: Tensor): Promise<SavedTensor> {
  const data = (await t.data()) as Float32Array | Int32Array;
  return { name, shape: [...t.shape], dtype: t.dtype, data: data.slice() };
}

/** Snapshot of a training loop (used by `train`). */
export async function takeCheckpoint(
  model: LayersModel,
  optimizer: Optimizer,
  state: LoopState,
  seed: number,
): Promise<TrainingCheckpoint> {
  const weights = await Promise.all(model.weights.map((w, i) => save(w.originalName ?? String(i), w.read())));
  // Optimizer state is keyed by variable name; names change when a model is rebuilt, so save by index.
  const index = new Map(model.weights.map((w, i) => [(w.read() as Variable).name, i]));
  const opt = (await optimizer.getWeights()).map((w) => {
    const cut = w.name.lastIndexOf('/');
    const i = cut > 0 ? index.get(w.name.slice(0, cut)) : undefined;
    return { name: i === undefined ? w.name : `#${i}${w.name.slice(cut)}`, tensor: w.tensor };
  });
  return {
    format: 'dmdet-checkpoint',
    version: 1,
    epoch: state.epoch,
    seed,
    rngState: state.rng.state,
    weights,
    optimizer: await Promise.all(opt.map((w) => save(w.name, w.tensor))),
    best: {
      loss: state.best.loss,
      epoch: state.best.epoch,
      weights: state.best.weights
        ? await Promise.all(state.best.weights.map((w, i) => save(String(i), w)))
        : undefined,
    },
    sinceBest: state.sinceBest,
    history: state.history.map((h) => ({ ...h })),
    ...(state.learningRate !== undefined
      ? { learningRate: state.learningRate, sinceReduce: state.sinceReduce ?? 0 }
      : {}),
  };
}

const toTensor = (s: SavedTensor) => tensor(s.data, s.shape, s.dtype);

/** Puts a checkpoint's weights, optimizer state and loop state back (used by `train`). */
export async function restoreCheckpoint(
  c: TrainingCheckpoint,
  model: LayersModel,
  optimizer: Optimizer,
  state: LoopState,
): Promise<void> {
  if (c?.format !== 'dmdet-checkpoint' || c.version !== 1) {
    throw new ModelError(
      'CORRUPT_CHECKPOINT',
      'resume expects a dmdet training checkpoint (format dmdet-checkpoint, version 1)',
    );
  }
  const shapes = model.weights.map((w) => w.shape.join('×'));
  const saved = c.weights.map((w) => w.shape.join('×'));
  if (shapes.length !== saved.length || shapes.some((s, i) => s !== saved[i])) {
    throw new ModelError(
      'CORRUPT_CHECKPOINT',
      `the checkpoint's weights (${saved.length} tensors) do not fit this model (${shapes.length}); was it made for another configuration?`,
    );
  }
  const weights = c.weights.map(toTensor);
  model.setWeights(weights);
  dispose(weights);
  const opt = c.optimizer.map((s) => {
    const m = /^#(\d+)(\/.*)$/.exec(s.name);
    const w = m ? model.weights[Number(m[1])] : undefined;
    return { name: m && w ? `${(w.read() as Variable).name}${m[2]}` : s.name, tensor: toTensor(s) };
  });
  await optimizer.setWeights(opt);
  dispose(opt.map((o) => o.tensor));
  state.epoch = c.epoch;
  state.rng.state = c.rngState >>> 0;
  state.best = { loss: c.best.loss, epoch: c.best.epoch, weights: c.best.weights?.map(toTensor) };
  state.sinceBest = c.sinceBest;
  state.history = c.history.map((h) => ({ ...h }));
  if (c.learningRate !== undefined && state.learningRate !== undefined) {
    state.learningRate = c.learningRate;
    state.sinceReduce = c.sinceReduce ?? 0;
  }
}
