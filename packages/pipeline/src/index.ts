/**
 * `@dmdet/pipeline`: 3D particle detection that works out of the box. Composes the dmdet packages
 * (volume I/O, targets, losses, model, post-processing, metrics) into `detect`, `trainDetector` and
 * `evaluate`, with a built-in pretrained model and a run-time choice of tfjs backend. Browser-safe;
 * files, folders and worker threads are in `@dmdet/pipeline/node`, the CLI is `dmdet`.
 *
 * @packageDocumentation
 */
export { type AnnotatedRegion, parseRegion } from './annotated-region';
export { useBackend } from './backend';
export {
  DEFAULT_MIN_DISTANCE,
  type DetectedPoint,
  type DetectOptions,
  type DetectorModel,
  type DetectProgress,
  type DetectResult,
  detect,
  type TilePredictor,
} from './detect';
export {
  blockMargin,
  DEFAULT_DETECT_BLOCK,
  type DetectInBlocksOptions,
  type DetectInBlocksResult,
  detectInBlocks,
  type VolumeSource,
} from './detect-blocks';
export { PipelineError, type PipelineErrorCode } from './errors';
export { type EvaluateOptions, type EvaluationItem, evaluate, evaluateMany } from './evaluate';
export { FROZEN_NORMALIZATION, type FreezeDetectorOptions, freezeDetector } from './freeze-detector';
export { BUILT_IN_MODELS, type BuiltInModelName, defaultModelUrl, loadModel } from './load-model';
export {
  type ContextMeasurement,
  DEFAULT_CONTEXT_TOLERANCE,
  type MeasureContextOptions,
  measureContext,
} from './measure-context';
export {
  blockVoxels,
  DEFAULT_MAX_MEMORY,
  detectionMemory,
  holdsSecondMap,
  MEMORY_MODEL,
  MIN_BUDGET_TILE_VOXELS,
  tileVoxelsForMemory,
} from './memory-budget';
export { encodePng, type ProjectionPictureOptions, projectionPicture, type RgbPicture } from './picture';
export { modelForPixelPattern, readPixelPattern } from './pixel-pattern';
export { predictMap } from './predict-map';
export {
  planSpotScale,
  type SpotScalePlan,
  type SpotSizeOption,
  spotSizeInVoxels,
  type UsedSpotSize,
} from './spot-scale';
export { DEFAULT_MAX_TILE_VOXELS, type TileLayout, tileLayout } from './tiles';
export {
  DEFAULT_POSITIVE_WEIGHT,
  FINE_TUNE_LEARNING_RATE,
  FINE_TUNE_SCHEDULE,
  type LabeledVolume,
  lossOptionsFor,
  RULE_CONFIDENCE,
  RULE_MIN_SPOTS,
  RULE_ZOOM_SLOPES,
  type ThresholdRuleFit,
  type TrainDetectorConfig,
  type TrainDetectorResult,
  type TuneThresholdOptions,
  type TuneThresholdResult,
  trainDetector,
  tuneThreshold,
  type ValidationVolumeReport,
} from './train-detector';
