import { loadModel } from '@dmdet/pipeline/node';
import { predictVolume } from '@dmdet/model';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const detector = await loadModel('default');
for (const dims of (process.argv[2] ?? '10,128,128;10,256,256;10,512,512;32,256,256').split(';').map((s) => s.split(',').map(Number) as [number, number, number])) {
  const n = dims[0] * dims[1] * dims[2];
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.random();
  const volume = { data, shape: dims };
  await predictVolume(detector.model, volume);
  const r: number[] = [];
  for (let k = 0; k < 2; k++) {
    const t = performance.now();
    await predictVolume(detector.model, volume);
    r.push(performance.now() - t);
  }
  const ms = Math.min(...r);
  console.log(`${dims.join('x')}: ${(ms / 1000).toFixed(2)} s, ${((ms * 1e6) / n).toFixed(0)} ns/voxel, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}
