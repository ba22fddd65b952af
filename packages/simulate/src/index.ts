/**
 * `@dmdet/simulate`: 3D fluorescence volumes with known particle positions, as the Particle
 * Tracking Challenge's virus scenario (seeded, Poisson noise) and the SNR × density grid; the
 * `general` family (randomised cameras, backgrounds, PSFs and spots, local SNR); and a seeded
 * train / validation / test split. Browser-safe; `@dmdet/simulate/node` writes datasets to disk.
 *
 * @packageDocumentation
 */

export { applyCamera, patternReadNoise } from './camera';
export {
  type GeneralGridOptions,
  type GeneralGridSample,
  type GeneralPlanEntry,
  type GridSample,
  generalPlan,
  gridPlan,
  type SimulateGridOptions,
  simulateGeneralGrid,
  simulateGrid,
} from './dataset';
export { SimulateError, type SimulateErrorCode } from './errors';
export {
  amplitudeForLocalSnr,
  type GeneralExpectation,
  type GeneralPoint,
  type GeneralVolume,
  localSnr,
  renderGeneral,
  simulateGeneral,
} from './general';
export {
  type DeepPartial,
  GENERAL_CAMERA_PATTERN_RANGES,
  GENERAL_CENTRE,
  GENERAL_EFFECT_RANGES,
  GENERAL_MAX_SPOTS,
  GENERAL_RANGES,
  type GeneralBackground,
  type GeneralBlobs,
  type GeneralCamera,
  type GeneralCameraPattern,
  type GeneralCameraPatternName,
  type GeneralCells,
  type GeneralEffectName,
  type GeneralOverrides,
  type GeneralParams,
  type GeneralPsf,
  type GeneralRange,
  type GeneralRangeName,
  type GeneralSpots,
  mergeGeneralParams,
  type SampleGeneralOptions,
  sampleGeneralParams,
  validateGeneralParams,
} from './general-params';
export { generalPsfValue } from './general-psf';
export { poisson } from './poisson';
export type { ClusterOptions, PairOptions, RegionOptions } from './positions';
export { type PsfMode, renderSpots, type Spot } from './psf';
export { deriveSeed, Random } from './random';
export {
  countForDensity,
  type DensityLevel,
  PTC_DENSITY_COUNTS,
  PTC_SHAPE,
  PTC_SNRS,
  peakIntensity,
} from './scenario';
export {
  SIMULATE_DEFAULTS,
  type SimulatedParticle,
  type SimulatedVolume,
  type SimulateVolumeOptions,
  simulateVolume,
} from './simulate-volume';
export { type Split, type SplitOptions, splitSamples } from './split';
