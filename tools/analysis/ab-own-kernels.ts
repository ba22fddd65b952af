/**
 * @dmdet/model's own wasm convolution kernels against its XNNPACK conv2d path, in one process on one
 * thread, alternated three times: a training step's gradients on 2×16×64×64 (one worker's half of the
 * 4×16×64×64 step) or one prediction of 10×512×512 (default model, random weights and input).
 *   npx tsx --conditions=@dmdet/source tools/analysis/ab-own-kernels.ts [train|infer]
 */
import { createDmDetNet3D, setWasmConv3dEnabled } from '@dmdet/model';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { randomTrainingStep } from '../lib/random-step';

await tf.setBackend('wasm');
const model = createDmDetNet3D();
const gradients = randomTrainingStep(model, [2, 16, 64, 64]);
const step = () => tf.dispose(gradients());
const big = tf.randomUniform([1, 10, 512, 512, 1], 0, 1, 'float32', 3);
const infer = () => {
  const m = model.predict(big) as tf.Tensor;
  m.dataSync();
  m.dispose();
};
const what = process.argv[2] ?? 'train';
const fn = what === 'train' ? step : infer;
for (const on of [true, false]) {
  setWasmConv3dEnabled(on);
  fn();
}
const times: Record<string, number[]> = { own: [], conv2d: [] };
for (let r = 0; r < 3; r++)
  for (const on of [true, false]) {
    setWasmConv3dEnabled(on);
    const t = performance.now();
    fn();
    times[on ? 'own' : 'conv2d']!.push((performance.now() - t) / 1000);
  }
console.log(
  what,
  JSON.stringify(times),
  'median own/conv2d',
  (times.own!.sort((a, b) => a - b)[1]! / times.conv2d!.sort((a, b) => a - b)[1]!).toFixed(3),
);
