import type { LossFunction } from '@dmdet/losses';
import {
  add,
  dispose,
  getBackend,
  mul,
  type NamedTensorMap,
  reshape,
  type Scalar,
  type Tensor,
  tidy,
  type Variable,
  variableGrads,
} from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { flatRange } from './flat-range';

/** Options of {@link batchGradients}. */
export interface BatchGradientsOptions {
  /**
   * Compute the gradients one sample at a time and average them. Default: on the wasm backend,
   * where the conv2d-path layers run fastest with one sample (no layout transposes, fused
   * per-channel ops), and never elsewhere.
   */
  oneByOne?: boolean;
}

/**
 * The batch loss `loss(y, model(x))` and its gradients with respect to `variables`, as
 * `variableGrads` gives them; with `oneByOne`, sample by sample, averaging losses and gradients, which
 * equals the whole-batch result within float rounding for a loss that is a mean over equally sized
 * samples (as every `@dmdet/losses` loss is). The caller disposes the returned tensors.
 */
export function batchGradients(
  model: LayersModel,
  loss: LossFunction,
  x: Tensor,
  y: Tensor,
  variables: Variable[],
  options: BatchGradientsOptions = {},
): { value: Scalar; grads: NamedTensorMap } {
  const batch = x.shape[0] as number;
  const oneByOne = options.oneByOne ?? getBackend() === 'wasm';
  const step = (xs: Tensor, ys: Tensor) =>
    variableGrads(() => loss(ys, model.apply(xs, { training: true }) as Tensor) as Scalar, variables);
  if (!oneByOne || batch === 1) return step(x, y);
  let value: Scalar | undefined;
  let grads: NamedTensorMap = {};
  /** Sample `i` of `t` as a batch of one (a contiguous copy). */
  const sample = (t: Tensor, i: number) =>
    tidy(() => reshape(flatRange(t, i * (t.size / batch), t.size / batch), [1, ...t.shape.slice(1)]));
  for (let i = 0; i < batch; i++) {
    const xi = sample(x, i);
    const yi = sample(y, i);
    const r = step(xi, yi);
    dispose([xi, yi]);
    if (!value) {
      value = r.value;
      grads = r.grads;
      continue;
    }
    const prevValue: Scalar = value;
    const prev = grads;
    value = add(prevValue, r.value) as Scalar;
    grads = Object.fromEntries(Object.entries(prev).map(([k, g]) => [k, add(g, r.grads[k] as Tensor)]));
    dispose([prevValue, r.value, ...Object.values(prev), ...Object.values(r.grads)]);
  }
  const result = tidy(() => ({
    value: mul(value as Scalar, 1 / batch) as Scalar,
    grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, mul(g, 1 / batch)])),
  }));
  dispose([value as Scalar, ...Object.values(grads)]);
  return result;
}
