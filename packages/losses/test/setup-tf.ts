import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// In Node, tfjs-core's op gradients are registered by loading tfjs-layers (or @tensorflow/tfjs),
// as in any real training setup; @dmdet/losses itself depends on tfjs-core only.
import '@tensorflow/tfjs-layers';

/** Tests run on the pure-JS cpu backend (installs from npm alone). */
export async function useCpu(): Promise<typeof tf> {
  await tf.setBackend('cpu');
  return tf;
}
