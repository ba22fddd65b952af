import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { createLoss } from '@dmdet/losses';
import { amsgrad, createDmDetNet3D } from '@dmdet/model';

const shape = JSON.parse(process.argv[2] ?? '[1,8,64,64]');
await tf.setBackend('wasm');
const model = createDmDetNet3D();
const opt = amsgrad();
const loss = createLoss();
const x = tf.randomUniform([...shape, 1]);
const y = tf.randomUniform([...shape, 1]);
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
opt.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, false, vars);
const t = performance.now();
const info = await tf.profile(() => {
  opt.minimize(() => loss(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, false, vars);
});
console.log('total', (performance.now() - t).toFixed(0));
const agg = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  const a = agg.get(k.name) ?? { ms: 0, n: 0 };
  a.ms += ms;
  a.n++;
  agg.set(k.name, a);
}
console.log(
  [...agg.entries()]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, 15)
    .map(([k, v]) => `${k} ${v.ms.toFixed(0)}ms x${v.n}`)
    .join('\n'),
);
