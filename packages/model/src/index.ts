/**
 * `@dmdet/model`: DM-DetNet3D and DetNet3D in tfjs-layers, the AMSGrad optimizer, training with
 * crops, flips, early stopping and checkpoints, prediction, and save/load with dmdet metadata.
 * Imports no tfjs backend: choose one at run time.
 *
 * @packageDocumentation
 */
export { AMSGradOptimizer, amsgrad, type NamedTensor } from './amsgrad';
export {
  type Architecture,
  createDetNet3D,
  createDmDetNet3D,
  type HourglassConfig,
  hourglassGeometry,
  type ResolvedHourglassConfig,
  resolveConfig,
} from './architecture';
export {
  BACKEND_PACKAGES,
  type BackendName,
  backendPreference,
  type UseBackendOptions,
  useBackend,
} from './backend';
export { type BatchGradientsOptions, batchGradients } from './batch-gradients';
export { type BrightPass, checkBrightPass } from './bright-pass';
export { channelAffine, channelMeans, sumToChannels } from './channel-ops';
export type { SavedTensor, TrainingCheckpoint } from './checkpoint';
export { ModelError, type ModelErrorCode } from './errors';
export { conv3dSame, transposeMerged } from './fast-conv';
export {
  applySymmetry,
  checkTestTimeFlips,
  type PlaneSymmetry,
  planeSymmetries,
  predictFlipAveraged,
  TEST_TIME_FLIPS,
  type TestTimeFlips,
  undoSymmetry,
} from './flip-average';
export {
  type FreezeNormalizationOptions,
  freezeNormalization,
  type LayerStatistics,
  measureNormalization,
} from './freeze-normalization';
export { loadModel, type ModelLocation, readMetadata, saveModel } from './io';
export {
  Conv3DSame,
  type Conv3DSameArgs,
  CropToReference,
  fixedNorm,
  InstanceNormalization,
  type InstanceNormalizationArgs,
  instanceNorm,
  type NormalizationStatistics,
  PadToMultiple,
  type PadToMultipleArgs,
  registerLayers,
  type StatisticsRecorder,
  UpSampling3D,
  type UpSampling3DArgs,
} from './layers';
export {
  type AxialGhostRule,
  type InputNormalization,
  MODEL_PACKAGE_VERSION,
  type ModelMetadata,
  type ThresholdRule,
} from './metadata';
export type { BatchData, GradientWorkers } from './parallel';
export { predictVolume } from './predict';
export {
  type PlateauSchedule,
  type TrainAugmentation,
  type TrainingProgress,
  type TrainingResult,
  type TrainingSample,
  type TrainOptions,
  train,
} from './train';
export { setWasmConv3dEnabled, wasmConv3dAvailable } from './wasm-conv3d';
