import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { conv3dSame } from '../src/fast-conv';
import { createDmDetNet3D } from '../src/index';
import { setWasmConv3dEnabled } from '../src/wasm-conv3d';

// The model is backend-agnostic: on the wasm backend (installs from npm alone) the fast convolution
// path gives what the cpu backend's Conv3D gives.
afterAll(async () => {
  await tf.setBackend('cpu');
});

async function on<T>(backend: string, fn: () => T): Promise<T> {
  await tf.setBackend(backend);
  return fn();
}

describe('wasm backend', () => {
  it.each([
    { kernels: 'own wasm kernels', own: true },
    { kernels: 'conv2d path', own: false },
  ])('conv3dSame and its gradients on wasm ($kernels) equal tf.conv3d on cpu', async ({ own }) => {
    const xs = Array.from({ length: 2 * 4 * 8 * 9 * 3 }, (_, i) => Math.sin(i * 0.7));
    const ks = Array.from({ length: 27 * 3 * 4 }, (_, i) => Math.cos(i * 1.3) * 0.2);
    const run = (fn: (x: tf.Tensor5D, k: tf.Tensor5D) => tf.Tensor) => {
      const x = tf.tensor5d(xs, [2, 4, 8, 9, 3]);
      const k = tf.tensor5d(ks, [3, 3, 3, 3, 4]);
      const [gx, gk] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(fn(a as tf.Tensor5D, b as tf.Tensor5D))),
      )([x, k]);
      return [fn(x, k), gx, gk].map((t) => Array.from((t as tf.Tensor).dataSync()));
    };
    setWasmConv3dEnabled(own);
    const wasm = await on('wasm', () => run((x, k) => conv3dSame(x, k, [1, 2, 2]))).finally(() =>
      setWasmConv3dEnabled(true),
    );
    const cpu = await on('cpu', () => run((x, k) => tf.conv3d(x, k, [1, 2, 2], 'same')));
    wasm.forEach((values, j) => {
      const ref = cpu[j] as number[];
      const scale = Math.max(...ref.map(Math.abs));
      values.forEach((v, i) => {
        expect(Math.abs(v - (ref[i] as number))).toBeLessThan(1e-4 * scale);
      });
    });
  });

  it('the model predicts the same on wasm as on cpu', async () => {
    const model = createDmDetNet3D({ widths: [4, 8], seed: 3 });
    const input = Array.from({ length: 3 * 12 * 10 }, (_, i) => (i % 7) / 7);
    const predict = () =>
      Array.from((model.predict(tf.tensor5d(input, [1, 3, 12, 10, 1])) as tf.Tensor).dataSync());
    const wasm = await on('wasm', predict);
    const cpu = await on('cpu', predict);
    wasm.forEach((v, i) => {
      expect(Math.abs(v - (cpu[i] as number))).toBeLessThan(1e-4);
    });
  });
});
