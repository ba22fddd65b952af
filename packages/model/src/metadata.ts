import pkg from '../package.json' with { type: 'json' };
import type { Architecture, ResolvedHourglassConfig } from './architecture';

/** The version of `@dmdet/model` that wrote a model. */
export const MODEL_PACKAGE_VERSION: string = pkg.version;

/** What a dmdet model carries besides its weights (in tfjs `userDefinedMetadata.dmdet`). */
export interface ModelMetadata {
  format: 'dmdet-model';
  formatVersion: 1;
  architecture: Architecture;
  config: ResolvedHourglassConfig;
  /** How training targets were made: density maps with these sigmas (voxels), or binary targets. */
  target?: { kind: 'density'; sigmaXY: number; sigmaZ: number } | { kind: 'binary'; radius: number };
  /** Input normalisation: percentiles mapped to 0 and 1. */
  normalization?: { low: number; high: number };
  /** Detection threshold on the predicted map, chosen on validation data. */
  threshold?: number;
  /** Voxel size (µm) of the training data, if known. */
  voxelSize?: [number, number, number];
  /** Training settings and results worth keeping (epochs, losses, seed, …). */
  training?: Record<string, unknown>;
  /** `@dmdet/model` version that saved it. */
  packageVersion: string;
}
