import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samePadding } from '../src/fast-conv';
import { type FilterGradGeometry, wasmFilterGrad, wasmFilterGradAvailable } from '../src/filter-grad';
import { FILTER_GRAD_SOURCE_SHA256, FILTER_GRAD_WASM } from '../src/filter-grad-wasm';

type Shape5 = [number, number, number, number, number];

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

function geometryOf(input: Shape5, kernel: Shape5, strides: [number, number]): FilterGradGeometry {
  const [, D, H, W] = input;
  const [kd, kh, kw] = kernel;
  const pz = samePadding(D, kd, 1);
  const py = samePadding(H, kh, strides[0]);
  const px = samePadding(W, kw, strides[1]);
  return { input, kernel, strides, before: [pz.before, py.before, px.before], out: [py.out, px.out] };
}

/** The defining sum, voxel by voxel in float64: the independent reference. */
function bruteForce(x: Float32Array, dy: Float32Array, g: FilterGradGeometry): Float64Array {
  const [B, D, H, W, C] = g.input;
  const [kd, kh, kw, , O] = g.kernel;
  const [Ho, Wo] = g.out;
  const [sy, sx] = g.strides;
  const [pz, py, px] = g.before;
  const dw = new Float64Array(kd * kh * kw * C * O);
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
                for (let c = 0; c < C; c++) {
                  const xv = x[(((b * D + iz) * H + iy) * W + ix) * C + c] as number;
                  for (let o = 0; o < O; o++) {
                    const t = ((dz * kh + ky) * kw + kx) * C * O + c * O + o;
                    dw[t] =
                      (dw[t] as number) + xv * (dy[(((b * D + z) * Ho + y) * Wo + xo) * O + o] as number);
                  }
                }
              }
  return dw;
}

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.37 + seed) + 0.3 * Math.cos(i * 1.71 + 2 * seed);
  return out;
}

describe('wasmFilterGrad (own wasm SIMD kernel)', () => {
  it('is built from the committed C source', () => {
    const source = readFileSync(new URL('../wasm/filter-grad.c', import.meta.url));
    expect(createHash('sha256').update(source).digest('hex')).toBe(FILTER_GRAD_SOURCE_SHA256);
    expect(WebAssembly.validate(Buffer.from(FILTER_GRAD_WASM, 'base64'))).toBe(true);
  });

  it('is available on wasm and not on cpu', async () => {
    expect(wasmFilterGradAvailable()).toBe(true);
    await tf.setBackend('cpu');
    expect(wasmFilterGradAvailable()).toBe(false);
    await tf.setBackend('wasm');
  });

  // Every remainder path of the kernel: C in blocks of 4 and singles, O in blocks of 8, 4 and
  // singles; strides that crop; kernels of 1 and even sizes; one slice; a batch.
  it.each([
    { x: [1, 3, 6, 7, 2], k: [3, 3, 3, 2, 3], s: [1, 1] },
    { x: [2, 5, 8, 8, 3], k: [3, 3, 3, 3, 4], s: [2, 2] },
    { x: [1, 4, 9, 11, 8], k: [3, 3, 3, 8, 8], s: [2, 2] },
    { x: [1, 3, 7, 6, 6], k: [3, 3, 3, 6, 13], s: [1, 1] },
    { x: [1, 2, 6, 9, 16], k: [3, 3, 3, 16, 24], s: [1, 1] },
    { x: [1, 3, 5, 5, 1], k: [3, 3, 3, 1, 8], s: [1, 1] },
    { x: [1, 3, 4, 6, 8], k: [1, 1, 1, 8, 1], s: [1, 1] },
    { x: [1, 1, 5, 5, 4], k: [3, 3, 3, 4, 12], s: [1, 1] },
    { x: [1, 3, 8, 7, 2], k: [3, 3, 3, 2, 2], s: [3, 3] },
    { x: [2, 2, 7, 9, 5], k: [3, 5, 4, 5, 9], s: [2, 3] },
    { x: [1, 2, 1, 1, 3], k: [3, 3, 3, 3, 4], s: [1, 1] },
  ] as { x: Shape5; k: Shape5; s: [number, number] }[])(
    'x %j equals the defining sum',
    ({ x: xs, k: ks, s }) => {
      const g = geometryOf(xs, ks, s);
      const xv = values(
        xs.reduce((a, b) => a * b),
        1,
      );
      const dyv = values(xs[0] * xs[1] * g.out[0] * g.out[1] * ks[4], 2);
      const ref = bruteForce(xv, dyv, g);
      const dw = tf.tidy(() =>
        wasmFilterGrad(tf.tensor(xv, xs), tf.tensor(dyv, [xs[0], xs[1], g.out[0], g.out[1], ks[4]]), g),
      );
      expect(dw.shape).toEqual(ks);
      const got = dw.dataSync();
      dw.dispose();
      let scale = 0;
      for (const v of ref) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < ref.length; i++)
        expect(Math.abs((got[i] as number) - (ref[i] as number))).toBeLessThan(1e-5 * scale);
    },
  );

  it('equals tf.conv3d’s filter gradient on the cpu backend', async () => {
    const xs: Shape5 = [1, 4, 10, 12, 8];
    const ks: Shape5 = [3, 3, 3, 8, 16];
    const xv = values(
      xs.reduce((a, b) => a * b),
      3,
    );
    const kv = values(
      ks.reduce((a, b) => a * b),
      4,
    );
    await tf.setBackend('cpu');
    let ref: Float32Array;
    let dyv: Float32Array;
    try {
      [ref, dyv] = tf.tidy(() => {
        const x = tf.tensor5d(xv, xs);
        const y = tf.conv3d(x, tf.tensor5d(kv, ks), [1, 2, 2], 'same');
        const dy = tf.sin(y);
        const loss = (k: tf.Tensor) => tf.sum(tf.mul(tf.conv3d(x, k as tf.Tensor5D, [1, 2, 2], 'same'), dy));
        return [tf.grad(loss)(tf.tensor5d(kv, ks)).dataSync() as Float32Array, dy.dataSync() as Float32Array];
      });
    } finally {
      await tf.setBackend('wasm');
    }
    const g = geometryOf(xs, ks, [2, 2]);
    const got = tf.tidy(() =>
      wasmFilterGrad(tf.tensor(xv, xs), tf.tensor(dyv, [1, 4, ...g.out, 16]), g).dataSync(),
    );
    const scale = Math.max(...Array.from(ref, Math.abs));
    ref.forEach((v, i) => {
      expect(Math.abs((got[i] as number) - v)).toBeLessThan(1e-5 * scale);
    });
  });

  it('overwrites its output, survives the heap growing, and carries NaN where it reaches', () => {
    const xs: Shape5 = [1, 2, 4, 4, 4];
    const ks: Shape5 = [3, 3, 3, 4, 4];
    const g = geometryOf(xs, ks, [1, 1]);
    const xv = values(64 * 2, 5);
    const dyv = new Float32Array(2 * 16 * 4);
    const run = () =>
      tf.tidy(() => wasmFilterGrad(tf.tensor(xv, xs), tf.tensor(dyv, [1, 2, 4, 4, 4]), g).dataSync());
    // A zero output gradient gives exactly zero, whatever the freed memory it lands on held.
    const junk = tf.fill([4096], 7);
    junk.dispose();
    expect(Array.from(run()).every((v) => v === 0)).toBe(true);
    dyv.set(values(dyv.length, 6));
    const first = run();
    // Grow the wasm heap by ~200 MB between calls: the module shares the backend's memory.
    const big = tf.zeros([50_000_000]);
    const second = run();
    big.dispose();
    expect(Array.from(second)).toEqual(Array.from(first));
    // A NaN at input voxel (z 0, y 0, x 0, c 1) reaches every tap that reads it, and only those.
    xv[1] = Number.NaN;
    const withNaN = run();
    const ref = bruteForce(xv, dyv, g);
    withNaN.forEach((v, i) => {
      expect(Number.isNaN(v)).toBe(Number.isNaN(ref[i] as number));
    });
    expect(Array.from(withNaN).some((v) => Number.isNaN(v))).toBe(true);
  });

  it('refuses tensors that do not match the geometry', () => {
    const g = geometryOf([1, 2, 4, 4, 2], [3, 3, 3, 2, 2], [1, 1]);
    expect(() => wasmFilterGrad(tf.zeros([1, 2, 4, 4, 3]), tf.zeros([1, 2, 4, 4, 2]), g)).toThrow(
      /do not match/,
    );
  });
});
