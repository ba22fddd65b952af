import { weightMap as weightMapTyped } from '@dmdet/groundtruth';
import { createVolume, type Vec3 } from '@dmdet/volume-io';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adaptiveWing,
  createLoss,
  dmDetNetLoss,
  focalLoss,
  LossesError,
  squaredError,
  weightedBinaryCrossEntropy,
  weightedLoss,
  weightedMean,
  weightMap,
} from '../src/index';
import fixtures from './fixtures/awing.json';
import { useCpu } from './setup-tf';

beforeAll(async () => {
  await useCpu();
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('weightMap (tfjs) equals @dmdet/groundtruth weightMap voxel for voxel', () => {
  const rand = lcg(5);
  it.each([
    [[4, 6, 7], '3x3'],
    [[4, 6, 7], '3x3x3'],
    [[1, 5, 3], '3x3'],
    [[3, 1, 1], '3x3x3'],
  ] as [Vec3, '3x3' | '3x3x3'][])('%j %s, as rank 3, 4 and 5 tensors', (shape, footprint) => {
    const data = Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => rand() * 0.4);
    const want = Array.from(
      weightMapTyped(createVolume(data, shape), { lambda: 7, threshold: 0.25, footprint }).data,
    );
    for (const s of [[...shape], [1, ...shape], [1, ...shape, 1]]) {
      const w = weightMap(tf.tensor(data, s), { lambda: 7, threshold: 0.25, footprint });
      expect(w.shape).toEqual(s);
      expect(Array.from(w.dataSync())).toEqual(want);
      w.dispose();
    }
  });

  it('handles a batch: each sample dilated on its own', () => {
    const a = new Float32Array(27);
    a[13] = 1; // centre of sample 0
    const batch = tf.tensor([...a, ...new Float32Array(27)], [2, 3, 3, 3, 1]);
    const w = weightMap(batch, { footprint: '3x3x3' }).dataSync();
    expect(Array.from(w.slice(0, 27)).every((v) => v === 11)).toBe(true);
    expect(Array.from(w.slice(27)).every((v) => v === 1)).toBe(true);
  });

  it('rejects other ranks and footprints', () => {
    expect(() => weightMap(tf.zeros([2, 2]))).toThrow(/rank 2/);
    expect(() => weightMap(tf.zeros([2, 2, 2]), { footprint: '2x2' as never })).toThrow(/footprint must be/);
  });
});

describe('weighted loss (eq. 3)', () => {
  it('is the mean of AWing times W', () => {
    const y = tf.tensor([0, 0.5, 1, 0.1, 0, 0], [1, 1, 2, 3]);
    const x = tf.tensor([0.2, 0.4, 0.7, 0.1, 0.9, 0], [1, 1, 2, 3]);
    const w = weightMap(y);
    const map = adaptiveWing(y, x).dataSync();
    const ws = w.dataSync();
    const expected = Array.from(map).reduce((s, v, i) => s + v * (ws[i] as number), 0) / 6;
    expect(weightedMean(adaptiveWing(y, x), w).dataSync()[0]).toBeCloseTo(expected, 5);
    expect(dmDetNetLoss(y, x).dataSync()[0]).toBeCloseTo(expected, 5);
    expect(Array.from(weightedLoss(tf.ones([2]), tf.tensor([2, 3])).dataSync())).toEqual([2, 3]);
    expect(() => weightedLoss(tf.ones([2]), tf.ones([3]))).toThrow(LossesError);
  });
});

describe('baselines against numpy (fixtures/make_fixtures.py)', () => {
  const { y, x, mse, bce_w3, focal } = fixtures.baselines;
  // Predictions of exactly 0 or 1 are clipped to [1e-7, 1 - 1e-7]; float32 cannot hold 1 - 1e-7
  // (it rounds to 1 - 1.19e-7), so there the reference (float64) differs by about 1 %.
  const saturated = (i: number) => x[i] === 0 || x[i] === 1;
  const close = (t: tf.Tensor, want: number[]) => {
    const got = t.dataSync();
    want.forEach((w, i) => {
      const rel = saturated(i) ? 0.02 : 1e-4;
      expect(Math.abs((got[i] as number) - w), `index ${i}`).toBeLessThanOrEqual(rel * Math.abs(w) + 1e-5);
    });
  };
  it('squared error, weighted BCE, focal', () => {
    const yt = tf.tensor1d(y);
    const xt = tf.tensor1d(x);
    close(squaredError(yt, xt), mse);
    close(weightedBinaryCrossEntropy(yt, xt, { positiveWeight: 3 }), bce_w3);
    close(focalLoss(yt, xt), focal);
  });

  it('have finite gradients for saturated predictions', () => {
    const yt = tf.tensor1d([0, 1, 0, 1, 1, 0]);
    const xt = tf.tensor1d([0, 1, 1, 0, 1, 0]);
    for (const f of [
      (p: tf.Tensor) => tf.sum(weightedBinaryCrossEntropy(yt, p, { positiveWeight: 5 })),
      (p: tf.Tensor) => tf.sum(focalLoss(yt, p)),
      (p: tf.Tensor) => tf.sum(squaredError(yt, p)),
    ]) {
      expect(Array.from(tf.grad(f)(xt).dataSync()).every(Number.isFinite)).toBe(true);
    }
  });
});

describe('createLoss', () => {
  const rand = lcg(8);
  const y = tf.tensor(
    Array.from({ length: 2 * 3 * 4 * 4 }, () => rand()),
    [2, 3, 4, 4, 1],
  );
  const x = tf.tensor(
    Array.from({ length: 2 * 3 * 4 * 4 }, () => rand()),
    [2, 3, 4, 4, 1],
  );

  it("'awing' with weights from the target is exactly dmDetNetLoss", () => {
    expect(createLoss()(y, x).dataSync()[0]).toBeCloseTo(dmDetNetLoss(y, x).dataSync()[0] as number, 6);
  });

  it("'packed' reads the weights from a second channel of yTrue", () => {
    const w = weightMap(y, { lambda: 3 });
    const packed = tf.concat([y, w], 4);
    const want = weightedMean(adaptiveWing(y, x), w).dataSync()[0] as number;
    expect(createLoss({ weights: 'packed' })(packed, x).dataSync()[0]).toBeCloseTo(want, 6);
    expect(() => createLoss({ weights: 'packed' })(y, x)).toThrow(/needs yTrue with 2 channels/);
  });

  it('mse, bce and focal reduce their maps by the mean', () => {
    expect(createLoss({ loss: 'mse', weights: 'none' })(y, x).dataSync()[0]).toBeCloseTo(
      tf.mean(squaredError(y, x)).dataSync()[0] as number,
      6,
    );
    expect(createLoss({ loss: 'bce', bce: { positiveWeight: 2 } })(y, x).dataSync()[0]).toBeCloseTo(
      tf.mean(weightedBinaryCrossEntropy(y, x, { positiveWeight: 2 })).dataSync()[0] as number,
      6,
    );
    expect(createLoss({ loss: 'focal' })(y, x).dataSync()[0]).toBeCloseTo(
      tf.mean(focalLoss(y, x)).dataSync()[0] as number,
      6,
    );
  });

  it('validates options when made', () => {
    expect(() => createLoss({ loss: 'l1' as never })).toThrow(
      /loss must be 'awing', 'mse', 'bce' or 'focal'/,
    );
    expect(() => createLoss({ weights: 'sample' as never })).toThrow(/weights must be/);
    expect(() => createLoss({ awing: { alpha: 1.9 } })).toThrow(/alpha must be greater than 2/);
    expect(() => createLoss({ weightMap: { lambda: -1 } })).toThrow(/lambda must be a number >= 0/);
  });

  it('trains a tfjs-layers model through compile + fit, and a variable through optimizer.minimize', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv3d({
          inputShape: [3, 4, 4, 1],
          filters: 1,
          kernelSize: 3,
          padding: 'same',
          activation: 'sigmoid',
        }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: createLoss({ loss: 'awing' }) });
    const history = await model.fit(x, y, { epochs: 8, batchSize: 2, verbose: 0 });
    const losses = history.history['loss'] as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);

    const v = tf.variable(tf.fill([2, 3, 4, 4, 1], 0.5));
    const opt = tf.train.adam(0.05);
    const lossFn = createLoss();
    const first = lossFn(y, v).dataSync()[0] as number;
    for (let i = 0; i < 30; i++) opt.minimize(() => lossFn(y, v));
    expect(lossFn(y, v).dataSync()[0]).toBeLessThan(first / 2);
  });

  it('leaks no tensors over many evaluations with gradients', () => {
    const lossFn = createLoss();
    const v = tf.variable(tf.fill([2, 3, 4, 4, 1], 0.5));
    const opt = tf.train.sgd(0.1);
    opt.minimize(() => lossFn(y, v)); // optimizer slots are created on the first step
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) opt.minimize(() => lossFn(y, v));
    expect(tf.memory().numTensors).toBe(before);
  });
});
