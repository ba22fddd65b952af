/**
 * What XNNPACK's operator set-up costs in a filter-gradient conv2d on tfjs-wasm (the form
 * `conv3dSame` computes a filter gradient in: the channels as the batch, the output gradient as a
 * filter as large as the image). The wasm backend caches a convolution operator per filter tensor;
 * in training the filter (the output gradient) is new every step, so every step packs it again.
 * Times per call, for the model's three resolutions (2 samples × 16 slices = 32 planes): the conv2d
 * with its operator cached, with a new filter each call (packing included; the copy that makes the
 * new filter timed apart and subtracted), the two transposes around it, and the layer's forward
 * conv2d for comparison.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/filter-grad-packing.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

await tf.setBackend('wasm');
const N = 32;
const time = (fn: () => tf.Tensor, reps = 5) => {
  tf.dispose(fn());
  const t = performance.now();
  for (let i = 0; i < reps; i++) tf.dispose(fn());
  return (performance.now() - t) / reps;
};
for (const [C, O, H] of [
  [8, 8, 64],
  [16, 16, 32],
  [24, 24, 16],
] as const) {
  const xp = tf.randomNormal([N, H + 2, H + 2, C]) as tf.Tensor4D;
  const dy = tf.randomNormal([N, H, H, O]) as tf.Tensor4D;
  const input = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D;
  const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
  const flops = 2 * C * O * 9 * H * H * N;
  const cached = time(() => tf.conv2d(input, filter, 1, 'valid'));
  const copy = time(() => tf.add(filter, 0));
  const fresh =
    time(() => tf.tidy(() => tf.conv2d(input, tf.add(filter, 0) as tf.Tensor4D, 1, 'valid'))) - copy;
  const transposes = time(() => tf.transpose(xp, [3, 1, 2, 0])) + time(() => tf.transpose(dy, [1, 2, 0, 3]));
  const x = tf.randomNormal([N, H, H, C]) as tf.Tensor4D;
  const k = tf.randomNormal([3, 3, C, O]) as tf.Tensor4D;
  const forward = time(() => tf.conv2d(x, k, 1, 'same'));
  const rate = (ms: number) => (flops / ms / 1e6).toFixed(1);
  console.log(
    `C ${C} → O ${O}, ${H}×${H}: filter gradient ${cached.toFixed(1)} ms with its operator cached (${rate(cached)} GFLOP/s), ${fresh.toFixed(1)} ms with a new filter (${rate(fresh)} GFLOP/s; set-up ${(fresh - cached).toFixed(1)} ms), transposes ${transposes.toFixed(1)} ms; forward ${forward.toFixed(1)} ms (${rate(forward)} GFLOP/s)`,
  );
  tf.dispose([xp, dy, input, filter, x, k]);
}
