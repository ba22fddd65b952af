import type { LossFunction } from '@dmdet/losses';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** A batch as plain data: values and shape `[batch, z, y, x, channels]`. */
export interface BatchData {
  data: Float32Array;
  shape: [number, number, number, number, number];
}

/**
 * Computes a training step's loss and gradients elsewhere (other threads or processes), as
 * `ModelWorkerPool` from `@dmdet/model/node` does; {@link train} then only applies the optimizer.
 */
export interface GradientWorkers {
  /** The loss the workers minimise (used by `train` for the validation loss). */
  readonly loss: LossFunction;
  /**
   * The batch's mean loss and its gradients with respect to the model's trainable weights, given
   * the current values of all `model.weights` (in order); gradients in `model.trainableWeights` order.
   */
  computeGradients(
    weights: Float32Array[],
    x: BatchData,
    y: BatchData,
  ): Promise<{ loss: number; gradients: Float32Array[] }>;
}

/** Copies of the values of all `model.weights`, in order: what {@link GradientWorkers} are given. */
export async function weightValues(model: LayersModel): Promise<Float32Array[]> {
  return Promise.all(
    model.weights.map(async (w) => Float32Array.from((await w.read().data()) as Float32Array)),
  );
}
