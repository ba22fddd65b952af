import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { createDmDetNet3D, type HourglassConfig, MODEL_PACKAGE_VERSION, resolveConfig } from '@dmdet/model';
import type { DetectorModel } from '../src/index';

/** Tests run on the pure-JS cpu backend, on tiny volumes. */
export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
}

export const TINY: HourglassConfig = { widths: [4, 8], strides: [[1, 2, 2]], blocksPerLevel: 1, seed: 5 };

/** A small untrained detector with dmdet metadata. */
export function tinyDetector(threshold = 0.5): DetectorModel {
  return {
    model: createDmDetNet3D(TINY),
    metadata: {
      format: 'dmdet-model',
      formatVersion: 1,
      architecture: 'dm-detnet3d',
      config: resolveConfig(TINY),
      normalization: { low: 1, high: 99.8 },
      threshold,
      packageVersion: MODEL_PACKAGE_VERSION,
    },
  };
}

/** The detector predicting one map per volume (no test-time flips): for tests of other things, 4× faster with the default model. */
export const oneMap = (m: DetectorModel): DetectorModel => ({ ...m, metadata: { ...m.metadata, flips: 1 } });
