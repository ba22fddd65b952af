import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adaptiveWing, LossesError } from '../src/index';
import fixtures from './fixtures/awing.json';
import { useCpu } from './setup-tf';

beforeAll(async () => {
  await useCpu();
});

function closeTo(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, abs: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as number;
    const g = got[i] as number;
    expect(Math.abs(g - w), `index ${i}: got ${g}, want ${w}`).toBeLessThanOrEqual(rel * Math.abs(w) + abs);
  }
}

/** Loss and both gradients for 1D y, x. */
function evaluate(y: number[], x: number[], options?: Parameters<typeof adaptiveWing>[2]) {
  const yt = tf.tensor1d(y);
  const xt = tf.tensor1d(x);
  const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(adaptiveWing(a, b, options));
  const [gy, gx] = tf.grads(f)([yt, xt]) as [tf.Tensor, tf.Tensor];
  const loss = adaptiveWing(yt, xt, options);
  const out = { loss: loss.dataSync(), dLdy: gy.dataSync(), dLdx: gx.dataSync() };
  tf.dispose([yt, xt, gy, gx, loss]);
  return out;
}

describe('adaptiveWing against PyTorch float64 autograd (fixtures/make_fixtures.py)', () => {
  it.each(fixtures.awing.map((c) => [JSON.stringify(c.options), c] as const))('options %s', (_, c) => {
    const r = evaluate(c.y, c.x, c.options);
    closeTo(r.loss, c.loss, 2e-6, 2e-6);
    closeTo(r.dLdx, c.dLdx, 1e-5, 1e-5);
    closeTo(r.dLdy, c.dLdy, 1e-5, 1e-5);
  });
});

describe('adaptiveWing is continuous and smooth at theta, finite everywhere', () => {
  it.each([0, 0.2, 0.5, 1])('y = %d: value and slope match on both sides of |y - x| = θ', (y) => {
    const delta = 1e-3;
    for (const side of [1, -1]) {
      const x0 = y + side * 0.5;
      if (x0 < -0.5 || x0 > 1.5) continue;
      const r = evaluate([y, y], [y + side * (0.5 - delta), y + side * (0.5 + delta)]);
      expect(Math.abs((r.loss[0] as number) - (r.loss[1] as number))).toBeLessThan(0.05); // |slope| * 2δ ≈ 0.03
      expect(Math.abs((r.dLdx[0] as number) - (r.dLdx[1] as number))).toBeLessThan(
        0.05 * Math.abs(r.dLdx[0] as number),
      );
      expect(Math.abs((r.dLdy[0] as number) - (r.dLdy[1] as number))).toBeLessThan(
        0.05 * Math.abs(r.dLdy[0] as number) + 1e-3,
      );
    }
  });

  it('gradients are finite (and zero where y = ŷ) at the special points', () => {
    const y = [0, 1, 0.5, 0, 1, 0, 1, 0.3, 0.7, 0.5, 0.5];
    const x = [0, 1, 0.5, 1, 0, 0.5, 0.5, 0.8, 0.2, 0, 1];
    const r = evaluate(y, x);
    for (const arr of [r.loss, r.dLdx, r.dLdy]) expect(Array.from(arr).every(Number.isFinite)).toBe(true);
    const isZero = (a: Float32Array | Int32Array | Uint8Array) => Array.from(a.slice(0, 3), (v) => v === 0);
    expect(isZero(r.dLdx)).toEqual([true, true, true]);
    expect(isZero(r.dLdy)).toEqual([true, true, true]);
    expect(isZero(r.loss)).toEqual([true, true, true]);
  });

  it('gradients agree with central finite differences on random inputs', () => {
    let seed = 11;
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const y = Array.from({ length: 200 }, rand);
    const x = Array.from({ length: 200 }, rand);
    const r = evaluate(y, x);
    const h = 1e-3;
    const at = (yy: number[], xx: number[]) => {
      const t = adaptiveWing(tf.tensor1d(yy), tf.tensor1d(xx));
      const v = t.dataSync();
      t.dispose();
      return v;
    };
    const fdx = Array.from(
      at(
        y,
        x.map((v) => v + h),
      ),
      (v, i) =>
        (v -
          (at(
            y,
            x.map((w) => w - h),
          )[i] as number)) /
        (2 * h),
    );
    const fdy = Array.from(
      at(
        y.map((v) => v + h),
        x,
      ),
      (v, i) =>
        (v -
          (at(
            y.map((w) => w - h),
            x,
          )[i] as number)) /
        (2 * h),
    );
    for (let i = 0; i < y.length; i++) {
      if (Math.abs(Math.abs((y[i] as number) - (x[i] as number)) - 0.5) < 2 * h) continue; // FD straddles θ
      expect(Math.abs((r.dLdx[i] as number) - (fdx[i] as number))).toBeLessThan(
        0.02 * Math.abs(fdx[i] as number) + 0.02,
      );
      expect(Math.abs((r.dLdy[i] as number) - (fdy[i] as number))).toBeLessThan(
        0.02 * Math.abs(fdy[i] as number) + 0.02,
      );
    }
  });

  it('keeps the shape of its inputs and leaks no tensors', () => {
    const y = tf.randomUniform([2, 3, 4, 5, 1]);
    const x = tf.randomUniform([2, 3, 4, 5, 1]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const l = adaptiveWing(y, x);
      expect(l.shape).toEqual([2, 3, 4, 5, 1]);
      l.dispose();
      const g = tf.grad((p: tf.Tensor) => tf.mean(adaptiveWing(y, p)))(x);
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([y, x]);
  });

  it('validates its options and shapes', () => {
    const a = tf.zeros([2]);
    const b = tf.zeros([3]);
    expect(() => adaptiveWing(a, a, { alpha: 2 })).toThrow(/alpha must be greater than 2/);
    expect(() => adaptiveWing(a, a, { epsilon: 0 })).toThrow(/epsilon must be a positive number/);
    expect(() => adaptiveWing(a, a, { theta: 1.5 })).toThrow(/theta must be in \(0, 1\]/);
    expect(() => adaptiveWing(a, a, { omega: Number.NaN })).toThrow(LossesError);
    expect(() => adaptiveWing(a, b)).toThrow(/shapes \[2\] and \[3\] differ/);
    tf.dispose([a, b]);
  });
});
