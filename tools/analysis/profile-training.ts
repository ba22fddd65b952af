/**
 * Where a training step's time goes: tf.profile of `batchGradients` (the step each worker runs) on a
 * single-thread wasm backend, kernel time grouped by kernel name, and the convolution FLOP rate.
 *   npx tsx --conditions=@dmdet/source tools/analysis/profile-training.ts [b,z,y,x]
 */
import { createLoss } from '@dmdet/losses';
import { batchGradients, createDmDetNet3D } from '@dmdet/model';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { convolutionFlops, convolutionMs, kernelTimes, printKernelTable } from '../lib/kernel-profile';

const dims = (process.argv[2] ?? '2,16,64,64').split(',').map(Number) as [number, number, number, number];
await tf.setBackend('wasm');
const model = createDmDetNet3D();
const x = tf.randomUniform([...dims, 1], 0, 1, 'float32', 1);
const y = tf.randomUniform([...dims, 1], 0, 1, 'float32', 2);
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
const loss = createLoss();
const step = () => {
  const { value, grads } = batchGradients(model, loss, x, y, vars);
  return [value, ...Object.values(grads)];
};
tf.dispose(step());
let t = performance.now();
tf.dispose(step());
const plainMs = performance.now() - t;
console.log(`training step ${dims.join('x')} (gradients only): ${(plainMs / 1000).toFixed(2)} s`);
t = performance.now();
const info = await tf.profile(step);
const by = kernelTimes(info);
const flops = convolutionFlops(info);
const convMs = convolutionMs(by);
const total = [...by.values()].reduce((s, e) => s + e.ms, 0);
console.log(
  `convolutions: ${(flops / 1e9).toFixed(2)} GFLOP, ${(flops / convMs / 1e6).toFixed(1)} GFLOP/s in the conv kernels, ${(flops / plainMs / 1e6).toFixed(1)} GFLOP/s over the step; kernels ${total.toFixed(0)} ms of ${plainMs.toFixed(0)} ms`,
);
// The convolutions by kind: a filter gradient's conv2d has the output gradient as its "filter"
// (spatially as large as the image), forward and input-gradient ones the 3×3 kernel planes.
const kinds = new Map<string, { ms: number; flops: number }>();
for (const k of info.kernels) {
  if (k.name !== 'Conv2D' && k.name !== 'FusedConv2D') continue;
  const f = k.inputShapes[1] as number[];
  const out = (k.outputShapes[0] as number[]).reduce((a, b) => a * b, 1);
  const kind = (f[0] as number) > 5 ? 'filter-gradient conv2ds' : 'forward and input-gradient conv2ds';
  const e = kinds.get(kind) ?? { ms: 0, flops: 0 };
  e.ms += Number(k.kernelTimeMs);
  e.flops += 2 * out * (f[0] as number) * (f[1] as number) * (f[2] as number);
  kinds.set(kind, e);
}
for (const [kind, e] of kinds)
  console.log(`${kind}: ${e.ms.toFixed(0)} ms, ${(e.flops / e.ms / 1e6).toFixed(1)} GFLOP/s`);
printKernelTable(by, 15);
