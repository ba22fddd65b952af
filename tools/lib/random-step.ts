/**
 * A training step on random data, for the speed analyses in tools/analysis: the gradients of
 * `batchGradients` (what each worker computes) for a `[b, z, y, x]` batch of uniform noise against
 * uniform-noise targets, with the default loss. Returns the step; each call gives its tensors
 * (the loss value, then the gradients) for the caller to dispose.
 */
import { createLoss } from '@dmdet/losses';
import { batchGradients } from '@dmdet/model';
import * as tf from '@tensorflow/tfjs-core';

export function randomTrainingStep(
  model: Parameters<typeof batchGradients>[0],
  dims: readonly [number, number, number, number],
): () => tf.Tensor[] {
  const x = tf.randomUniform([...dims, 1], 0, 1, 'float32', 1);
  const y = tf.randomUniform([...dims, 1], 0, 1, 'float32', 2);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = createLoss();
  return () => {
    const { value, grads } = batchGradients(model, loss, x, y, vars);
    return [value, ...Object.values(grads)];
  };
}
