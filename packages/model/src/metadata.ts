import pkg from '../package.json' with { type: 'json' };
import type { Architecture, ResolvedHourglassConfig } from './architecture';

/** The version of `@dmdet/model` that wrote a model. */
export const MODEL_PACKAGE_VERSION: string = pkg.version;

/**
 * How a model's input volumes are normalised: percentiles mapped to 0 and 1 (`method` absent or
 * `'percentile'`), or `'noise'`: the background median subtracted and the result divided by the
 * robust noise σ (1.4826 × the median absolute deviation), so that the input is in units of noise
 * whatever the volume's particle count; or `'spots'`: the background median to 0 and the typical
 * peak of the volume's bright spots to 1 (the median of the local maxima of the volume smoothed by a
 * Gaussian of `sigma` voxels that stand `cut` noise σ above its median; `@dmdet/pipeline`'s
 * `normalizeInput`), a brightness reference that does not move with the particle count.
 */
export type InputNormalization =
  | { method?: 'percentile'; low: number; high: number }
  | { method: 'noise' }
  | {
      method: 'spots';
      /** Gaussian sigma of the smoothing, voxels (every axis). Default 1. */
      sigma?: number;
      /** Least height of a spot, in noise σ of the smoothed volume above its median. Default 7. */
      cut?: number;
    };

/** What a dmdet model carries besides its weights (in tfjs `userDefinedMetadata.dmdet`). */
export interface ModelMetadata {
  format: 'dmdet-model';
  formatVersion: 1;
  architecture: Architecture;
  config: ResolvedHourglassConfig;
  /** How training targets were made: density maps with these sigmas (voxels), or binary targets. */
  target?: { kind: 'density'; sigmaXY: number; sigmaZ: number } | { kind: 'binary'; radius: number };
  /** Input normalisation (absent: percentiles 1 and 99.8 mapped to 0 and 1). */
  normalization?: InputNormalization;
  /** Detection threshold on the predicted map, chosen on validation data. */
  threshold?: number;
  /** Voxel size (µm) of the training data, if known. */
  voxelSize?: [number, number, number];
  /** Training settings and results worth keeping (epochs, losses, seed, …). */
  training?: Record<string, unknown>;
  /** `@dmdet/model` version that saved it. */
  packageVersion: string;
}
