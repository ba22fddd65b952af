import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { createLoss } from '@dmdet/losses';
import { amsgrad, createDmDetNet3D } from '@dmdet/model';

const backend = process.argv[2] ?? 'wasm';
const conv = (process.argv[3] ?? 'conv2d') as 'conv2d' | 'native';
const shape = JSON.parse(process.argv[4] ?? '[4,16,64,64]');
await tf.setBackend(backend);
const model = createDmDetNet3D({ convolution: conv });
const opt = amsgrad();
const loss = createLoss();
const x = tf.randomUniform([...shape, 1]);
const y = tf.randomUniform([...shape, 1]);
const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const c = opt.minimize(
    () => loss(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    true,
    vars,
  );
  await c!.data();
  c!.dispose();
  console.log(
    backend,
    conv,
    shape.join('x'),
    'step',
    ((performance.now() - t) / 1000).toFixed(2),
    's',
    tf.memory().numTensors,
  );
}
