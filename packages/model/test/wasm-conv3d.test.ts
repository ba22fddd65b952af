import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONV3D_SOURCE_SHA256, CONV3D_WASM } from '../src/conv3d-wasm';
import { conv3dSame, samePadding, transposeMerged } from '../src/fast-conv';
import {
  type Conv3dGeometry,
  setWasmConv3dEnabled,
  wasmConv3d,
  wasmConv3dAvailable,
  wasmConv3dFilterGrad,
  wasmConv3dInputGrad,
} from '../src/wasm-conv3d';

type Shape5 = [number, number, number, number, number];

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

function geometryOf(input: Shape5, kernel: Shape5, strides: [number, number]): Conv3dGeometry {
  const [, D, H, W] = input;
  const [kd, kh, kw] = kernel;
  const pz = samePadding(D, kd, 1);
  const py = samePadding(H, kh, strides[0]);
  const px = samePadding(W, kw, strides[1]);
  return { input, kernel, strides, before: [pz.before, py.before, px.before], out: [py.out, px.out] };
}

/**
 * Every (output voxel, tap, input voxel) triple of the convolution, from its definition: output
 * voxel (b, z, y, x) and tap (dz, ky, kx) read input voxel (b, z + dz − pz, y·sy + ky − py,
 * x·sx + kx − px) when it lies inside the volume. The independent reference for all three kernels.
 */
function triples(g: Conv3dGeometry, visit: (out: number, tap: number, input: number) => void): void {
  const [B, D, H, W] = g.input;
  const [kd, kh, kw] = g.kernel;
  const [Ho, Wo] = g.out;
  const [sy, sx] = g.strides;
  const [pz, py, px] = g.before;
  for (let b = 0; b < B; b++)
    for (let z = 0; z < D; z++)
      for (let y = 0; y < Ho; y++)
        for (let xo = 0; xo < Wo; xo++)
          for (let dz = 0; dz < kd; dz++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iz = z + dz - pz;
                const iy = y * sy + ky - py;
                const ix = xo * sx + kx - px;
                if (iz < 0 || iz >= D || iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                visit(
                  ((b * D + z) * Ho + y) * Wo + xo,
                  (dz * kh + ky) * kw + kx,
                  ((b * D + iz) * H + iy) * W + ix,
                );
              }
}

/** The three sums in float64, channel by channel. */
function reference(
  g: Conv3dGeometry,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
  bias?: Float32Array,
) {
  const C = g.input[4];
  const O = g.kernel[4];
  const voxelsOut = g.input[0] * g.input[1] * g.out[0] * g.out[1];
  const y = new Float64Array(voxelsOut * O);
  if (bias) for (let v = 0; v < voxelsOut; v++) for (let o = 0; o < O; o++) y[v * O + o] = bias[o] as number;
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  triples(g, (out, tap, input) => {
    for (let c = 0; c < C; c++)
      for (let o = 0; o < O; o++) {
        const wi = (tap * C + c) * O + o;
        const xv = x[input * C + c] as number;
        const dv = dy[out * O + o] as number;
        y[out * O + o] = (y[out * O + o] as number) + xv * (w[wi] as number);
        dx[input * C + c] = (dx[input * C + c] as number) + dv * (w[wi] as number);
        dw[wi] = (dw[wi] as number) + xv * dv;
      }
  });
  return { y, dx, dw };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i] as number));
  let worst = 0;
  for (let i = 0; i < want.length; i++)
    worst = Math.max(worst, Math.abs((got[i] as number) - (want[i] as number)));
  expect(worst, what).toBeLessThanOrEqual(1e-5 * scale);
}

const volumeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.37 + seed) + 0.3 * Math.cos(i * 1.71 + 2 * seed);
  return out;
}

describe('the wasm convolution kernels (own wasm SIMD module)', () => {
  it('are built from the committed C source', () => {
    const source = readFileSync(new URL('../wasm/conv3d.c', import.meta.url));
    expect(createHash('sha256').update(source).digest('hex')).toBe(CONV3D_SOURCE_SHA256);
    expect(WebAssembly.validate(Buffer.from(CONV3D_WASM, 'base64'))).toBe(true);
  });

  it('are available on wasm, not on cpu, and can be turned off', async () => {
    expect(wasmConv3dAvailable()).toBe(true);
    setWasmConv3dEnabled(false);
    expect(wasmConv3dAvailable()).toBe(false);
    setWasmConv3dEnabled(true);
    await tf.setBackend('cpu');
    expect(wasmConv3dAvailable()).toBe(false);
    await tf.setBackend('wasm');
  });

  // Every remainder path: C and O in blocks of 8, 4 and singles (the forward pass and the input
  // gradient block the outputs, the filter gradient both), rows of fewer than 4 positions, strides
  // that crop, input columns of every stride class, kernels of 1 and of even sizes, one slice, a batch.
  it.each([
    { x: [1, 3, 6, 7, 2], k: [3, 3, 3, 2, 3], s: [1, 1] },
    { x: [2, 5, 8, 8, 3], k: [3, 3, 3, 3, 4], s: [2, 2] },
    { x: [1, 4, 9, 11, 8], k: [3, 3, 3, 8, 8], s: [2, 2] },
    { x: [1, 3, 7, 6, 6], k: [3, 3, 3, 6, 13], s: [1, 1] },
    { x: [1, 2, 6, 9, 16], k: [3, 3, 3, 16, 24], s: [1, 1] },
    { x: [1, 2, 6, 10, 24], k: [3, 3, 3, 24, 16], s: [2, 2] },
    { x: [1, 3, 5, 5, 1], k: [3, 3, 3, 1, 8], s: [1, 1] },
    { x: [1, 3, 4, 6, 8], k: [1, 1, 1, 8, 1], s: [1, 1] },
    { x: [1, 1, 5, 5, 4], k: [3, 3, 3, 4, 12], s: [1, 1] },
    { x: [1, 3, 8, 7, 2], k: [3, 3, 3, 2, 2], s: [3, 3] },
    { x: [2, 2, 7, 9, 5], k: [3, 5, 4, 5, 9], s: [2, 3] },
    { x: [1, 2, 1, 1, 3], k: [3, 3, 3, 3, 4], s: [1, 1] },
    { x: [1, 2, 3, 2, 4], k: [3, 5, 5, 4, 4], s: [2, 2] },
  ] as { x: Shape5; k: Shape5; s: [number, number] }[])(
    'x %j: all three equal the defining sums',
    ({ x: xs, k: ks, s }) => {
      const g = geometryOf(xs, ks, s);
      const outShape: Shape5 = [xs[0], xs[1], g.out[0], g.out[1], ks[4]];
      const xv = values(volumeOf(xs), 1);
      const wv = values(volumeOf(ks), 2);
      const dyv = values(volumeOf(outShape), 3);
      const bv = values(ks[4], 4);
      const want = reference(g, xv, wv, dyv, bv);
      const got = tf.tidy(() => {
        const x = tf.tensor(xv, xs);
        const w = tf.tensor(wv, ks);
        const dy = tf.tensor(dyv, outShape);
        const wt = transposeMerged(w, [0, 1, 2, 4, 3]);
        const y = wasmConv3d(x, w, g, tf.tensor(bv));
        const dx = wasmConv3dInputGrad(dy, wt, g);
        const dw = wasmConv3dFilterGrad(x, dy, g);
        expect([y.shape, dx.shape, dw.shape]).toEqual([outShape, xs, ks]);
        return { y: y.dataSync(), dx: dx.dataSync(), dw: dw.dataSync() };
      });
      expectClose(got.y, want.y, 'conv3d');
      expectClose(got.dx, want.dx, 'input gradient');
      expectClose(got.dw, want.dw, 'filter gradient');
    },
  );

  it('conv3dSame with them equals tf.conv3d and its gradients on the cpu backend', async () => {
    const xs: Shape5 = [1, 4, 10, 12, 8];
    const ks: Shape5 = [3, 3, 3, 8, 16];
    const xv = values(volumeOf(xs), 3);
    const kv = values(volumeOf(ks), 4);
    const bv = values(16, 5);
    const run = (conv: (x: tf.Tensor5D, k: tf.Tensor5D, b: tf.Tensor) => tf.Tensor) =>
      tf.tidy(() => {
        const x = tf.tensor5d(xv, xs);
        const k = tf.tensor5d(kv, ks);
        const b = tf.tensor1d(bv);
        const loss = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
          tf.sum(tf.sin(conv(a as tf.Tensor5D, c as tf.Tensor5D, d)));
        const grads = tf.grads(loss)([x, k, b]);
        return [conv(x, k, b), ...grads].map((t) => t.dataSync());
      });
    await tf.setBackend('cpu');
    let want: ArrayLike<number>[];
    try {
      want = run((x, k, b) => tf.add(tf.conv3d(x, k, [1, 2, 2], 'same'), b));
    } finally {
      await tf.setBackend('wasm');
    }
    expect(wasmConv3dAvailable()).toBe(true);
    const got = run((x, k, b) => conv3dSame(x, k, [1, 2, 2], b));
    ['value', 'dx', 'dk', 'dbias'].forEach((what, i) => {
      expectClose(got[i] as ArrayLike<number>, want[i] as ArrayLike<number>, what);
    });
  });

  it('overwrite their outputs, survive the heap growing, and carry NaN where it reaches', () => {
    const xs: Shape5 = [1, 2, 4, 4, 4];
    const ks: Shape5 = [3, 3, 3, 4, 4];
    const g = geometryOf(xs, ks, [1, 1]);
    const xv = values(volumeOf(xs), 5);
    const wv = new Float32Array(volumeOf(ks));
    const dyv = new Float32Array(volumeOf(xs));
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor(xv, xs);
        const w = tf.tensor(wv, ks);
        const dy = tf.tensor(dyv, xs);
        return [
          wasmConv3d(x, w, g).dataSync(),
          wasmConv3dInputGrad(dy, transposeMerged(w, [0, 1, 2, 4, 3]), g).dataSync(),
          wasmConv3dFilterGrad(x, dy, g).dataSync(),
        ];
      });
    // Zero kernels and output gradients give exactly zero, whatever the freed memory they land on held.
    tf.fill([4096], 7).dispose();
    for (const out of run()) expect(Array.from(out).every((v) => v === 0)).toBe(true);
    wv.set(values(wv.length, 6));
    dyv.set(values(dyv.length, 7));
    const first = run();
    // Grow the wasm heap by ~200 MB between calls: the module shares the backend's memory.
    const big = tf.zeros([50_000_000]);
    const second = run();
    big.dispose();
    second.forEach((out, i) => {
      expect(Array.from(out)).toEqual(Array.from(first[i] as Float32Array));
    });
    // A NaN at input voxel (z 0, y 0, x 0, c 1) reaches every value that reads it, and only those.
    xv[1] = Number.NaN;
    const [y, , dw] = run();
    const want = reference(g, xv, wv, dyv);
    const nanAlike = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Array.from(a).every((v, i) => Number.isNaN(v) === Number.isNaN(b[i] as number));
    expect(nanAlike(y as Float32Array, want.y) && nanAlike(dw as Float32Array, want.dw)).toBe(true);
    expect(Array.from(y as Float32Array).some(Number.isNaN)).toBe(true);
  });

  it('refuse tensors that do not match the geometry', () => {
    const g = geometryOf([1, 2, 4, 4, 2], [3, 3, 3, 2, 2], [1, 1]);
    expect(() => wasmConv3dFilterGrad(tf.zeros([1, 2, 4, 4, 3]), tf.zeros([1, 2, 4, 4, 2]), g)).toThrow(
      /x \[1,2,4,4,3\] does not match/,
    );
    expect(() => wasmConv3d(tf.zeros([1, 2, 4, 4, 2]), tf.zeros([3, 3, 3, 2, 3]), g)).toThrow(/kernel/);
    expect(() => wasmConv3d(tf.zeros([1, 2, 4, 4, 2]), tf.zeros([3, 3, 3, 2, 2]), g, tf.zeros([3]))).toThrow(
      /bias/,
    );
  });
});
