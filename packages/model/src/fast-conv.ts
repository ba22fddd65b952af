import {
  add,
  concat,
  conv2d,
  conv3d,
  customGrad,
  type GradSaveFunc,
  matMul,
  ones,
  pad,
  reshape,
  reverse,
  slice,
  type Tensor,
  type Tensor4D,
  type Tensor5D,
  tidy,
  transpose,
  zerosLike,
} from '@tensorflow/tfjs-core';

/** TF 'same' padding of one axis: output size and the padding before / after. */
export function samePadding(n: number, k: number, s: number): { out: number; before: number; after: number } {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

/**
 * `transpose`, with runs of axes that stay adjacent merged first: wasm transposes rank-3 tensors
 * about 30× faster than the same data as rank 5.
 */
export function transposeMerged(x: Tensor, perm: number[]): Tensor {
  const groups: number[][] = [];
  for (const axis of perm) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] === axis - 1) last.push(axis);
    else groups.push([axis]);
  }
  if (groups.length === perm.length) return transpose(x, perm);
  const order = [...groups].sort((a, b) => (a[0] as number) - (b[0] as number));
  const merged = order.map((g) => g.reduce((n, a) => n * (x.shape[a] as number), 1));
  const mergedPerm = groups.map((g) => order.indexOf(g));
  const outShape = perm.map((a) => x.shape[a] as number);
  return reshape(transpose(reshape(x, merged), mergedPerm), outShape);
}

/** Sum over every axis but the last, as a matMul against ones (wasm sums leading axes slowly). */
export function sumToChannels(t: Tensor): Tensor {
  const c = t.shape[t.rank - 1] as number;
  const rows = reshape(t, [-1, c]);
  return reshape(matMul(ones([1, rows.shape[0] as number]), rows), [c]);
}

/**
 * Gradient of a 'same' 2D convolution with respect to its filter, written with a forward conv2d
 * (the wasm backend has no Conv2DBackpropFilter): the channels become the batch, the images the
 * channels, and the output gradient the (dilated) filter.
 */
function conv2dFilterGrad(x: Tensor4D, dy: Tensor4D, kh: number, kw: number, s: [number, number]): Tensor4D {
  const [, H, W] = x.shape;
  const py = samePadding(H, kh, s[0]);
  const px = samePadding(W, kw, s[1]);
  const xp = pad(x, [
    [0, 0],
    [py.before, py.after],
    [px.before, px.after],
    [0, 0],
  ]);
  // Only the rows/columns the strided windows reach: (out − 1)·s + k.
  const used = slice(xp, [0, 0, 0, 0], [-1, (py.out - 1) * s[0] + kh, (px.out - 1) * s[1] + kw, -1]);
  const input = transposeMerged(used, [3, 1, 2, 0]) as Tensor4D; // [C, Hp, Wp, N]
  const filter = transposeMerged(dy, [1, 2, 0, 3]) as Tensor4D; // [H', W', N, O]
  const g = conv2d(input, filter, 1, 'valid', 'NHWC', s); // [C, kh, kw, O]
  return transposeMerged(g, [1, 2, 0, 3]) as Tensor4D; // [kh, kw, C, O]
}

/**
 * Gradient of a 'same' 2D convolution with respect to its input, written as a forward conv2d with
 * the flipped kernel on the output gradient dilated by the stride (the wasm backend's
 * Conv2DBackpropInput runs plain loops, ten times slower than its conv2d).
 */
function conv2dInputGrad(
  dy: Tensor4D,
  k: Tensor4D,
  inShape: [number, number, number, number],
  s: [number, number],
): Tensor4D {
  const [N, H, W] = inShape;
  const [kh, kw, , O] = k.shape;
  const [, Ho, Wo] = dy.shape;
  const flipped = transposeMerged(reverse(k, [0, 1]), [0, 1, 3, 2]) as Tensor4D; // [kh, kw, O, C]
  let d: Tensor4D = dy;
  if (s[0] > 1 || s[1] > 1) {
    // Insert s − 1 zeros after every row and column: dy_d[o·s] = dy[o].
    const z = (t: Tensor, axis: number, f: number): Tensor => {
      if (f === 1) return t;
      const sh = t.shape;
      const e = reshape(t, [...sh.slice(0, axis + 1), 1, ...sh.slice(axis + 1)]);
      const zeros = zerosLike(e);
      const parts = [e, ...new Array<Tensor>(f - 1).fill(zeros)];
      return reshape(concat(parts, axis + 1), [
        ...sh.slice(0, axis),
        (sh[axis] as number) * f,
        ...sh.slice(axis + 1),
      ]);
    };
    d = z(z(dy, 1, s[0]), 2, s[1]) as Tensor4D;
  }
  const py = samePadding(H, kh, s[0]).before;
  const px = samePadding(W, kw, s[1]).before;
  const left = [kh - 1 - py, kw - 1 - px];
  const right = [H + py - Ho * s[0], W + px - Wo * s[1]];
  const padded = pad(d, [
    [0, 0],
    [Math.max(0, left[0] as number), Math.max(0, right[0] as number)],
    [Math.max(0, left[1] as number), Math.max(0, right[1] as number)],
    [0, 0],
  ]);
  const cropped = slice(
    padded,
    [0, Math.max(0, -(left[0] as number)), Math.max(0, -(left[1] as number)), 0],
    [N, H + kh - 1, W + kw - 1, O],
  ) as Tensor4D;
  return conv2d(cropped, flipped, 1, 'valid') as Tensor4D;
}

/**
 * 3D convolution with 'same' padding, stride `[1, sy, sx]` and an optional bias, as a sum over the
 * kernel's z-planes of 2D convolutions on z-shifted slices, with its own gradient (input and filter
 * gradients also as forward conv2ds, the bias gradient as a matMul). Activations are turned z-major
 * (`[z, batch, y, x, c]`) inside, so every z-shift is one contiguous slice (wasm slices strided
 * 5-D views slowly). Equal to `tf.conv3d(x, kernel, strides, 'same') + bias` within float tolerance,
 * and fast where conv2d is (XNNPACK on wasm), unlike the wasm backend's plain-loop Conv3D kernels.
 * A z stride other than 1 falls back to `tf.conv3d`.
 */
export function conv3dSame(
  x: Tensor5D,
  kernel: Tensor5D,
  strides: [number, number, number] = [1, 1, 1],
  bias?: Tensor,
): Tensor5D {
  if (strides[0] !== 1) {
    const y = conv3d(x, kernel, strides, 'same');
    return (bias ? perChannel(add, y, bias) : y) as Tensor5D;
  }
  const [B, D, H, W, C] = x.shape;
  const [kd, kh, kw, , O] = kernel.shape;
  const s: [number, number] = [strides[1], strides[2]];
  const pz = samePadding(D, kd, 1);
  const Ho = Math.ceil(H / s[0]);
  const Wo = Math.ceil(W / s[1]);
  const planes = (k: Tensor, dz: number) =>
    reshape(slice(k, [dz, 0, 0, 0, 0], [1, kh, kw, C, O]), [kh, kw, C, O]) as Tensor4D;
  /** x as z-major rows `[Dp, B·H·W·C]`, zero-padded along z. */
  const zMajor = (t: Tensor) => {
    const rows = reshape(transposeMerged(t, [1, 0, 2, 3, 4]), [D, B * H * W * C]);
    return pz.before || pz.after
      ? pad(rows, [
          [pz.before, pz.after],
          [0, 0],
        ])
      : rows;
  };
  const shifted = (rows: Tensor, dz: number) =>
    reshape(slice(rows, [dz, 0], [D, B * H * W * C]), [D * B, H, W, C]) as Tensor4D;
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  const f = customGrad(((...args: (Tensor | GradSaveFunc)[]) => {
    const save = args[args.length - 1] as GradSaveFunc;
    const [xIn, kIn, bIn] = args.slice(0, -1) as [Tensor, Tensor, Tensor | undefined];
    save([xIn, kIn]);
    const value = tidy(() => {
      const rows = zMajor(xIn);
      let acc: Tensor | undefined;
      for (let dz = 0; dz < kd; dz++) {
        const y = conv2d(shifted(rows, dz), planes(kIn, dz), s, 'same');
        acc = acc ? add(acc, y) : y;
      }
      const withBias = bIn ? add(acc as Tensor, bIn) : (acc as Tensor);
      return transposeMerged(reshape(withBias, [D, B, Ho, Wo, O]), [1, 0, 2, 3, 4]);
    });
    const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] =>
      tidy(() => {
        const [xs, ks] = saved as [Tensor5D, Tensor5D];
        const dy2 = reshape(transposeMerged(dy, [1, 0, 2, 3, 4]), [D * B, Ho, Wo, O]) as Tensor4D;
        const rows = zMajor(xs);
        let dxRows: Tensor | undefined;
        const dk: Tensor[] = [];
        for (let dz = 0; dz < kd; dz++) {
          const dxs = reshape(conv2dInputGrad(dy2, planes(ks, dz), [D * B, H, W, C], s), [D, B * H * W * C]);
          const placed = pad(dxs, [
            [dz, kd - 1 - dz],
            [0, 0],
          ]);
          dxRows = dxRows ? add(dxRows, placed) : placed;
          dk.push(reshape(conv2dFilterGrad(shifted(rows, dz), dy2, kh, kw, s), [1, kh, kw, C, O]));
        }
        const dxZ = slice(dxRows as Tensor, [pz.before, 0], [D, B * H * W * C]);
        const dx = transposeMerged(reshape(dxZ, [D, B, H, W, C]), [1, 0, 2, 3, 4]);
        const grads = [dx, concat(dk, 0)];
        if (bias) grads.push(sumToChannels(dy2));
        return grads;
      });
    return { value, gradFunc };
  }) as unknown as Parameters<typeof customGrad>[0]);
  return f(...inputs) as Tensor5D;
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
