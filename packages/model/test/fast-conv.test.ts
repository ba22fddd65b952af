import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { conv3dSame } from '../src/fast-conv';
import { useCpu } from './setup-tf';

beforeAll(async () => {
  await useCpu();
});

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let scale = 0;
  for (const v of y) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  return worst / (scale || 1);
}

describe('conv3dSame (conv2d slices, own gradient) equals tf.conv3d on the cpu backend', () => {
  it.each([
    { x: [1, 3, 6, 7, 2], k: [3, 3, 3, 2, 3], s: [1, 1, 1] },
    { x: [2, 5, 8, 8, 3], k: [3, 3, 3, 3, 4], s: [1, 2, 2] },
    { x: [1, 4, 9, 11, 2], k: [3, 3, 3, 2, 2], s: [1, 2, 2] },
    { x: [2, 1, 5, 5, 1], k: [3, 3, 3, 1, 2], s: [1, 1, 1] },
    { x: [1, 3, 4, 6, 4], k: [1, 1, 1, 4, 1], s: [1, 1, 1] },
    { x: [1, 2, 6, 6, 2], k: [3, 3, 3, 2, 2], s: [2, 2, 2] },
    // Stride 3 on 8 and 7: the dilated output gradient runs past the input and is cropped.
    { x: [1, 3, 8, 7, 2], k: [3, 3, 3, 2, 2], s: [1, 3, 3] },
    { x: [2, 2, 7, 9, 2], k: [3, 5, 4, 2, 3], s: [1, 2, 3] },
  ] as { x: number[]; k: number[]; s: [number, number, number] }[])('x %j', ({ x: xs, k: ks, s }) => {
    const x = tf.randomNormal(
      xs as [number, number, number, number, number],
      0,
      1,
      'float32',
      1,
    ) as tf.Tensor5D;
    const k = tf.randomNormal(
      ks as [number, number, number, number, number],
      0,
      1,
      'float32',
      2,
    ) as tf.Tensor5D;
    const yRef = tf.conv3d(x, k, s, 'same');
    const y = conv3dSame(x, k, s);
    expect(y.shape).toEqual(yRef.shape);
    expect(maxRelDiff(y, yRef)).toBeLessThan(1e-5);
    const w = tf.randomNormal(yRef.shape, 0, 1, 'float32', 3);
    const loss = (f: (a: tf.Tensor5D, b: tf.Tensor5D) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor5D, b as tf.Tensor5D), w));
    const [gx, gk] = tf.grads(loss((a, b) => conv3dSame(a, b, s)))([x, k]);
    const [rx, rk] = tf.grads(loss((a, b) => tf.conv3d(a, b, s, 'same')))([x, k]);
    expect(maxRelDiff(gx as tf.Tensor, rx as tf.Tensor)).toBeLessThan(1e-5);
    expect(maxRelDiff(gk as tf.Tensor, rk as tf.Tensor)).toBeLessThan(1e-5);
  });
});

describe('instanceNorm (own gradient) equals autodiff of the formula', () => {
  it('values and gradients for x, gamma and beta', async () => {
    const { instanceNorm } = await import('../src/layers');
    const x = tf.randomNormal([2, 3, 4, 5, 3], 1, 2, 'float32', 7);
    const g = tf.tensor1d([1.5, -0.5, 2]);
    const b = tf.tensor1d([0.1, 0, -1]);
    const w = tf.randomNormal([2, 3, 4, 5, 3], 0, 1, 'float32', 8);
    const naive = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
      const { mean, variance } = tf.moments(xx, [1, 2, 3], true);
      return tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, 1e-5))), gg), bb);
    };
    expect(maxRelDiff(instanceNorm(x, g, b, 1e-5), naive(x, g, b))).toBeLessThan(1e-5);
    const loss = (f: typeof naive) => (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(f(xx, gg, bb), w));
    const mine = tf.grads(loss((a, c, d) => instanceNorm(a, c, d, 1e-5)))([x, g, b]);
    const ref = tf.grads(loss(naive))([x, g, b]);
    mine.forEach((m, i) => {
      expect(maxRelDiff(m as tf.Tensor, ref[i] as tf.Tensor)).toBeLessThan(1e-4);
    });
  });
});

describe('conv3dSame with a bias', () => {
  it('equals conv3d + bias, gradients included', () => {
    const x = tf.randomNormal([2, 3, 5, 6, 2], 0, 1, 'float32', 11) as tf.Tensor5D;
    const k = tf.randomNormal([3, 3, 3, 2, 3], 0, 1, 'float32', 12) as tf.Tensor5D;
    const b = tf.tensor1d([0.5, -1, 2]);
    const w = tf.randomNormal([2, 3, 3, 3, 3], 0, 1, 'float32', 13);
    const mine = (a: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(conv3dSame(a as tf.Tensor5D, kk as tf.Tensor5D, [1, 2, 2], bb), w));
    const ref = (a: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(tf.add(tf.conv3d(a as tf.Tensor5D, kk as tf.Tensor5D, [1, 2, 2], 'same'), bb), w));
    expect(
      maxRelDiff(conv3dSame(x, k, [1, 2, 2], b), tf.add(tf.conv3d(x, k, [1, 2, 2], 'same'), b)),
    ).toBeLessThan(1e-5);
    const g1 = tf.grads(mine)([x, k, b]);
    const g2 = tf.grads(ref)([x, k, b]);
    g1.forEach((g, i) => {
      expect(maxRelDiff(g as tf.Tensor, g2[i] as tf.Tensor)).toBeLessThan(1e-5);
    });
  });
});

describe('transposeMerged', () => {
  it('equals tf.transpose for every permutation of a rank-4 tensor', async () => {
    const { transposeMerged } = await import('../src/fast-conv');
    const x = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 21);
    const perms: number[][] = [];
    const permute = (rest: number[], acc: number[]) => {
      if (rest.length === 0) perms.push(acc);
      rest.forEach((a, i) => {
        permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, a]);
      });
    };
    permute([0, 1, 2, 3], []);
    for (const p of perms) {
      const got = transposeMerged(x, p);
      expect(got.shape).toEqual(tf.transpose(x, p).shape);
      expect(Array.from(got.dataSync())).toEqual(Array.from(tf.transpose(x, p).dataSync()));
    }
  });
});
