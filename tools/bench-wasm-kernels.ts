/**
 * `npm run bench:wasm-kernels`: the per-channel and slicing formulations @dmdet/model uses on the
 * wasm backend, each against the plain tfjs op it replaces (the baseline), same input, same run,
 * median of 9 after a warm-up, on a 4×16×64×64×8 activation (2 M values, a training step's size).
 */
import { channelAffine, channelMeans, sumToChannels } from '@dmdet/model';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { flatRange } from '../packages/model/src/flat-range';

await tf.setBackend('wasm');
const shape: [number, number, number, number, number] = [4, 16, 64, 64, 8];
const x = tf.randomNormal(shape, 0.5, 1, 'float32', 1);

/** Median time of `f` on a new input each call (made before the clock starts), as in a network: no operand is reused, so nothing cached (XNNPACK's packed matMul operands) helps. */
async function median(f: (input: tf.Tensor) => tf.Tensor): Promise<number> {
  const once = async () => {
    const input = tf.relu(x);
    await input.data();
    const t = performance.now();
    const r = tf.tidy(() => f(input));
    await r.data();
    const ms = performance.now() - t;
    tf.dispose([r, input]);
    return ms;
  };
  await once();
  const runs: number[] = [];
  for (let i = 0; i < 9; i++) runs.push(await once());
  return runs.sort((a, b) => a - b)[4] as number;
}

const cases: [string, string, (v: tf.Tensor) => tf.Tensor, string, (v: tf.Tensor) => tf.Tensor][] = [
  [
    'per-sample channel means',
    'tf.moments(x, [1, 2, 3]).mean',
    (v) => tf.moments(v, [1, 2, 3]).mean,
    'channelMeans (average pools)',
    (v) => channelMeans(v),
  ],
  [
    'per-channel sum (bias gradient)',
    'matMul(ones, x as [V, C])',
    (v) => tf.matMul(tf.ones([1, x.size / 8]), tf.reshape(v, [-1, 8])),
    'sumToChannels',
    (v) => sumToChannels(v),
  ],
  [
    'x·scale + shift, one sample',
    'mul + add, [C] broadcast',
    (v) => tf.add(tf.mul(tf.reshape(v, [-1, 8]), tf.linspace(0.5, 1.5, 8)), tf.linspace(-1, 1, 8)),
    'channelAffine (fused matMul)',
    (v) => channelAffine(v, tf.linspace(0.5, 1.5, 8), tf.linspace(-1, 1, 8)),
  ],
  [
    'contiguous slice of 15/16',
    'tf.slice',
    (v) => tf.slice(tf.reshape(v, [16, -1]), [1, 0], [15, -1]),
    'flatRange (one memmove)',
    (v) => flatRange(v, x.size / 16, (x.size * 15) / 16),
  ],
];
console.log(`wasm, input ${shape.join('×')} (a new one each call), median of 9 (ms)\n`);
console.log(
  'job                               baseline                         ms   ours                            ms   baseline / ours',
);
for (const [job, baseName, baseF, ourName, ourF] of cases) {
  const b = await median(baseF);
  const o = await median(ourF);
  console.log(
    `${job.padEnd(33)} ${baseName.padEnd(30)} ${b.toFixed(2).padStart(6)}   ${ourName.padEnd(30)} ${o.toFixed(2).padStart(6)}   ${(b / o).toFixed(1).padStart(8)}`,
  );
}
