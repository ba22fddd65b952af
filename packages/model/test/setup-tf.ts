import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';

/** Tests run on the pure-JS cpu backend (installs from npm alone), on tiny volumes. */
export async function useCpu(): Promise<typeof tf> {
  await tf.setBackend('cpu');
  return tf;
}
