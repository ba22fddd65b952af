/**
 * `@dmdet/groundtruth`: training targets from point annotations, as plain typed-array volumes
 * (no tfjs): the Gaussian density map and weight map of DM-DetNet3D, and the binary target of the
 * DetNet3D baseline.
 *
 * @packageDocumentation
 */
export { type BinaryTargetOptions, binaryTarget } from './binary-target';
export { type DensityMapOptions, densityMap } from './density-map';
export { GroundtruthError, type GroundtruthErrorCode } from './errors';
export { type Sigmas, type SigmasFromMicronsOptions, sigmasFromMicrons } from './sigmas';
export { greyDilation, type WeightFootprint, type WeightMapOptions, weightMap } from './weight-map';
