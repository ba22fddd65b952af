/**
 * Peak resident memory and time of one prediction of the built-in model on a single-thread wasm
 * backend (run it in a fresh process per measurement: the wasm heap never shrinks).
 *   npx tsx --conditions=@dmdet/source tools/analysis/memory-inference.ts [z,y,x] [--conv2d]
 * `--conv2d`: @dmdet/model's own wasm convolution kernels off (the XNNPACK conv2d path).
 */
import { predictVolume, setWasmConv3dEnabled } from '@dmdet/model';
import { loadModel } from '@dmdet/pipeline/node';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

const dims = (process.argv[2] ?? '10,512,512').split(',').map(Number) as [number, number, number];
await tf.setBackend('wasm');
setWasmConv3dEnabled(!process.argv.includes('--conv2d'));
const detector = await loadModel('default');
const n = dims[0] * dims[1] * dims[2];
const data = new Float32Array(n);
for (let i = 0; i < n; i++) data[i] = ((i * 2654435761) % 1000) / 1000;
const before = process.resourceUsage().maxRSS / 1024;
const t = performance.now();
const out = await predictVolume(detector.model, { data, shape: dims });
const seconds = (performance.now() - t) / 1000;
let sum = 0;
for (let i = 0; i < out.data.length; i += 997) sum += out.data[i] as number;
console.log(
  JSON.stringify({
    dims,
    seconds: Number(seconds.toFixed(2)),
    peakMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    beforeMiB: Math.round(before),
    perVoxelBytes: Math.round(((process.resourceUsage().maxRSS / 1024 - before) * 2 ** 20) / n),
    checksum: Number(sum.toFixed(4)),
  }),
);
