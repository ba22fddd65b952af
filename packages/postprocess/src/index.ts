/**
 * `@dmdet/postprocess`: from a density map (or any 3D image) to particle positions. 3D local maxima
 * with sub-voxel refinement and optional Gaussian fits, tiled prediction, and the SEF3D baseline
 * detector. Plain typed arrays; no tfjs.
 *
 * @packageDocumentation
 */
export {
  AXIAL_GHOST_DEFAULTS,
  type AxialGhostRule,
  checkAxialGhostRule,
  findAxialGhosts,
  inAxialGhostReach,
  localContrasts,
} from './axial-ghosts';
export { gaussianKernel1d } from './convolve';
export {
  checkDecoyTerm,
  DECOY_STEP,
  type DecoyCut,
  type DecoyTerm,
  decoyThreshold,
} from './decoy-threshold';
export { PostprocessError, type PostprocessErrorCode } from './errors';
export { type GaussianFilterOptions, gaussianFilter3D } from './gaussian-filter';
export { fitGaussian, type GaussianFit, type GaussianFitOptions } from './gaussian-fit';
export { type Detection, type LocalMaximaOptions, localMaxima3D } from './local-maxima';
export { type LaplacianOfGaussianOptions, laplacianOfGaussian } from './log-filter';
export { maximumFilter } from './max-filter';
export { type MeasureSpotsOptions, measureSpots, type SpotMeasurement } from './measure-spots';
export { pointsApart } from './points-apart';
export { CLUTTER_RAISE_MIN_KEPT, clutterRaiseHolds } from './raise-guard';
export { type RefineMethod, subVoxelOffset } from './refine';
export { median, robustNoise } from './robust';
export {
  checkValleyTerm,
  SCORE_VALLEY_STEP,
  type ScoreValley,
  scoreValley,
  type ValleyCut,
  type ValleyTerm,
  valleyThreshold,
} from './score-valley';
export { detectSEF3D, type Sef3dOptions, type Sef3dResult } from './sef3d';
export {
  type ClutterTerm,
  type CrowdedBranch,
  checkThresholdRule,
  isCrowded,
  maximaClutter,
  maximaDensity,
  type ThresholdRule,
  thresholdForSignal,
  volumeSignal,
} from './signal-threshold';
export { type PredictTile, type PredictTiledOptions, predictTiled, tilePlan } from './tiled';
