/**
 * Where inference time goes: tf.profile of one prediction of the built-in model on a single-thread
 * wasm backend, kernel time grouped by kernel name.
 *   npx tsx --conditions=@dmdet/source tools/analysis/profile-inference.ts [z,y,x] [--conv2d]
 * `--conv2d`: @dmdet/model's own wasm convolution kernels off (the XNNPACK conv2d path).
 */

import { predictVolume, setWasmConv3dEnabled } from '@dmdet/model';
import { loadModel } from '@dmdet/pipeline/node';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { convolutionFlops, convolutionMs, kernelTimes, printKernelTable } from '../lib/kernel-profile';

const dims = (process.argv[2] ?? '10,256,256').split(',').map(Number) as [number, number, number];
await tf.setBackend('wasm');
setWasmConv3dEnabled(!process.argv.includes('--conv2d'));
const detector = await loadModel('default');
const n = dims[0] * dims[1] * dims[2];
const data = new Float32Array(n);
for (let i = 0; i < n; i++) data[i] = Math.random();
const volume = { data, shape: dims };
await predictVolume(detector.model, volume);
let t = performance.now();
await predictVolume(detector.model, volume);
const plainMs = performance.now() - t;
console.log(`predict ${dims.join('x')}: ${(plainMs / 1000).toFixed(2)} s`);
t = performance.now();
const info = await tf.profile(async () => {
  await predictVolume(detector.model, volume);
  return [];
});
console.log(`profiled: ${((performance.now() - t) / 1000).toFixed(2)} s`);
const by = kernelTimes(info);
const flops = convolutionFlops(info);
const convMs = convolutionMs(by);
console.log(
  `convolutions: ${(flops / 1e9).toFixed(1)} GFLOP (${(flops / n / 1e3).toFixed(1)} kFLOP/voxel), ${(flops / convMs / 1e6).toFixed(1)} GFLOP/s in the conv kernels, ${(flops / plainMs / 1e6).toFixed(1)} GFLOP/s over the whole prediction`,
);
printKernelTable(by);
