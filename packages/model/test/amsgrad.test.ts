import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AMSGradOptimizer, amsgrad } from '../src/index';
import ref from './fixtures/amsgrad.json';
import { useCpu } from './setup-tf';

beforeAll(async () => {
  await useCpu();
});

describe('AMSGrad', () => {
  it('follows PyTorch Adam(amsgrad=True) step by step (fixtures/make_fixtures.py)', () => {
    const p0 = tf.variable(tf.tensor1d(ref.init[0] as number[]), true, 'ams_p0');
    const p1 = tf.variable(tf.tensor2d(ref.init[1] as number[][]), true, 'ams_p1');
    const opt = amsgrad(ref.lr, ref.beta1, ref.beta2, ref.epsilon);
    ref.grads.forEach((g, step) => {
      opt.applyGradients({ ams_p0: tf.tensor1d(g[0] as number[]), ams_p1: tf.tensor2d(g[1] as number[][]) });
      const want = ref.after[step] as [number[], number[][]];
      Array.from(p0.dataSync()).forEach((v, i) => {
        expect(v).toBeCloseTo(want[0][i] as number, 5);
      });
      Array.from(p1.dataSync()).forEach((v, i) => {
        expect(v).toBeCloseTo(want[1].flat()[i] as number, 5);
      });
    });
    expect(opt.iterations).toBe(8);
    opt.dispose();
    tf.dispose([p0, p1]);
  });

  it('first step moves each weight by about lr against the sign of its gradient (hand computation)', () => {
    // m = 0.1 g, v = v̂ = 0.001 g²; step = (lr / 0.1) · 0.1 g / (|g| + ε) ≈ lr · sign(g)
    const w = tf.variable(tf.tensor1d([1, 1, 1]), true, 'ams_hand');
    const opt = amsgrad(0.05);
    opt.applyGradients({ ams_hand: tf.tensor1d([3, -0.2, 1e-3]) });
    const got = Array.from(w.dataSync());
    expect(got[0]).toBeCloseTo(0.95, 6);
    expect(got[1]).toBeCloseTo(1.05, 6);
    expect(got[2]).toBeCloseTo(1 - 0.05 * (1e-3 / (1e-3 + 1e-8)), 6);
    opt.dispose();
    w.dispose();
  });

  it('minimises a quadratic, saves and restores its state, and serialises its config', async () => {
    const x = tf.variable(tf.tensor1d([3, -2]), true, 'ams_quad');
    const opt = new AMSGradOptimizer(0.1);
    for (let i = 0; i < 150; i++) opt.minimize(() => tf.sum(tf.square(x)) as tf.Scalar);
    expect(Math.max(...Array.from(x.dataSync()).map(Math.abs))).toBeLessThan(0.05);
    const state = await opt.getWeights();
    expect(state.map((s) => s.name)).toEqual(['step', 'ams_quad/m', 'ams_quad/v', 'ams_quad/vhat']);
    const copy = new AMSGradOptimizer(0.1);
    await copy.setWeights(state);
    expect(copy.iterations).toBe(150);
    const restored = await copy.getWeights();
    expect(Array.from(restored[3]!.tensor.dataSync())).toEqual(Array.from(state[3]!.tensor.dataSync()));
    expect(opt.getConfig()).toEqual({ learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    const fromConfig = AMSGradOptimizer.fromConfig(AMSGradOptimizer, opt.getConfig());
    expect((fromConfig as AMSGradOptimizer).learningRate).toBe(0.1);
    expect(tf.serialization.SerializationMap.getMap().classNameMap['AMSGrad']).toBeDefined();
    opt.dispose();
    copy.dispose();
    x.dispose();
  });

  it('rejects bad hyperparameters', () => {
    expect(() => amsgrad(0)).toThrow(/learningRate must be a positive number/);
    expect(() => amsgrad(1e-3, 1)).toThrow(/beta1 must be in \[0, 1\)/);
  });
});
