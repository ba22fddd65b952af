import { binaryTarget, densityMap } from '@dmdet/groundtruth';
import type { CreateLossOptions, LossName } from '@dmdet/losses';
import { createLoss } from '@dmdet/losses';
import { bestThreshold, type Point3 } from '@dmdet/metrics';
import {
  type BackendName,
  createDetNet3D,
  createDmDetNet3D,
  type GradientWorkers,
  type HourglassConfig,
  type InputNormalization,
  MODEL_PACKAGE_VERSION,
  type ModelMetadata,
  resolveConfig,
  type TrainingCheckpoint,
  type TrainingProgress,
  type TrainingResult,
  type TrainingSample,
  train,
} from '@dmdet/model';
import { localMaxima3D } from '@dmdet/postprocess';
import {
  DEFAULT_NORMALIZATION,
  isIdentity,
  normalizeInput,
  resampleVolume,
  resamplingFor,
  type SpotSize,
  spotScaleFactors,
  toResampled,
} from '@dmdet/preprocess';
import { padToSize, type Vec3, type Volume } from '@dmdet/volume-io';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ensureBackend } from './backend';
import { DEFAULT_MIN_DISTANCE, type DetectorModel, type TilePredictor } from './detect';
import { PipelineError } from './errors';
import { predictMap } from './predict-map';
import { spotSizeOf } from './spot-scale';

/** A volume with its annotated particle positions (voxels, 0-based). */
export interface LabeledVolume {
  id?: string;
  volume: Volume;
  points: readonly Point3[];
  /** Its spot size (σ, voxels), when known; with `spotScale`, estimated from the volume when absent. */
  spotSize?: SpotSize;
}

/** Options of {@link trainDetector}. */
export interface TrainDetectorConfig {
  /** `'dm-detnet3d'` (density map, AWing + weight map; default) or `'detnet3d'` (binary target, weighted BCE). */
  architecture?: 'dm-detnet3d' | 'detnet3d';
  /** Per-voxel loss; default `'awing'` for DM-DetNet3D (`'mse'` for the ablation), `'bce'` for DetNet3D. */
  loss?: LossName;
  /** tfjs backend of this thread (see `useBackend`). Default: the active one, else the fastest available. */
  backend?: BackendName | 'auto';
  /** Network configuration (widths, strides, …). Default the package's default model. */
  network?: HourglassConfig;
  /** Density-map sigmas in voxels. Default σxy 1, σz 1 (docs/method.md). */
  sigma?: { xy: number; z: number };
  /**
   * Input normalisation: percentiles mapped to 0 and 1 (default 1 and 99.8), or `{ method: 'noise' }`
   * (background median and robust noise σ). Stored in the model's metadata; `detect` applies it.
   */
  normalization?: InputNormalization;
  /**
   * Train at this spot scale (σ, voxels): each volume is resampled from its spot size (given, else
   * estimated) to it as `detect` will do (`spotScaleFactors`, `resampleVolume`), its points mapped
   * alike; stored in the metadata with the range of spot sizes seen. Default: volumes as they are.
   */
  spotScale?: SpotSize;
  /** Default 50. */
  epochs?: number;
  stepsPerEpoch?: number;
  /** Default 4. */
  batchSize?: number;
  /** Random crop `[z, y, x]`; training volumes smaller than it are mirrored up to it at their far ends. Default up to [16, 64, 64]. */
  crop?: Vec3;
  /** Default { patience: 10 }. */
  earlyStopping?: { patience?: number; minDelta?: number } | false;
  seed?: number;
  /** DetNet3D: weight of the particle voxels in the BCE. Default {@link DEFAULT_POSITIVE_WEIGHT}. */
  positiveWeight?: number;
  /** Compute gradients on these workers (their loss must be this config's: see `lossOptionsFor`). */
  workers?: GradientWorkers;
  /** Predict validation volumes on this (threshold selection). */
  predictor?: TilePredictor;
  onProgress?: (progress: TrainingProgress) => void;
  signal?: AbortSignal;
  checkpoint?: { every?: number; save: (checkpoint: TrainingCheckpoint) => void | Promise<void> };
  resume?: TrainingCheckpoint;
  /** Continue from this model instead of a new one. */
  model?: LayersModel;
  /** Stored in the metadata's `training` record. */
  notes?: Record<string, unknown>;
}

/** What {@link trainDetector} returns. */
export interface TrainDetectorResult {
  /** The trained model with its metadata (threshold chosen on the validation volumes). */
  detector: DetectorModel;
  training: TrainingResult;
  /** Mean F1 on the validation volumes at the chosen threshold. */
  validationF1: number | undefined;
}

/** The loss options a configuration trains with (give them to `ModelWorkerPool.create`). */
export function lossOptionsFor(
  config: Pick<TrainDetectorConfig, 'architecture' | 'loss' | 'positiveWeight'>,
): CreateLossOptions {
  const loss = config.loss ?? (config.architecture === 'detnet3d' ? 'bce' : 'awing');
  return {
    loss,
    weights: loss === 'awing' || loss === 'mse' ? 'fromTarget' : 'none',
    ...(loss === 'bce' ? { bce: { positiveWeight: config.positiveWeight ?? DEFAULT_POSITIVE_WEIGHT } } : {}),
  };
}

/**
 * Weight of the particle voxels in DetNet3D's weighted BCE. One voxel per particle is about 1 in
 * 5,000 of a 10×64×64 crop; unweighted, the network learns to predict background everywhere
 * (measured: F1 0.01 on the Table 1 benchmark).
 */
export const DEFAULT_POSITIVE_WEIGHT = 100;

/** A labelled volume brought to a spot scale (unchanged without one), and the spot size it had. */
function toSpotScale(
  item: LabeledVolume,
  scale: SpotSize | undefined,
): { item: LabeledVolume; spot?: SpotSize } {
  if (!scale) return { item };
  const { xy, z } = spotSizeOf(item.volume, scale, item.spotSize);
  const spot = { xy, z };
  const r = resamplingFor(item.volume.shape, spotScaleFactors(spot, scale));
  if (isIdentity(r)) return { item, spot };
  return {
    item: {
      ...item,
      volume: resampleVolume(item.volume, r),
      points: item.points.map((p) => toResampled(p, r)),
    },
    spot,
  };
}

function toSample(
  item: LabeledVolume,
  config: Required<Pick<TrainDetectorConfig, 'sigma' | 'normalization'>>,
  binary: boolean,
  what: string,
): TrainingSample {
  const shape = item?.volume?.shape;
  if (shape?.length !== 3 || !Array.isArray(item.points))
    throw new PipelineError('INVALID_INPUT', `${what}: expected { volume, points }`);
  const input = normalizeInput(item.volume, config.normalization);
  const target = binary
    ? binaryTarget(item.points, shape)
    : densityMap(item.points, shape, { sigmaXY: config.sigma.xy, sigmaZ: config.sigma.z });
  return {
    input,
    target:
      target.data instanceof Float32Array
        ? (target as Volume<Float32Array>)
        : { data: Float32Array.from(target.data), shape },
  };
}

/**
 * Trains a detector on labelled volumes: makes the targets (density maps, or binary targets for
 * DetNet3D), trains with AMSGrad on random crops and flips with early stopping on the validation
 * loss, then chooses the detection threshold that maximises the mean F1 on the validation volumes
 * (gate 5 voxels) and stores it, the sigmas and the normalisation in the model's metadata.
 *
 * @example
 * const { detector, validationF1 } = await trainDetector(trainSet, validationSet, { epochs: 30 });
 */
export async function trainDetector(
  trainSet: readonly LabeledVolume[],
  validationSet: readonly LabeledVolume[],
  config: TrainDetectorConfig = {},
): Promise<TrainDetectorResult> {
  if (!Array.isArray(trainSet) || trainSet.length === 0)
    throw new PipelineError('INVALID_INPUT', 'trainDetector needs at least one training volume');
  const architecture = config.architecture ?? 'dm-detnet3d';
  if (architecture !== 'dm-detnet3d' && architecture !== 'detnet3d')
    throw new PipelineError(
      'INVALID_OPTION',
      `architecture must be 'dm-detnet3d' or 'detnet3d', got ${JSON.stringify(architecture)}`,
    );
  const binary = architecture === 'detnet3d';
  await ensureBackend(config.backend);
  const sigma = config.sigma ?? { xy: 1, z: 1 };
  const normalization = config.normalization ?? DEFAULT_NORMALIZATION;
  const lossOptions = lossOptionsFor(config);
  const scaledTrain = trainSet.map((s) => toSpotScale(s, config.spotScale));
  const scaledValidation = validationSet.map((s) => toSpotScale(s, config.spotScale));
  // Training volumes smaller than the crop (few slices, or shrunk to the spot scale) are mirrored up to it.
  const samples = scaledTrain.map((s, i) => {
    const sample = toSample(s.item, { sigma, normalization }, binary, `train[${i}]`);
    if (!config.crop) return sample;
    return { input: padToSize(sample.input, config.crop), target: padToSize(sample.target, config.crop) };
  });
  const validation = scaledValidation.map((s, i) =>
    toSample(s.item, { sigma, normalization }, binary, `validation[${i}]`),
  );
  const spots = scaledTrain.flatMap((s) => (s.spot ? [s.spot] : []));
  const spotRange =
    config.spotScale && spots.length > 0
      ? {
          xy: [Math.min(...spots.map((s) => s.xy)), Math.max(...spots.map((s) => s.xy))] as [number, number],
          z: [Math.min(...spots.map((s) => s.z)), Math.max(...spots.map((s) => s.z))] as [number, number],
        }
      : undefined;
  const model = config.model ?? (binary ? createDetNet3D(config.network) : createDmDetNet3D(config.network));
  const networkConfig = resolveConfig(config.network ?? {});
  const training = await train({
    model,
    train: samples,
    validation,
    ...(config.workers ? { workers: config.workers } : { loss: createLoss(lossOptions) }),
    batchSize: config.batchSize ?? 4,
    ...(config.crop ? { crop: config.crop } : {}),
    maxEpochs: config.epochs ?? 50,
    ...(config.stepsPerEpoch ? { stepsPerEpoch: config.stepsPerEpoch } : {}),
    earlyStopping: config.earlyStopping ?? { patience: 10 },
    seed: config.seed ?? 0,
    onProgress: config.onProgress,
    signal: config.signal,
    checkpoint: config.checkpoint,
    resume: config.resume,
  });
  await config.predictor?.setWeights?.(model);
  let threshold = 0.5;
  let validationF1: number | undefined;
  if (validationSet.length > 0) {
    const images = [];
    for (const [i, s] of validation.entries()) {
      const { map } = await predictMap(model, networkConfig, s.input, config.predictor);
      const detections = localMaxima3D(map, { threshold: 0.02, minDistance: DEFAULT_MIN_DISTANCE });
      images.push({ truth: (scaledValidation[i] as { item: LabeledVolume }).item.points, detections });
    }
    const best = bestThreshold(images, { gate: 5 });
    // Inside (0, 1) as `detect` requires: an untrained map can have every maximum at exactly 1.
    threshold = Math.min(Math.max(0.02, best.threshold), 0.999);
    validationF1 = best.meanF1;
  }
  const metadata: ModelMetadata = {
    format: 'dmdet-model',
    formatVersion: 1,
    architecture,
    config: networkConfig,
    target: binary ? { kind: 'binary', radius: 0 } : { kind: 'density', sigmaXY: sigma.xy, sigmaZ: sigma.z },
    normalization,
    ...(config.spotScale ? { spotScale: { xy: config.spotScale.xy, z: config.spotScale.z } } : {}),
    ...(spotRange ? { spotRange } : {}),
    threshold,
    training: {
      loss: lossOptions.loss,
      epochs: training.epochs,
      bestEpoch: training.bestEpoch,
      bestValidationLoss: training.bestValidationLoss,
      stopReason: training.stopReason,
      validationF1,
      seed: config.seed ?? 0,
      trainVolumes: trainSet.length,
      validationVolumes: validationSet.length,
      ...config.notes,
    },
    packageVersion: MODEL_PACKAGE_VERSION,
  };
  return { detector: { model, metadata }, training, validationF1 };
}
