/**
 * Where a training step's time goes: tf.profile of `batchGradients` (the step each worker runs) on a
 * single-thread wasm backend, kernel time grouped by kernel name, and the convolution FLOP rate.
 *   npx tsx --conditions=@dmdet/source tools/analysis/profile-training.ts [b,z,y,x] [--conv2d]
 */
import { createDmDetNet3D, setWasmConv3dEnabled } from '@dmdet/model';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {
  convolutionFlops,
  convolutionMs,
  convolutionsByKernel,
  kernelTimes,
  printKernelTable,
} from '../lib/kernel-profile';
import { randomTrainingStep } from '../lib/random-step';

const dims = (process.argv[2] ?? '2,16,64,64').split(',').map(Number) as [number, number, number, number];
// `--conv2d`: @dmdet/model's own wasm convolution kernels off (the XNNPACK conv2d path).
setWasmConv3dEnabled(!process.argv.includes('--conv2d'));
await tf.setBackend('wasm');
const model = createDmDetNet3D();
const step = randomTrainingStep(model, dims);
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
  `convolutions: ${(flops / 1e9).toFixed(2)} GFLOP, ${(flops / convMs / 1e6).toFixed(1)} GFLOP/s in the conv kernels, ${(flops / plainMs / 1e6).toFixed(1)} GFLOP/s over the step; kernels ${total.toFixed(0)} ms of ${plainMs.toFixed(0)} ms in ${[...by.values()].reduce((n, e) => n + e.n, 0)} calls`,
);
// The convolutions by kernel; the conv2d path's filter-gradient conv2ds (the output gradient as
// their "filter", spatially as large as the image) apart from its forward and input-gradient ones.
const kinds = convolutionsByKernel(info);
for (const k of info.kernels) {
  if (k.name !== 'Conv2D' || ((k.inputShapes[1] as number[])[0] as number) <= 5) continue;
  const conv = kinds.get('Conv2D') as { ms: number; flops: number };
  const f = k.inputShapes[1] as number[];
  const flops = 2 * (k.outputShapes[0] as number[]).reduce((a, b) => a * b, 1) * f[0]! * f[1]! * f[2]!;
  const e = kinds.get('Conv2D (filter gradients)') ?? { ms: 0, flops: 0 };
  e.ms += Number(k.kernelTimeMs);
  e.flops += flops;
  conv.ms -= Number(k.kernelTimeMs);
  conv.flops -= flops;
  kinds.set('Conv2D (filter gradients)', e);
}
for (const [kind, e] of kinds)
  if (e.ms > 0) console.log(`${kind}: ${e.ms.toFixed(0)} ms, ${(e.flops / e.ms / 1e6).toFixed(1)} GFLOP/s`);
printKernelTable(by, 15);
