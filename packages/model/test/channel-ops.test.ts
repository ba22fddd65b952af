import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { createLoss } from '@dmdet/losses';
import { afterAll, describe, expect, it } from 'vitest';
import { batchGradients } from '../src/batch-gradients';
import { channelAffine, channelMeans, sumToChannels } from '../src/channel-ops';
import { conv3dSame, transposeMerged } from '../src/fast-conv';
import { flatRange } from '../src/flat-range';
import { createDmDetNet3D } from '../src/index';
import { instanceNorm } from '../src/layers';

// The wasm-specific formulations (average pooling, fused matMul, the flat-range kernel, one sample
// at a time) against float64 references computed here and against the cpu backend's own ops.
afterAll(async () => {
  await tf.setBackend('cpu');
});

const backends = ['cpu', 'wasm'] as const;

/** Deterministic values in [-1, 1) plus an offset, so means are not near zero. */
function values(n: number, seed: number, offset = 0): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => Math.sin(i * 0.37 + seed) * Math.cos(i * 0.011 * seed) + offset,
  );
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i] as number));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst / (scale || 1);
}

/** Float64 per-sample, per-channel means of [B, S, C] data. */
function refMeans(data: Float32Array, b: number, c: number): number[] {
  const s = data.length / (b * c);
  const out = new Array<number>(b * c).fill(0);
  for (let i = 0; i < data.length; i++) {
    const bi = Math.floor(i / (s * c));
    const k = bi * c + (i % c);
    out[k] = (out[k] as number) + (data[i] as number) / s;
  }
  return out;
}

describe.each(backends)('channel ops on %s', (backend) => {
  it('channelMeans equals float64 means per sample and channel (rank 5, rank 3, one slice)', async () => {
    await tf.setBackend(backend);
    for (const shape of [
      [2, 3, 5, 7, 4],
      [1, 1, 4, 6, 3],
      [3, 11, 2],
    ]) {
      const n = shape.reduce((a, v) => a * v, 1);
      const data = values(n, 1, 0.5);
      const got = channelMeans(tf.tensor(data, shape)).dataSync();
      expect(
        maxRelDiff(got, refMeans(data, shape[0] as number, shape[shape.length - 1] as number)),
      ).toBeLessThan(1e-6);
    }
  });

  it('channelMeans stays accurate over a whole 10×256×256 plane stack', async () => {
    await tf.setBackend(backend);
    const shape = [1, 10, 256, 256, 2];
    const data = values(10 * 256 * 256 * 2, 3, 2);
    const got = channelMeans(tf.tensor(data, shape)).dataSync();
    expect(maxRelDiff(got, refMeans(data, 1, 2))).toBeLessThan(1e-5);
  });

  it('sumToChannels equals float64 sums', async () => {
    await tf.setBackend(backend);
    const data = values(3 * 4 * 5 * 6, 2, -0.25);
    const sums = refMeans(data, 1, 6).map((m) => m * (data.length / 6));
    expect(maxRelDiff(sumToChannels(tf.tensor(data, [3, 4, 5, 6])).dataSync(), sums)).toBeLessThan(1e-6);
  });

  it('channelAffine equals x·scale + shift per sample and channel, and for shared vectors', async () => {
    await tf.setBackend(backend);
    for (const b of [1, 2]) {
      const [s, c] = [2 * 3 * 4, 3];
      const data = values(b * s * c, 4);
      const scale = values(b * c, 5);
      const shift = values(b * c, 6);
      const got = channelAffine(
        tf.tensor(data, [b, 2, 3, 4, c]),
        tf.tensor(scale, [b, c]),
        tf.tensor(shift, [b, c]),
      );
      const ref = Array.from(data, (v, i) => {
        const k = Math.floor(i / (s * c)) * c + (i % c);
        return v * (scale[k] as number) + (shift[k] as number);
      });
      expect(got.shape).toEqual([b, 2, 3, 4, c]);
      expect(maxRelDiff(got.dataSync(), ref)).toBeLessThan(1e-6);
      const shared = channelAffine(
        tf.tensor(data, [b, s, c]),
        tf.tensor(scale.slice(0, c)),
        tf.tensor(shift.slice(0, c)),
      );
      const refShared = Array.from(data, (v, i) => v * (scale[i % c] as number) + (shift[i % c] as number));
      expect(maxRelDiff(shared.dataSync(), refShared)).toBeLessThan(1e-6);
      // A shared scale with a per-sample shift.
      const mixed = channelAffine(
        tf.tensor(data, [b, s, c]),
        tf.tensor(scale.slice(0, c)),
        tf.tensor(shift, [b, c]),
      );
      const refMixed = Array.from(data, (v, i) => {
        const k = Math.floor(i / (s * c)) * c + (i % c);
        return v * (scale[i % c] as number) + (shift[k] as number);
      });
      expect(maxRelDiff(mixed.dataSync(), refMixed)).toBeLessThan(1e-6);
    }
  });

  it('flatRange equals tf.slice of the flat data, refuses ranges outside the tensor', async () => {
    await tf.setBackend(backend);
    const x = tf.tensor(values(4 * 5 * 6, 7), [4, 5, 6]);
    const flat = tf.reshape(x, [-1]);
    for (const [start, size] of [
      [0, 120],
      [30, 60],
      [119, 1],
      [5, 0],
    ] as [number, number][]) {
      const got = flatRange(x, start, size);
      expect(got.shape).toEqual([size]);
      expect(Array.from(got.dataSync())).toEqual(Array.from(tf.slice(flat, [start], [size]).dataSync()));
    }
    expect(() => flatRange(x, 100, 30)).toThrow(/outside a tensor of 120 elements/);
    expect(() => flatRange(x, -1, 2)).toThrow(RangeError);
  });

  it('transposeMerged with size-1 axes equals tf.transpose for every permutation', async () => {
    await tf.setBackend(backend);
    const x = tf.tensor(values(2 * 3 * 4, 8), [2, 1, 3, 1, 4]);
    const perms: number[][] = [];
    const permute = (rest: number[], acc: number[]) => {
      if (rest.length === 0) perms.push(acc);
      rest.forEach((a, i) => {
        permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, a]);
      });
    };
    permute([0, 1, 2, 3, 4], []);
    for (const p of perms) {
      const got = transposeMerged(x, p);
      const ref = tf.transpose(x, p);
      expect(got.shape).toEqual(ref.shape);
      expect(Array.from(got.dataSync())).toEqual(Array.from(ref.dataSync()));
    }
  });
});

/** Runs `fn` on a backend and returns its tensors' values. */
async function on(backend: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return fn().map((t) => t.dataSync() as Float32Array);
}

describe('wasm formulations against the cpu backend', () => {
  it.each([1, 2])('instanceNorm values and gradients, batch %i', async (b) => {
    const shape = [b, 3, 6, 5, 3];
    const n = shape.reduce((a, v) => a * v, 1);
    const run = (norm: (x: tf.Tensor, g: tf.Tensor, be: tf.Tensor) => tf.Tensor) => () => {
      const x = tf.tensor(values(n, 9, 1.5), shape);
      const g = tf.tensor1d([1.5, -0.5, 2]);
      const be = tf.tensor1d([0.1, 0, -1]);
      const w = tf.tensor(values(n, 10), shape);
      const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(norm(a, c, d), w)))([
        x,
        g,
        be,
      ]);
      return [norm(x, g, be), ...grads];
    };
    const naive = (x: tf.Tensor, g: tf.Tensor, be: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, [1, 2, 3], true);
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), be);
    };
    const wasm = await on(
      'wasm',
      run((x, g, be) => instanceNorm(x, g, be, 1e-5)),
    );
    const cpu = await on('cpu', run(naive));
    wasm.forEach((v, i) => {
      expect(maxRelDiff(v, cpu[i] as Float32Array)).toBeLessThan(1e-4);
    });
  });

  it.each([
    { x: [1, 5, 8, 9, 3], k: [3, 3, 3, 3, 4], s: [1, 1, 1] },
    { x: [1, 4, 9, 10, 2], k: [3, 3, 3, 2, 3], s: [1, 2, 2] },
    { x: [1, 1, 6, 6, 2], k: [3, 3, 3, 2, 2], s: [1, 1, 1] },
    { x: [1, 3, 5, 4, 4], k: [1, 1, 1, 4, 2], s: [1, 1, 1] },
    { x: [1, 4, 6, 6, 2], k: [2, 2, 2, 2, 2], s: [1, 1, 1] },
  ] as { x: number[]; k: number[]; s: [number, number, number] }[])(
    'conv3dSame with one sample and a bias, values and gradients: x %j',
    async ({ x: xs, k: ks, s }) => {
      const nx = xs.reduce((a, v) => a * v, 1);
      const nk = ks.reduce((a, v) => a * v, 1);
      const o = ks[4] as number;
      const run = (conv: (x: tf.Tensor5D, k: tf.Tensor5D, b: tf.Tensor) => tf.Tensor) => () => {
        const x = tf.tensor5d(values(nx, 11), xs as [number, number, number, number, number]);
        const k = tf.tensor5d(values(nk, 12, 0.1), ks as [number, number, number, number, number]);
        const b = tf.tensor1d(values(o, 13));
        const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
          tf.sum(tf.square(conv(a as tf.Tensor5D, c as tf.Tensor5D, d)));
        return [conv(x, k, b), ...tf.grads(f)([x, k, b])];
      };
      const wasm = await on(
        'wasm',
        run((x, k, b) => conv3dSame(x, k, s, b)),
      );
      const cpu = await on(
        'cpu',
        run((x, k, b) => tf.add(tf.conv3d(x, k, s, 'same'), b)),
      );
      wasm.forEach((v, i) => {
        expect(maxRelDiff(v, cpu[i] as Float32Array)).toBeLessThan(1e-4);
      });
    },
  );

  it.each(backends)('batchGradients one sample at a time equals the whole batch (%s)', async (backend) => {
    await tf.setBackend(backend);
    const model = createDmDetNet3D({ widths: [3, 4], seed: 5 });
    const loss = createLoss();
    const x = tf.tensor5d(values(3 * 3 * 8 * 8, 14, 0.5), [3, 3, 8, 8, 1]);
    const y = tf.tensor5d(
      Array.from(values(3 * 3 * 8 * 8, 15), (v) => Math.abs(v)),
      [3, 3, 8, 8, 1],
    );
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const whole = batchGradients(model, loss, x, y, vars, { oneByOne: false });
    const split = batchGradients(model, loss, x, y, vars, { oneByOne: true });
    const lossWhole = whole.value.dataSync()[0] as number;
    expect(Math.abs((split.value.dataSync()[0] as number) - lossWhole)).toBeLessThan(
      1e-6 * Math.abs(lossWhole),
    );
    expect(Object.keys(split.grads).sort()).toEqual(Object.keys(whole.grads).sort());
    // Scale: the largest gradient of all (a bias before instance norm has a gradient of 0 up to rounding).
    let scale = 0;
    for (const g of Object.values(whole.grads))
      for (const v of g.dataSync()) scale = Math.max(scale, Math.abs(v));
    for (const [name, g] of Object.entries(whole.grads)) {
      const mine = (split.grads[name] as tf.Tensor).dataSync();
      const ref = g.dataSync();
      for (let i = 0; i < ref.length; i++)
        expect(Math.abs((mine[i] as number) - (ref[i] as number))).toBeLessThan(1e-5 * scale);
    }
    // Once its results are disposed, a one-by-one call leaves no tensor behind (each sample's copy
    // of x and y included: they leaked two tensors per sample on wasm before).
    tf.dispose([split.value, ...Object.values(split.grads)]);
    const before = tf.memory().numTensors;
    const again = batchGradients(model, loss, x, y, vars, { oneByOne: true });
    tf.dispose([again.value, ...Object.values(again.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
