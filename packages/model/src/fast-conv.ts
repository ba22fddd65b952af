import {
  add,
  addN,
  clone,
  concat,
  conv2d,
  conv3d,
  customGrad,
  fused,
  type GradSaveFunc,
  pad,
  reshape,
  reverse,
  slice,
  type Tensor,
  type Tensor4D,
  type Tensor5D,
  tidy,
  transpose,
} from '@tensorflow/tfjs-core';
import { perChannel, sumToChannels } from './channel-ops';
import { flatRange } from './flat-range';
import {
  type Conv3dGeometry,
  wasmConv3d,
  wasmConv3dAvailable,
  wasmConv3dFilterGrad,
  wasmConv3dInputGrad,
} from './wasm-conv3d';

/** TF 'same' padding of one axis: output size and the padding before / after. */
export function samePadding(n: number, k: number, s: number): { out: number; before: number; after: number } {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

/**
 * `transpose`, with axes of size 1 dropped and runs of axes that stay adjacent merged first: wasm
 * transposes rank-3 tensors about 30× faster than the same data as rank 5, and a permutation that
 * only moves size-1 axes is a reshape (no copy).
 */
export function transposeMerged(x: Tensor, perm: number[]): Tensor {
  const outShape = perm.map((a) => x.shape[a] as number);
  const kept = perm.filter((a) => x.shape[a] !== 1);
  if (kept.every((a, i) => i === 0 || a > (kept[i - 1] as number))) return reshape(x, outShape);
  if (kept.length < perm.length) {
    const axes = [...kept].sort((a, b) => a - b);
    const squeezed = reshape(
      x,
      axes.map((a) => x.shape[a] as number),
    );
    return reshape(
      transposeMerged(
        squeezed,
        kept.map((a) => axes.indexOf(a)),
      ),
      outShape,
    );
  }
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
  return reshape(transpose(reshape(x, merged), mergedPerm), outShape);
}

/** Rows `[start, start + count)` of `rows` (`[n, m]`): one contiguous copy ({@link flatRange}). */
export function sliceRows(rows: Tensor, start: number, count: number): Tensor {
  const m = rows.shape[1] as number;
  if (start === 0 && count === rows.shape[0]) return rows;
  return reshape(flatRange(rows, start * m, count * m), [count, m]);
}

/**
 * Gradient of a 2D convolution with respect to its filter, written with a forward conv2d (the wasm
 * backend has no Conv2DBackpropFilter): the channels become the batch, the images the channels, and
 * the output gradient the (dilated) filter. `xp` is the input already padded as the forward pass
 * padded it (`[N, Hp, Wp, C]`), `dyT` the output gradient as `[H', W', N, O]`.
 */
function conv2dFilterGrad(
  xp: Tensor4D,
  dyT: Tensor4D,
  kh: number,
  kw: number,
  s: [number, number],
): Tensor4D {
  const [ho, wo] = dyT.shape;
  // Only the rows/columns the strided windows reach: (out − 1)·s + k.
  const usedH = (ho - 1) * s[0] + kh;
  const usedW = (wo - 1) * s[1] + kw;
  const used =
    usedH === xp.shape[1] && usedW === xp.shape[2] ? xp : slice(xp, [0, 0, 0, 0], [-1, usedH, usedW, -1]);
  const input = transposeMerged(used, [3, 1, 2, 0]) as Tensor4D; // [C, Hp, Wp, N]
  const g = conv2d(input, dyT, 1, 'valid', 'NHWC', s); // [C, kh, kw, O]
  return transposeMerged(g, [1, 2, 0, 3]) as Tensor4D; // [kh, kw, C, O]
}

/** A kernel plane `[kh, kw, C, O]` rotated by 180° with its channel axes swapped: `[kh, kw, O, C]`. */
function flippedPlane(k: Tensor4D): Tensor4D {
  return transposeMerged(reverse(k, [0, 1]), [0, 1, 3, 2]) as Tensor4D;
}

/** The geometry of a 'same' 3D convolution of `x` with `kernel` at stride `[1, sy, sx]`. */
function geometryOf(x: Tensor5D, kernel: Tensor5D, s: [number, number]): Conv3dGeometry {
  const [, D, H, W] = x.shape;
  const [kd, kh, kw] = kernel.shape;
  const pz = samePadding(D, kd, 1);
  const py = samePadding(H, kh, s[0]);
  const px = samePadding(W, kw, s[1]);
  return {
    input: [...x.shape],
    kernel: [...kernel.shape],
    strides: s,
    before: [pz.before, py.before, px.before],
    out: [py.out, px.out],
  };
}

/**
 * {@link conv3dSame} on wasm: the convolution, its input gradient and its filter gradient each one
 * call of the package's WebAssembly SIMD kernels (`wasm-conv3d.ts`), in the backend's heap.
 */
function conv3dWasm(x: Tensor5D, kernel: Tensor5D, s: [number, number], bias?: Tensor): Tensor5D {
  const g = geometryOf(x, kernel, s);
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  const f = customGrad(((...args: (Tensor | GradSaveFunc)[]) => {
    const save = args[args.length - 1] as GradSaveFunc;
    const [xIn, kIn, bIn] = args.slice(0, -1) as [Tensor, Tensor, Tensor | undefined];
    save([xIn, kIn]);
    const value = wasmConv3d(xIn, kIn, g, bIn);
    const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] =>
      tidy(() => {
        const [xs, ks] = saved as [Tensor, Tensor];
        const wt = transposeMerged(ks, [0, 1, 2, 4, 3]);
        const grads = [wasmConv3dInputGrad(dy, wt, g), wasmConv3dFilterGrad(xs, dy, g)];
        if (bias) grads.push(sumToChannels(dy));
        return grads;
      });
    return { value, gradFunc };
  }) as unknown as Parameters<typeof customGrad>[0]);
  return f(...inputs) as Tensor5D;
}

/**
 * 3D convolution with 'same' padding, stride `[1, sy, sx]` and an optional bias, as a sum over the
 * kernel's z-planes of 2D convolutions on z-shifted slices, with its own gradient (input and filter
 * gradients also as forward conv2ds, the bias gradient as a per-channel sum). Activations are turned
 * z-major (`[z, batch, y, x, c]`; free for one sample) inside, so every z-shift is one contiguous
 * rank-1 slice (wasm slices strided 5-D views slowly); the input gradient shifts the output gradient
 * instead of its own result, so every padding happens once per call. Equal to
 * `tf.conv3d(x, kernel, strides, 'same') + bias` within float tolerance, and fast where conv2d is
 * (XNNPACK on wasm), unlike the wasm backend's plain-loop Conv3D kernels. On wasm with WebAssembly
 * SIMD, the package's own kernels do all of it instead (one call each for the convolution and its
 * two gradients). A z stride other than 1 falls back to `tf.conv3d`.
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
  if (wasmConv3dAvailable()) return conv3dWasm(x, kernel, [strides[1], strides[2]], bias);
  const [B, D, H, W, C] = x.shape;
  const [kd, kh, kw, , O] = kernel.shape;
  const s: [number, number] = [strides[1], strides[2]];
  const unitStride = s[0] === 1 && s[1] === 1;
  const pz = samePadding(D, kd, 1);
  const py = samePadding(H, kh, s[0]);
  const px = samePadding(W, kw, s[1]);
  const Ho = py.out;
  const Wo = px.out;
  const planes = (k: Tensor, dz: number) =>
    reshape(slice(k, [dz, 0, 0, 0, 0], [1, kh, kw, C, O]), [kh, kw, C, O]) as Tensor4D;
  /** `t` (`[B, D, …]`) as z-major rows `[D, B·…]`. */
  const zRows = (t: Tensor) => reshape(transposeMerged(t, [1, 0, 2, 3, 4]), [D, t.size / D]);
  /** The D planes of padded rows from `dz` on, as a batch of images `[D·B, h, w, c]`. */
  const window = (rows: Tensor, dz: number, h: number, w: number, c: number) =>
    reshape(sliceRows(rows, dz, D), [D * B, h, w, c]) as Tensor4D;
  const inputs = bias ? [x, kernel, bias] : [x, kernel];
  const f = customGrad(((...args: (Tensor | GradSaveFunc)[]) => {
    const save = args[args.length - 1] as GradSaveFunc;
    const [xIn, kIn, bIn] = args.slice(0, -1) as [Tensor, Tensor, Tensor | undefined];
    save([xIn, kIn]);
    const value = tidy(() => {
      const rows = zRows(xIn);
      const padded =
        pz.before || pz.after
          ? pad(rows, [
              [pz.before, pz.after],
              [0, 0],
            ])
          : rows;
      // Plane by plane into a running sum, each shifted copy and partial result freed as soon as it
      // is used: at most the input, the padded rows, one shifted copy, one plane's result and two
      // sums are alive (8 volumes' worth before, with every copy and result kept to one addN).
      let acc: Tensor | undefined;
      const last = kd - 1 === pz.before ? kd - 2 : kd - 1;
      for (let dz = 0; dz < kd; dz++) {
        // The plane at the padding offset is the input itself: no copy.
        const shifted = dz !== pz.before;
        // In its own tidy: the copy's intermediate views go, so disposing `input` frees it.
        const input = shifted
          ? tidy(() => window(padded, dz, H, W, C))
          : (reshape(rows, [D * B, H, W, C]) as Tensor4D);
        if (shifted && dz === last && padded !== rows) padded.dispose();
        const filter = planes(kIn, dz);
        const y =
          acc === undefined && bIn
            ? fused.conv2d({ x: input, filter, strides: s, pad: 'same', bias: clone(reshape(bIn, [O])) })
            : conv2d(input, filter, s, 'same');
        if (shifted) input.dispose();
        if (acc === undefined) acc = y;
        else {
          const sum = add(acc, y);
          acc.dispose();
          y.dispose();
          acc = sum;
        }
      }
      return transposeMerged(reshape(acc as Tensor, [D, B, Ho, Wo, O]), [1, 0, 2, 3, 4]);
    });
    const gradFunc = (dy: Tensor, saved: Tensor[]): Tensor[] =>
      tidy(() => {
        const [xs, ks] = saved as [Tensor5D, Tensor5D];
        const dyRows = zRows(dy);
        // Input gradient: dx[z] = Σ_dz conv2dᵀ(dy[z + pz.before − dz], K_dz), dy zero-padded along z,
        // each term a 'valid' conv2d with the flipped plane on a window of rows padded once.
        const zPad: [number, number] = [kd - 1 - pz.before, pz.before];
        const dxs: Tensor[] = [];
        const hq = H + kh - 1;
        const wq = W + kw - 1;
        // In-plane, what a 'valid' conv2d with the flipped plane needs around the output gradient
        // (dilated by the stride first: s − 1 zeros after every row and column, as one rank-5 pad).
        // `left` is never negative; `right` is, by less than the stride, where the dilation's
        // trailing zeros run past the input and are cropped.
        const left = [kh - 1 - py.before, kw - 1 - px.before] as const;
        const right = [H + py.before - Ho * s[0], W + px.before - Wo * s[1]] as const;
        let dyD: Tensor = reshape(dyRows, [D, B, Ho, Wo, O]);
        if (!unitStride) {
          const dilated = pad(reshape(dyD, [D * B * Ho, 1, Wo, 1, O]), [
            [0, 0],
            [0, s[0] - 1],
            [0, 0],
            [0, s[1] - 1],
            [0, 0],
          ]);
          dyD = reshape(dilated, [D, B, Ho * s[0], Wo * s[1], O]);
        }
        let dyP: Tensor = pad(dyD, [
          zPad,
          [0, 0],
          [left[0], Math.max(0, right[0])],
          [left[1], Math.max(0, right[1])],
          [0, 0],
        ]);
        if (right[0] < 0 || right[1] < 0) dyP = slice(dyP, [0, 0, 0, 0, 0], [-1, -1, hq, wq, -1]);
        dyP = reshape(dyP, [D + kd - 1, B * hq * wq * O]);
        for (let dz = 0; dz < kd; dz++) {
          dxs.push(conv2d(window(dyP, kd - 1 - dz, hq, wq, O), flippedPlane(planes(ks, dz)), 1, 'valid'));
        }
        const dxZ = dxs.length === 1 ? (dxs[0] as Tensor) : addN(dxs);
        const dx = transposeMerged(reshape(dxZ, [D, B, H, W, C]), [1, 0, 2, 3, 4]);
        // Filter gradient, plane by plane, from the input padded once as the forward pass pads it.
        const hp = H + py.before + py.after;
        const wp = W + px.before + px.after;
        const xP = reshape(
          pad(reshape(zRows(xs), [D, B, H, W, C]), [
            [pz.before, pz.after],
            [0, 0],
            [py.before, py.after],
            [px.before, px.after],
            [0, 0],
          ]),
          [D + pz.before + pz.after, B * hp * wp * C],
        );
        const dyT = transposeMerged(reshape(dyRows, [D * B, Ho, Wo, O]), [1, 2, 0, 3]) as Tensor4D; // [Ho, Wo, N, O]
        const dk: Tensor[] = [];
        for (let dz = 0; dz < kd; dz++) {
          dk.push(reshape(conv2dFilterGrad(window(xP, dz, hp, wp, C), dyT, kh, kw, s), [1, kh, kw, C, O]));
        }
        const grads = [dx, concat(dk, 0)];
        if (bias) grads.push(sumToChannels(dy));
        return grads;
      });
    return { value, gradFunc };
  }) as unknown as Parameters<typeof customGrad>[0]);
  return f(...inputs) as Tensor5D;
}
