/**
 * `@dmdet/simulate`: 3D fluorescence volumes with known particle positions, as the Particle
 * Tracking Challenge's virus scenario (seeded, Poisson noise), the SNR × density grid, and a seeded
 * train / validation / test split. Browser-safe; `@dmdet/simulate/node` writes datasets to disk.
 *
 * @packageDocumentation
 */
export { type GridSample, gridPlan, type SimulateGridOptions, simulateGrid } from './dataset';
export { SimulateError, type SimulateErrorCode } from './errors';
export { poisson } from './poisson';
export type { ClusterOptions } from './positions';
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
