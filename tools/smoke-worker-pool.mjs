// Smoke test of the built packages: the worker pool loads dist/worker.js (ESM and CJS entries).
// Run after `npm run build`: node tools/smoke-worker-pool.mjs
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { createDmDetNet3D, predictVolume } from '@dmdet/model';
import { ModelWorkerPool } from '@dmdet/model/node';

const require = createRequire(import.meta.url);
const cjs = require('@dmdet/model/node');

await tf.setBackend('cpu');
const model = createDmDetNet3D({ widths: [4, 8], strides: [[1, 2, 2]], blocksPerLevel: 1, seed: 1 });
const volume = { data: Float32Array.from({ length: 4 * 16 * 16 }, (_, i) => Math.sin(i)), shape: [4, 16, 16] };
const ref = await predictVolume(model, volume);
for (const [name, Pool] of [
  ['esm', ModelWorkerPool],
  ['cjs', cjs.ModelWorkerPool],
]) {
  const pool = await Pool.create(model, { workers: 2, backend: 'cpu' });
  try {
    const out = await pool.predict(volume);
    let diff = 0;
    for (let i = 0; i < out.data.length; i++) diff = Math.max(diff, Math.abs(out.data[i] - ref.data[i]));
    if (!(diff < 1e-4)) throw new Error(`${name}: worker prediction differs by ${diff}`);
    console.log(`${name}: worker pool from dist ok (max diff ${diff.toExponential(1)})`);
  } finally {
    await pool.close();
  }
}
