/**
 * Where inference time goes: tf.profile of one prediction of the built-in model on a single-thread
 * wasm backend, kernel time grouped by kernel name.
 *   npx tsx --conditions=@dmdet/source tools/analysis/profile-inference.ts [z,y,x]
 */

import { predictVolume } from '@dmdet/model';
import { loadModel } from '@dmdet/pipeline/node';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

const dims = (process.argv[2] ?? '10,256,256').split(',').map(Number) as [number, number, number];
await tf.setBackend('wasm');
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
const by = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) {
  const e = by.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += Number(k.kernelTimeMs);
  e.n++;
  by.set(k.name, e);
}
// Convolution FLOPs from the kernels' shapes: 2 × output values × kh × kw × input channels.
let flops = 0;
for (const k of info.kernels) {
  if (k.name !== 'Conv2D' && k.name !== 'FusedConv2D') continue;
  const filter = k.inputShapes[1] as number[];
  const out = k.outputShapes[0] as number[];
  flops +=
    2 *
    out.reduce((a, b) => a * b, 1) *
    (filter[0] as number) *
    (filter[1] as number) *
    (filter[2] as number);
}
const convMs = ['Conv2D', 'FusedConv2D'].reduce((s, k) => s + (by.get(k)?.ms ?? 0), 0);
console.log(
  `convolutions: ${(flops / 1e9).toFixed(1)} GFLOP (${(flops / n / 1e3).toFixed(1)} kFLOP/voxel), ${(flops / convMs / 1e6).toFixed(1)} GFLOP/s in the conv kernels, ${(flops / plainMs / 1e6).toFixed(1)} GFLOP/s over the whole prediction`,
);
for (const name of ['unnamed scope', 'fusedConv2d__op', 'fusedMatMul__op']) by.delete(name);
const total = [...by.values()].reduce((s, e) => s + e.ms, 0);
for (const [name, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms))
  console.log(
    `${name.padEnd(20)} ${e.n.toString().padStart(4)} ${e.ms.toFixed(0).padStart(7)} ms ${((100 * e.ms) / total).toFixed(1)} %`,
  );
