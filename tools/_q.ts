import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
async function time(name: string, f: () => tf.Tensor) { for (let i = 0; i < 3; i++) { const t = performance.now(); const r = f(); await r.data(); r.dispose(); if (i == 2) console.log(name, (performance.now() - t).toFixed(1), 'ms'); } }
const x5 = tf.randomNormal([4, 16, 64, 64, 8]);
await time('T5 [1,0,2,3,4]', () => tf.transpose(x5, [1, 0, 2, 3, 4]));
const x3 = tf.reshape(x5, [4, 16, 64 * 64 * 8]);
await time('T3 [1,0,2]', () => tf.transpose(x3, [1, 0, 2]));
const x2 = tf.reshape(x5, [4, 16 * 64 * 64 * 8]);
await time('slice-concat rows', () => tf.concat(Array.from({ length: 16 }, (_, z) => tf.reshape(tf.slice(x3, [0, z, 0], [4, 1, 32768]), [1, 4, 32768])), 0));
const x4 = tf.randomNormal([64, 66, 66, 8]);
await time('T4 [3,1,2,0]', () => tf.transpose(x4, [3, 1, 2, 0]));
await time('T2 [N, HWC]->[HWC,N] as 2D then..', () => tf.transpose(tf.reshape(x4, [64, 66 * 66 * 8]), [1, 0]));
const y4 = tf.randomNormal([64, 64, 64, 8]);
await time('T4 [1,2,0,3]', () => tf.transpose(y4, [1, 2, 0, 3]));
