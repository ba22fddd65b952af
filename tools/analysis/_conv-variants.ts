import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const time = async (f: () => tf.Tensor, n = 3) => {
  const r: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t = performance.now();
    const y = f();
    await y.data();
    y.dispose();
    if (i) r.push(performance.now() - t);
  }
  r.sort((a, b) => a - b);
  return r[Math.floor(r.length / 2)] as number;
};
for (const [D, H, W, C, O] of [
  [10, 512, 512, 8, 8],
  [10, 256, 256, 16, 16],
  [10, 128, 128, 24, 24],
  [16, 64, 64, 8, 8],
] as const) {
  const x = tf.randomNormal([D, H, W, C]);
  const x3 = tf.randomNormal([D, H, W, 3 * C]);
  const k = tf.randomNormal([3, 3, C, O]);
  const k3 = tf.randomNormal([3, 3, 3 * C, O]);
  const kw = tf.randomNormal([3, 3, C, 3 * O]);
  const b = tf.randomNormal([O]);
  const three = await time(() =>
    tf.tidy(() => tf.relu(tf.addN([tf.fused.conv2d({ x, filter: k, pad: 'same', strides: 1, bias: b }), tf.conv2d(x, k, 1, 'same'), tf.conv2d(x, k, 1, 'same')]))),
  );
  const one = await time(() => tf.fused.conv2d({ x, filter: k, pad: 'same', strides: 1 }));
  const stacked = await time(() => tf.fused.conv2d({ x: x3, filter: k3, pad: 'same', strides: 1, bias: b, activation: 'relu' }));
  const wide = await time(() => tf.conv2d(x, kw, 1, 'same'));
  const concat = await time(() => tf.concat([x, x, x], 3));
  const gflop = (2 * D * H * W * 9 * C * O * 3) / 1e9;
  console.log(
    `${D}x${H}x${W} ${C}->${O}: 3 conv2d+addN+relu ${three.toFixed(0)} ms (${(gflop / three * 1e3).toFixed(1)} GFLOP/s), one plane ${one.toFixed(0)}, stacked K=${27 * C} ${stacked.toFixed(0)} ms (${(gflop / stacked * 1e3).toFixed(1)}), wide 3O ${wide.toFixed(0)} ms, concat3 ${concat.toFixed(0)} ms`,
  );
  tf.dispose([x, x3, k, k3, kw, b]);
}
