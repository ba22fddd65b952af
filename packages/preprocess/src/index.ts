/**
 * `@dmdet/preprocess`: what happens to a volume before a detection network sees it. Input
 * transforms a model's metadata names (percentiles, noise, a bright-spot reference, local background
 * and noise), spot-size estimation, and anisotropic resampling to a model's spot scale with the
 * exact inverse map for positions. Training and detection call the same functions. Plain typed
 * arrays; no tfjs.
 *
 * @packageDocumentation
 */
export {
  BRIGHT_MAXIMA_DEFAULTS,
  type BrightMaximaOptions,
  brightIsolatedMaxima,
  spotPeaks,
  typicalSpotPeak,
} from './bright-maxima';
export { PreprocessError, type PreprocessErrorCode } from './errors';
export {
  BACKGROUND_DEFAULTS,
  type BackgroundNormalizationOptions,
  type InputNormalization,
} from './input-normalization';
export {
  fillMissingInput,
  type MissingVoxels,
  type MissingVoxelsOptions,
  missingVoxels,
  withMissing,
} from './missing-voxels';
export {
  type BackgroundInput,
  type BackgroundNoiseMaps,
  backgroundInput,
  backgroundNoiseMaps,
  drawBelowClip,
  normalizeBackground,
} from './normalize-background';
export { DEFAULT_NORMALIZATION, normalizeInput } from './normalize-input';
export { PIXEL_PATTERN_MIN_SLICES, type PixelPattern, pixelPattern } from './pixel-pattern';
export {
  fromResampled,
  isIdentity,
  type Resampling,
  resampleVolume,
  resamplingFor,
  toResampled,
  type VoxelPoint,
} from './resample';
export { SPOTS_DEFAULTS, spotReference } from './spot-reference';
export { type SpotScale, spotScaleFactors } from './spot-scale';
export {
  type EstimateSpotSizeOptions,
  estimateSpotSize,
  type SpotSize,
  type SpotSizeEstimate,
} from './spot-size';
