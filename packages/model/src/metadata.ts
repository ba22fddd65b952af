import type { AxialGhostRule, ThresholdRule } from '@dmdet/postprocess';
import type { InputNormalization } from '@dmdet/preprocess';
import pkg from '../package.json' with { type: 'json' };
import type { Architecture, ResolvedHourglassConfig } from './architecture';
import type { BrightPass } from './bright-pass';
import type { TestTimeFlips } from './flip-average';

/** The version of `@dmdet/model` that wrote a model. */
export const MODEL_PACKAGE_VERSION: string = pkg.version;

/**
 * A threshold that follows each volume's signal: defined in `@dmdet/postprocess` (where
 * `volumeSignal` and `thresholdForSignal` apply it), re-exported here because it is part of a model's metadata.
 */
/**
 * Which detections detection drops as axial ghosts (an axial tail taken for a second spot): defined
 * in `@dmdet/postprocess` (where `findAxialGhosts` applies it), re-exported here because it is part
 * of a model's metadata.
 */
export type { AxialGhostRule, ThresholdRule } from '@dmdet/postprocess';
/**
 * How a model's input volumes are normalised: defined in `@dmdet/preprocess` (where
 * `normalizeInput` applies it), re-exported here because it is part of a model's metadata.
 */
export type { InputNormalization } from '@dmdet/preprocess';

/** What a dmdet model carries besides its weights (in tfjs `userDefinedMetadata.dmdet`). */
export interface ModelMetadata {
  format: 'dmdet-model';
  formatVersion: 1;
  architecture: Architecture;
  config: ResolvedHourglassConfig;
  /**
   * How training targets were made: density maps with these sigmas (voxels), each spot's Gaussian
   * scaled to peak at exactly 1 where `peakNormalize` is true; or binary targets.
   */
  target?:
    | { kind: 'density'; sigmaXY: number; sigmaZ: number; peakNormalize?: boolean }
    | { kind: 'binary'; radius: number };
  /** Input normalisation (absent: percentiles 1 and 99.8 mapped to 0 and 1). */
  normalization?: InputNormalization;
  /**
   * The spot size (Gaussian σ of a spot, voxels) of the data the model was trained at. Where it is
   * given, detection resamples a volume whose spots are another size to it (`@dmdet/preprocess`'s
   * `spotScaleFactors` and `resampleVolume`) and maps positions back; absent, volumes are used as they are.
   * `maxZoom` limits how far a volume of smaller spots is enlarged toward it (`xy`, `z`: the largest
   * zoom on that axis; `voxels`: the largest product of the enlarging factors; `@dmdet/preprocess`'s
   * `SpotScale`): a model may find spots a little below its scale better than in a volume whose
   * enlargement has made every noise voxel spot-sized. Absent: all the way.
   */
  spotScale?: { xy: number; z: number; maxZoom?: { xy?: number; z?: number; voxels?: number } };
  /** The spot sizes (σ, voxels, before resampling) of the training data: outside them, detection warns. */
  spotRange?: { xy: [number, number]; z: [number, number] };
  /** Detection threshold on the predicted map, chosen on validation data. */
  threshold?: number;
  /**
   * A threshold that follows each volume's signal, fitted on validation data: where a volume has
   * enough confident maxima, detection uses it instead of `threshold` (which stays the fallback).
   */
  thresholdRule?: ThresholdRule;
  /**
   * Detections this model tends to make on an axial tail, dropped by detection (positions at the
   * model's spot scale; contrasts in the original volume). Absent: none dropped.
   */
  axialGhosts?: AxialGhostRule;
  /**
   * A second detection pass at a higher input knee for volumes of very bright spots, its detections
   * added where far from the first pass's ({@link BrightPass}). Absent: one pass.
   */
  brightPass?: BrightPass;
  /**
   * In-plane symmetries of the input whose maps detection averages (test-time augmentation,
   * {@link TestTimeFlips}); the threshold and threshold rule were chosen on maps made so. Absent: 1.
   */
  flips?: TestTimeFlips;
  /**
   * The context (voxels per side, `[z, y, x]`) a tile needs for its map to match one whole pass
   * within `tolerance` (largest |Δmap|), measured on volumes like the training data (`measureContext`
   * of `@dmdet/pipeline`); at most the receptive radius. Absent: tiles carry the full receptive radius.
   */
  context?: { radius: [number, number, number]; tolerance: number };
  /** Voxel size (µm) of the training data, if known. */
  voxelSize?: [number, number, number];
  /** Training settings and results worth keeping (epochs, losses, seed, …). */
  training?: Record<string, unknown>;
  /** `@dmdet/model` version that saved it. */
  packageVersion: string;
}
