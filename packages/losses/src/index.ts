/**
 * `@dmdet/losses`: the adaptive wing loss and weighted loss map of DM-DetNet3D, and baselines, for
 * TensorFlow.js. Depends on `@tensorflow/tfjs-core` only and imports no backend.
 *
 * @packageDocumentation
 */
export {
  type AdaptiveWingOptions,
  AWING_DEFAULTS,
  adaptiveWing,
  resolveAdaptiveWingOptions,
} from './adaptive-wing';
export {
  type FocalLossOptions,
  focalLoss,
  squaredError,
  type WeightedBceOptions,
  weightedBinaryCrossEntropy,
} from './baselines';
export { LossesError, type LossesErrorCode } from './errors';
export {
  type CreateLossOptions,
  createLoss,
  type LossFunction,
  type LossName,
  type WeightSource,
} from './loss-factory';
export { resolveWeightMapOptions, type WeightMapOptions, weightMap } from './weight-map';
export { dmDetNetLoss, weightedLoss, weightedMean } from './weighted';
