import {
  add,
  avgPool,
  clone,
  diag,
  fused,
  getBackend,
  mean,
  mul,
  reshape,
  sum,
  type Tensor,
  type Tensor4D,
} from '@tensorflow/tfjs-core';

/**
 * Per-channel statistics and per-channel affine maps of channels-last activations, written with the
 * kernels that are fast on each backend. On wasm, tfjs's Mean/Sum over leading axes transpose the
 * whole tensor first and its broadcasting binary ops run ~4× slower than same-shape ones, while
 * XNNPACK's average pooling reduces in one pass and its fused matMul applies a per-channel scale and
 * shift in one pass; elsewhere the plain ops are used. Same values either way (float rounding).
 */

/** Whether the wasm-specific formulations are used (the active backend is wasm). */
function onWasm(): boolean {
  return getBackend() === 'wasm';
}

/**
 * Means over every axis between the first and the last, per sample and channel: `[B, ...spatial, C]`
 * → `[B, C]`. On wasm as two average pools (over the last spatial axis, then over the rest), which
 * also keeps float32 sums short.
 */
export function channelMeans(x: Tensor): Tensor {
  const b = x.shape[0] as number;
  const c = x.shape[x.rank - 1] as number;
  const s = x.size / (b * c);
  if (!onWasm()) return reshape(mean(reshape(x, [b, s, c]), 1), [b, c]);
  const cols = x.rank >= 4 ? (x.shape[x.rank - 2] as number) : 1;
  const rows = s / cols;
  let t = reshape(x, [b, rows, cols, c]) as Tensor4D;
  if (cols > 1) t = avgPool(t, [1, cols], [1, cols], 'valid');
  if (rows > 1) t = avgPool(t, [rows, 1], [rows, 1], 'valid');
  return reshape(t, [b, c]);
}

/** Sum over every axis but the last: `[..., C]` → `[C]` (the gradient of a per-channel bias). */
export function sumToChannels(t: Tensor): Tensor {
  const c = t.shape[t.rank - 1] as number;
  if (!onWasm()) return sum(reshape(t, [-1, c]), 0);
  const cols = t.rank >= 2 ? (t.shape[t.rank - 2] as number) : 1;
  return mul(reshape(channelMeans(reshape(t, [1, -1, cols, c])), [c]), t.size / c);
}

/**
 * `x · scale + shift` with per-sample, per-channel `scale` and `shift` (`[B, C]`, or `[C]` for all
 * samples) on channels-last `x` (`[B, ...spatial, C]`). On wasm with one sample (or shared
 * vectors), one fused matMul against `diag(scale)` with `shift` as its bias.
 */
export function channelAffine(x: Tensor, scale: Tensor, shift: Tensor): Tensor {
  const b = x.shape[0] as number;
  const c = x.shape[x.rank - 1] as number;
  const shared = scale.rank === 1 && shift.rank === 1;
  if (onWasm() && (b === 1 || shared)) {
    const y = fused.matMul({
      a: reshape(x, [-1, c]),
      b: diag(reshape(scale, [c])),
      // A fresh rank-1 tensor: wasm's fused matMul checks the rank its buffer was created with, and
      // a reshape keeps the buffer.
      bias: clone(reshape(shift, [c])),
    });
    return reshape(y, x.shape);
  }
  const rows = shared ? 1 : b;
  const v = reshape(x, [rows, -1, c]);
  const perRow = (t: Tensor) => (t.rank === 1 ? reshape(t, [1, 1, c]) : reshape(t, [rows, 1, c]));
  const y = add(mul(v, perRow(scale)), perRow(shift));
  return reshape(y, x.shape);
}

/**
 * `op(x, v)` for a per-channel vector `v` (shape `[C]`), computed on a `[voxels, C]` view of `x`: the
 * same values, and backends see a rank-2 broadcast (tfjs-webgpu 4.22 generates invalid WGSL for a
 * last-axis broadcast at rank 5; rank 2 is also the cheapest layout elsewhere).
 */
export function perChannel(op: (a: Tensor, b: Tensor) => Tensor, x: Tensor, v: Tensor): Tensor {
  const c = x.shape[x.rank - 1] as number;
  return reshape(op(reshape(x, [-1, c]), v), x.shape);
}
