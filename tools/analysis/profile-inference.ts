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
console.log(`predict ${dims.join('x')}: ${((performance.now() - t) / 1000).toFixed(2)} s`);
t = performance.now();
const info = await tf.profile(() => predictVolume(detector.model, volume));
console.log(`profiled: ${((performance.now() - t) / 1000).toFixed(2)} s`);
const by = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) {
  const e = by.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += Number(k.kernelTimeMs);
  e.n++;
  by.set(k.name, e);
}
const total = [...by.values()].reduce((s, e) => s + e.ms, 0);
for (const [name, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms))
  console.log(
    `${name.padEnd(20)} ${e.n.toString().padStart(4)} ${e.ms.toFixed(0).padStart(7)} ms ${((100 * e.ms) / total).toFixed(1)} %`,
  );
