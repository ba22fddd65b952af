import { binaryTarget, densityMap, weightMap } from '@dmdet/groundtruth';
import type { CreateLossOptions, LossName } from '@dmdet/losses';
import { createLoss } from '@dmdet/losses';
import {
  bestThreshold,
  type DetectionScores,
  evaluatePoints,
  fitThresholdRule,
  type Point3,
  type ScoredPoint,
} from '@dmdet/metrics';
import {
  amsgrad,
  type BackendName,
  type BrightPass,
  checkTestTimeFlips,
  createDetNet3D,
  createDmDetNet3D,
  type GradientWorkers,
  type HourglassConfig,
  hourglassGeometry,
  type InputNormalization,
  MODEL_PACKAGE_VERSION,
  type ModelMetadata,
  type PlateauSchedule,
  resolveConfig,
  type TestTimeFlips,
  type TrainAugmentation,
  type TrainingCheckpoint,
  type TrainingProgress,
  type TrainingResult,
  type TrainingSample,
  train,
} from '@dmdet/model';
import {
  type AxialGhostRule,
  checkValleyTerm,
  localMaxima3D,
  maximaClutter,
  maximaDensity,
  type ThresholdRule,
  type ValleyTerm,
  volumeSignal,
} from '@dmdet/postprocess';
import {
  DEFAULT_NORMALIZATION,
  fromResampled,
  isIdentity,
  missingVoxels,
  type Resampling,
  resampleVolume,
  resamplingFor,
  type SpotScale,
  type SpotSize,
  spotScaleFactors,
  toResampled,
  withMissing,
} from '@dmdet/preprocess';
import { padToSize, type Vec3, type Volume } from '@dmdet/volume-io';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { type AnnotatedRegion, checkRegion, insideMask, regionMask } from './annotated-region';
import { ensureBackend } from './backend';
import {
  brightPassFor,
  DEFAULT_MIN_DISTANCE,
  type DetectorModel,
  ghostRuleFor,
  type TilePredictor,
} from './detect';
import { PipelineError } from './errors';
import { measureContext } from './measure-context';
import { modelInput } from './model-input';
import { predictMap } from './predict-map';
import { ruleThresholdFor } from './rule-threshold';
import { logZoom, resampleForModel, spotSizeOf } from './spot-scale';

/** A volume with its annotated particle positions (voxels, 0-based). */
export interface LabeledVolume {
  id?: string;
  volume: Volume;
  points: readonly Point3[];
  /** Its spot size (σ, voxels), when known; with `spotScale`, estimated from the volume when absent. */
  spotSize?: SpotSize;
  /**
   * The part of the volume whose spots were all annotated; default the whole volume. Outside it,
   * nothing is taught (loss weight 0) and nothing is scored.
   */
  region?: AnnotatedRegion;
}

/** Scores of one validation volume at the model's chosen threshold. */
export interface ValidationVolumeReport extends DetectionScores {
  id: string;
  /** Its annotated points (inside its region), in the volume's voxels. */
  truth: Point3[];
  /** The detections at the chosen threshold (inside its region), in the volume's voxels. */
  detections: (Point3 & { score: number })[];
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
   * Scale each spot's Gaussian in the density map so that its largest sampled value is exactly 1
   * (`densityMap`'s `peakNormalize`): a spot between voxel centres then peaks as high as one on a
   * centre (without it, 0.69–1 for σ 1), so a map value measures confidence and not also the
   * sub-voxel position. Stored in the metadata (`target.peakNormalize`). Default false.
   */
  peakNormalize?: boolean;
  /**
   * Input normalisation: percentiles mapped to 0 and 1 (default 1 and 99.8), or `{ method: 'noise' }`
   * (background median and robust noise σ). Stored in the model's metadata; `detect` applies it.
   */
  normalization?: InputNormalization;
  /**
   * Train at this spot scale (σ, voxels): each volume is resampled from its spot size (given, else
   * estimated) to it as `detect` will do (`spotScaleFactors`, `resampleVolume`; with the
   * `'background'` transform, a stack clipped from below has its clipped voxels drawn first,
   * `drawBelowClip`), its points mapped alike; stored in the metadata with the range of spot sizes seen. Its `maxZoom` limits the
   * enlargement of volumes of smaller spots, in training as in detection. Default: volumes as they are.
   */
  spotScale?: SpotScale;
  /**
   * Fine-tune this detector (for instance `loadModel('default')`) instead of a new network: its
   * architecture, network configuration, target sigmas, input normalisation and spot scale are kept
   * (options that would change them are refused), the learning rate defaults to 2e-4 with
   * {@link FINE_TUNE_SCHEDULE}, and the threshold is chosen again on `validationSet`. Its model is
   * trained in place.
   */
  from?: DetectorModel;
  /** AMSGrad learning rate. Default 1e-3, or 2e-4 when fine-tuning (`from`). */
  learningRate?: number;
  /** Lower the learning rate on plateaus of the validation loss. Default none, or {@link FINE_TUNE_SCHEDULE} with `from`. */
  schedule?: PlateauSchedule | false;
  /** Rotations and intensity jitter of the training crops (see `train`). Default none. */
  augment?: TrainAugmentation;
  /** Stop training before an epoch that would end past this many minutes (at least one epoch runs). */
  minutes?: number;
  /** After each epoch, predict the validation volumes and report their F1 (at its best threshold) as `metrics.f1`. Default false. */
  validationF1EachEpoch?: boolean;
  /**
   * In-plane symmetries whose maps are averaged when the validation volumes are predicted (their
   * threshold and rule chosen on such maps), stored in the model's `flips` for `detect` to use.
   * Default: the `from` model's, else 1.
   */
  flips?: TestTimeFlips;
  /**
   * The axial-ghost rule stored in the model (`metadata.axialGhosts`, which `detect` applies):
   * `false` for none. Default: the `from` model's (the general built-in model has one), else none.
   * The threshold is chosen on maxima without it, as the built-in model's was.
   */
  axialGhosts?: AxialGhostRule | false;
  /**
   * The bright pass stored in the model (`metadata.brightPass`, which `detect` applies): `false`
   * for none. Default: the `from` model's (the general built-in model has one), else none. The
   * threshold is chosen on one pass, as the built-in model's was.
   */
  brightPass?: BrightPass | false;
  /** Default 50. */
  epochs?: number;
  stepsPerEpoch?: number;
  /** Default 4. */
  batchSize?: number;
  /**
   * Random crop `[z, y, x]`; training volumes smaller than it are mirrored up to it at their far
   * ends. Default [16, 64, 64], with no more slices than the thinnest training volume has.
   */
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
  /**
   * Also fit a threshold that follows each volume's signal (`metadata.thresholdRule`, see
   * {@link ThresholdRuleFit}) on the validation volumes, kept when it scores at least the fixed
   * threshold there; `false`: only the fixed threshold. Default `{}` (4 knots, at least 6 validation
   * volumes with a signal per knot: with fewer, no rule).
   */
  thresholdRule?: ThresholdRuleFit | false;
}

/**
 * How a threshold rule is fitted (`fitThresholdRule` of `@dmdet/metrics` on each validation
 * volume's signal, `volumeSignal` of `@dmdet/postprocess`, with {@link RULE_CONFIDENCE} and {@link RULE_MIN_SPOTS}).
 */
export interface ThresholdRuleFit {
  /** Knots. Default 4. */
  knots?: number;
  /** Fewest volumes with a signal per knot; with fewer, no rule is fitted. Default 6. */
  minImagesPerKnot?: number;
  /**
   * Zoom slopes tried (threshold added per doubling of the voxels by the resampling to the spot
   * scale; see `ThresholdRule.zoomSlope`). Default {@link RULE_ZOOM_SLOPES}; `[0]` for none.
   */
  zoomSlopes?: readonly number[];
  /**
   * Fit a `crowded` branch (`fitThresholdRule`'s, kept only where its cross-validated gain is
   * positive). Default true; `false` for none, e.g. where the volumes the rule is fitted on are
   * unlike the ones it will meet in how crowded they are.
   */
  crowded?: boolean;
  /**
   * Fit a `clutter` term (a threshold that rises with the map's maxima scoring in [0.5, 0.8) per
   * confident one: `fitThresholdRule`'s, chosen by the one-standard-error rule and kept only where
   * its cross-validated gain is positive). Default true; `false` for none.
   */
  clutter?: boolean;
  /**
   * A valley term (`ThresholdRule.valley`: the threshold moved to the valley of each volume's map
   * scores) tried on the fitted rule and kept where the validation volumes' mean F1 with it is at
   * least their mean F1 without it; `false` for none. It is not fitted, only checked: its values
   * come from an offline fit (`tools/analysis/valley_rule.py`). Default: the source model's
   * (`trainDetector`'s `from`, `tuneThreshold`'s detector), where its rule has one (the built-in
   * models' do), else none.
   */
  valley?: ValleyTerm | false;
}

/** The score from which a fitted `clutter` term counts a map's maxima as clutter. */
const RULE_CLUTTER_SCORE = 0.5;

/** The zoom slopes a threshold rule's fit tries by default: −0.05 to 0.1 in steps of 0.025. */
export const RULE_ZOOM_SLOPES: readonly number[] = Object.freeze([-0.05, -0.025, 0, 0.025, 0.05, 0.075, 0.1]);

/** A threshold rule's confident maxima: map values at least this (a spot's peak is 1 in a peak-normalised map). */
export const RULE_CONFIDENCE = 0.8;

/** A threshold rule applies to a volume with at least this many confident maxima. */
export const RULE_MIN_SPOTS = 5;

/** What {@link trainDetector} returns. */
export interface TrainDetectorResult {
  /** The trained model with its metadata (threshold chosen on the validation volumes). */
  detector: DetectorModel;
  training: TrainingResult;
  /** Mean F1 on the validation volumes at the chosen threshold. */
  validationF1: number | undefined;
  /** Each validation volume's scores at the chosen threshold (empty without validation volumes). */
  validationReport: ValidationVolumeReport[];
  /** Fine-tuning: the source model's mean validation F1 before training (at its best threshold, as `validationF1`). */
  sourceValidationF1?: number;
}

/** The learning-rate schedule of fine-tuning: halve the rate after 3 epochs without a better validation loss. */
export const FINE_TUNE_SCHEDULE: Readonly<PlateauSchedule> = Object.freeze({
  patience: 3,
  factor: 0.5,
  min: 1e-5,
});

/** The learning rate of fine-tuning (a fifth of training from scratch). */
export const FINE_TUNE_LEARNING_RATE = 2e-4;

/** The loss options a configuration trains with (give them to `ModelWorkerPool.create`). */
export function lossOptionsFor(
  config: Pick<TrainDetectorConfig, 'architecture' | 'loss' | 'positiveWeight'> & {
    /** True when the volumes have annotated regions: the weights then travel with the target ('packed'). */
    regions?: boolean;
  },
): CreateLossOptions {
  const loss = config.loss ?? (config.architecture === 'detnet3d' ? 'bce' : 'awing');
  return {
    loss,
    weights: config.regions ? 'packed' : loss === 'awing' || loss === 'mse' ? 'fromTarget' : 'none',
    ...(loss === 'bce' ? { bce: { positiveWeight: config.positiveWeight ?? DEFAULT_POSITIVE_WEIGHT } } : {}),
  };
}

/**
 * Weight of the particle voxels in DetNet3D's weighted BCE. One voxel per particle is about 1 in
 * 5,000 of a 10×64×64 crop; unweighted, the network learns to predict background everywhere
 * (measured: F1 0.01 on the Table 1 benchmark).
 */
export const DEFAULT_POSITIVE_WEIGHT = 100;

/** A labelled volume at the model's spot scale, with its region as a mask there. */
interface ScaledVolume {
  item: LabeledVolume;
  /** The spot size it had (with a spot scale). */
  spot?: SpotSize;
  /** Its annotated region at the spot scale (1 inside); absent for a whole volume. */
  mask?: Volume<Float32Array>;
  /** The resampling from the volume to the spot scale; absent when none. */
  resampling?: Resampling;
}

/**
 * A labelled volume brought to a spot scale (unchanged without one) for a model whose input
 * transform is `normalization`, as `detect` brings a volume there, and the spot size it had.
 */
export function toSpotScale(
  item: LabeledVolume,
  scale: SpotScale | undefined,
  normalization: InputNormalization,
  what: string,
): ScaledVolume {
  if (item.region) checkRegion(item.region, item.volume.shape, what);
  const mask = item.region ? regionMask(item.region, item.volume.shape) : undefined;
  // Voxels without data (NaN, padding), as detect takes them: NaN for the transform, the data's
  // median for the spot size.
  const missing = missingVoxels(item.volume);
  if (missing && missing.nonFinite + missing.padding === item.volume.data.length)
    throw new PipelineError(
      'INVALID_INPUT',
      `${what}: no voxel of its volume holds data (all NaN or padding)`,
    );
  const own = missing ? { ...item, volume: withMissing(item.volume, missing, 'nan') } : item;
  if (!scale) return { item: own, ...(mask ? { mask } : {}) };
  const { xy, z } = spotSizeOf(
    missing ? withMissing(item.volume, missing, 'fill') : item.volume,
    scale,
    item.spotSize,
  );
  const spot = { xy, z };
  const r = resamplingFor(item.volume.shape, spotScaleFactors(spot, scale));
  if (isIdentity(r)) return { item: own, spot, ...(mask ? { mask } : {}) };
  let scaledMask: Volume<Float32Array> | undefined;
  if (mask) {
    scaledMask = resampleVolume(mask, r);
    const d = scaledMask.data;
    for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) >= 0.5 ? 1 : 0;
  }
  return {
    item: {
      ...item,
      volume: resampleForModel(item.volume, r, normalization, missing).volume,
      points: item.points.map((p) => toResampled(p, r)),
    },
    spot,
    resampling: r,
    ...(scaledMask ? { mask: scaledMask } : {}),
  };
}

function toSample(
  scaled: ScaledVolume,
  config: Required<Pick<TrainDetectorConfig, 'sigma' | 'normalization' | 'peakNormalize'>> & {
    packed: boolean;
    weighted: boolean;
  },
  binary: boolean,
  what: string,
): TrainingSample {
  const { item, mask } = scaled;
  const shape = item.volume.shape;
  const input = modelInput(item.volume, config.normalization).volume;
  const raw = binary
    ? binaryTarget(item.points, shape)
    : densityMap(item.points, shape, {
        sigmaXY: config.sigma.xy,
        sigmaZ: config.sigma.z,
        peakNormalize: config.peakNormalize,
      });
  const target =
    raw.data instanceof Float32Array
      ? (raw as Volume<Float32Array>)
      : { data: Float32Array.from(raw.data), shape };
  if (!config.packed) return { input, target };
  // The weights travel with the target: the weight map of eq. 2 (or 1) inside the region, 0 outside.
  const weights = config.weighted
    ? weightMap(target)
    : { data: new Float32Array(target.data.length).fill(1), shape };
  if (mask)
    for (let i = 0; i < weights.data.length; i++)
      weights.data[i] = (weights.data[i] as number) * (mask.data[i] as number);
  if (mask && !mask.data.some((v) => v > 0))
    throw new PipelineError(
      'INVALID_INPUT',
      `${what}: its annotated region is empty at the model's spot scale`,
    );
  return { input, target, weights };
}

function checkItem(item: LabeledVolume, what: string): void {
  const shape = item?.volume?.shape;
  if (shape?.length !== 3 || !Array.isArray(item.points))
    throw new PipelineError('INVALID_INPUT', `${what}: expected { volume, points }`);
}

/** Truth and detections inside a volume's region (all without one). */
function inRegion<P extends Point3>(points: readonly P[], mask: Volume | undefined): P[] {
  return mask ? points.filter((p) => insideMask(mask, p)) : [...points];
}

/** The settings a fine-tuned detector keeps from its source; an option that would change one is refused. */
function fromSource(config: TrainDetectorConfig): TrainDetectorConfig {
  const from = config.from;
  if (!from) return config;
  const m = from.metadata;
  if (m?.format !== 'dmdet-model' || !from.model)
    throw new PipelineError(
      'INVALID_OPTION',
      'from must be a detector ({ model, metadata }), as loadModel returns',
    );
  for (const key of [
    'architecture',
    'network',
    'sigma',
    'peakNormalize',
    'normalization',
    'spotScale',
    'model',
  ] as const)
    if (config[key] !== undefined)
      throw new PipelineError(
        'INVALID_OPTION',
        `${key} cannot be given with from: fine-tuning keeps the source model's (${key === 'model' ? 'its weights' : 'it is in its metadata'})`,
      );
  return {
    ...config,
    architecture: m.architecture,
    network: m.config,
    ...(m.target?.kind === 'density'
      ? {
          sigma: { xy: m.target.sigmaXY, z: m.target.sigmaZ },
          peakNormalize: m.target.peakNormalize === true,
        }
      : {}),
    normalization: m.normalization,
    ...(m.spotScale ? { spotScale: m.spotScale } : {}),
    model: from.model,
    learningRate: config.learningRate ?? FINE_TUNE_LEARNING_RATE,
    schedule: config.schedule ?? { ...FINE_TUNE_SCHEDULE },
  };
}

/** A validation volume's truth and maxima (inside its region, in the spot-scale grid) and its signal. */
export interface ValidationImage {
  truth: Point3[];
  detections: ScoredPoint[];
  /** `volumeSignal` of its input and maxima; absent with too few confident maxima. */
  signal?: number;
  /** log2 of its resampling's zoom (0 without one). */
  logZoom: number;
  /** Voxels its maxima were found in (its region's, where it has one), for a rule's crowded branch. */
  voxels: number;
}

/** The validation volumes' maxima (score ≥ 0.02) inside their regions, in the spot-scale grid, and their signals. */
async function validationMaxima(
  model: LayersModel,
  networkConfig: ReturnType<typeof resolveConfig>,
  samples: readonly Pick<TrainingSample, 'input'>[],
  scaled: readonly ScaledVolume[],
  predictor: TilePredictor | undefined,
  flips: TestTimeFlips,
): Promise<ValidationImage[]> {
  await predictor?.setWeights?.(model);
  const images: ValidationImage[] = [];
  for (const [i, s] of samples.entries()) {
    const { map } = await predictMap(model, networkConfig, s.input, predictor, { flips });
    const v = scaled[i] as ScaledVolume;
    const detections = inRegion(
      localMaxima3D(map, { threshold: 0.02, minDistance: DEFAULT_MIN_DISTANCE }),
      v.mask,
    );
    const signal = volumeSignal(s.input, detections, {
      confidence: RULE_CONFIDENCE,
      minSpots: RULE_MIN_SPOTS,
    });
    images.push({
      truth: inRegion(v.item.points, v.mask),
      detections,
      ...(signal !== undefined ? { signal } : {}),
      logZoom: v.resampling ? logZoom(v.resampling) : 0,
      voxels: v.mask ? v.mask.data.reduce((n, m) => (m > 0 ? n + 1 : n), 0) : s.input.data.length,
    });
  }
  return images;
}

/** The threshold (and rule) chosen on validation images, and each image's threshold under it. */
export interface ThresholdChoice {
  threshold: number;
  thresholdRule?: ThresholdRule;
  /** Mean F1 at each image's threshold. */
  meanF1: number;
  /** Mean F1 at the fixed threshold. */
  fixedF1: number;
  thresholds: number[];
  /** Why no rule was kept, when none was. */
  ruleNote?: string;
  /** What became of the valley term tried (`ThresholdRuleFit.valley`), where a rule was fitted and one was tried. */
  valleyNote?: string;
}

/** Mean F1 (gate 5 voxels) of the images, each at its own threshold. */
function meanF1At(
  images: readonly ValidationImage[],
  thresholdOf: (image: ValidationImage, i: number) => number,
): number {
  let sum = 0;
  for (const [i, image] of images.entries()) {
    const t = thresholdOf(image, i);
    sum += evaluatePoints(
      image.truth,
      image.detections.filter((d) => d.score >= t),
      { gate: 5 },
    ).f1;
  }
  return sum / Math.max(1, images.length);
}

/** A threshold inside (0, 1), as `detect` requires: [0.02, 0.999] (an untrained map can have every maximum at exactly 1). */
const detectable = (t: number) => Math.min(Math.max(0.02, t), 0.999);

/**
 * Chooses the fixed threshold (the lowest within one spot of the best mean F1: `bestThreshold`'s
 * `choose: 'lowest-within-one-spot'`) and, unless `fit` is false, a threshold rule
 * fitted on the images' signals, kept when its mean F1 is at least the fixed threshold's; the rule's
 * `fallback` for images without a signal, where the fit found one (from at least `minImagesPerKnot`
 * such images) that beats the fixed threshold on them; its `crowded` branch for faint images crowded
 * with maxima, where the fit found one that gains (from each image's `voxels`); its `clutter` term,
 * where the fit found one that gains on held-out halves (from each image's maxima); the valley
 * term `fit.valley`, where given and the images' mean F1 with it is at least without it. Each
 * image's threshold is the one `detect` gives it (`ruleThresholdFor`: the clutter raise only where
 * it holds).
 */
export function chooseThresholds(
  images: readonly ValidationImage[],
  fit: ThresholdRuleFit | false,
): ThresholdChoice {
  // The lowest threshold within one spot of the best: with few validation spots, thresholds a spot
  // apart are indistinguishable, and unseen volumes score lower than validation blocks of the
  // training stacks (docs/train-your-own.md); with many spots it is the best one.
  const best = bestThreshold(images, { gate: 5, choose: 'lowest-within-one-spot' });
  const threshold = detectable(best.threshold);
  const fixed = {
    threshold,
    meanF1: best.meanF1,
    fixedF1: best.meanF1,
    thresholds: images.map(() => threshold),
  };
  if (fit === false) return fixed;
  const knots = fit.knots ?? 4;
  const perKnot = fit.minImagesPerKnot ?? 6;
  const withSignal = images.filter((im) => im.signal !== undefined).length;
  if (withSignal < knots * perKnot)
    return {
      ...fixed,
      ruleNote: `no threshold rule: ${withSignal} validation volumes with ${RULE_MIN_SPOTS} or more maxima ≥ ${RULE_CONFIDENCE}, needs ${knots * perKnot}`,
    };
  // Without `voxels`, fitThresholdRule fits no crowded branch.
  const clutters = images.map((im) => maximaClutter(im.detections, RULE_CLUTTER_SCORE, RULE_CONFIDENCE));
  const fitImages = images.map(({ voxels, ...im }, i) => ({
    ...im,
    ...(fit.crowded === false ? {} : { voxels }),
    ...(fit.clutter === false ? {} : { clutter: clutters[i] as number }),
  }));
  const fitted = fitThresholdRule(fitImages, {
    gate: 5,
    knots,
    minImagesPerKnot: perKnot,
    zoomSlopes: fit.zoomSlopes ?? RULE_ZOOM_SLOPES,
    fallbackBaseline: threshold,
    ...(fit.clutter === false ? {} : { clutter: {} }),
  });
  // The volumes without a signal (sparse or faint) get the fit's fallback where it beats the fixed
  // threshold on them (`fallbackBaseline`: pooled, as one spot more or less moves a sparse volume's F1 a lot).
  const fallback = fitted.fallback !== undefined ? detectable(fitted.fallback) : undefined;
  const rule: ThresholdRule = {
    kind: 'signal',
    confidence: RULE_CONFIDENCE,
    minSpots: RULE_MIN_SPOTS,
    knots: fitted.knots,
    thresholds: fitted.thresholds.map(detectable),
    ...(fitted.zoomSlope !== 0 ? { zoomSlope: fitted.zoomSlope } : {}),
    ...(fallback !== undefined ? { fallback } : {}),
    ...(fitted.crowded
      ? {
          crowded: {
            below: fitted.crowded.below,
            score: fitted.crowded.score,
            density: fitted.crowded.density,
            threshold: detectable(fitted.crowded.threshold),
          },
        }
      : {}),
    ...(fitted.clutter
      ? {
          clutter: {
            score: RULE_CLUTTER_SCORE,
            ratio: fitted.clutter.ratio,
            slope: fitted.clutter.slope,
            from: fitted.clutter.from,
            ...(fitted.clutter.maxLogZoom !== undefined ? { maxLogZoom: fitted.clutter.maxLogZoom } : {}),
          },
        }
      : {}),
  };
  const withoutValley = ruleChoice(images, rule, threshold);
  let chosen = withoutValley;
  let valleyNote: string | undefined;
  if (fit.valley) {
    const withValley = ruleChoice(images, { ...rule, valley: fit.valley }, threshold);
    const scores = `${withValley.meanF1.toFixed(3)} with it, ${withoutValley.meanF1.toFixed(3)} without`;
    if (withValley.meanF1 >= withoutValley.meanF1) {
      chosen = withValley;
      valleyNote = `valley term kept: mean F1 on the validation volumes ${scores}`;
    } else valleyNote = `valley term dropped: mean F1 on the validation volumes ${scores}`;
  }
  if (!(chosen.meanF1 >= best.meanF1))
    return {
      ...fixed,
      ruleNote: `no threshold rule: it scored ${chosen.meanF1.toFixed(3)} on the validation volumes, the fixed threshold ${best.meanF1.toFixed(3)}`,
    };
  return { threshold, fixedF1: best.meanF1, ...chosen, ...(valleyNote ? { valleyNote } : {}) };
}

/**
 * The rule fit asked for, with the valley term to try: the one asked for, else the source model's
 * (`source`: the model fine-tuned or tuned), where its rule has one. A given term is checked.
 */
function ruleFitFor(
  fit: ThresholdRuleFit | false | undefined,
  source: ModelMetadata | undefined,
): ThresholdRuleFit | false {
  if (fit === false) return false;
  const valley = fit?.valley ?? source?.thresholdRule?.valley;
  if (!valley) return { ...fit };
  try {
    return { ...fit, valley: checkValleyTerm(valley, 'thresholdRule.valley') };
  } catch (e) {
    throw new PipelineError('INVALID_OPTION', (e as Error).message, { cause: e });
  }
}

/** A rule's thresholds for the images, as `detect` gives them (`ruleThresholdFor`), and their mean F1. */
function ruleChoice(
  images: readonly ValidationImage[],
  rule: ThresholdRule,
  fallback: number,
): { thresholdRule: ThresholdRule; thresholds: number[]; meanF1: number } {
  const thresholds = images.map((im) => ruleThresholdOf(rule, fallback, im));
  return { thresholdRule: rule, thresholds, meanF1: meanF1At(images, (_, i) => thresholds[i] as number) };
}

/** The threshold `detect` gives an image under `rule` (fixed threshold `fallback`). */
function ruleThresholdOf(rule: ThresholdRule, fallback: number, im: ValidationImage): number {
  const density = rule.crowded ? maximaDensity(im.detections, rule.crowded.score, im.voxels) : undefined;
  return ruleThresholdFor(rule, im.detections, im.signal, fallback, im.logZoom, density).threshold;
}

/**
 * Trains a detector on labelled volumes: makes the targets (density maps, or binary targets for
 * DetNet3D), trains with AMSGrad on random crops and flips with early stopping on the validation
 * loss, then chooses the detection threshold on the validation volumes (the lowest within one
 * spot of the best mean F1, gate 5 voxels) and stores it, the sigmas and the normalisation in the model's metadata. With
 * `from` it fine-tunes an existing detector; volumes with a `region` are taught and scored only there.
 *
 * @example
 * const { detector, validationF1 } = await trainDetector(trainSet, validationSet, { epochs: 30 });
 * const tuned = await trainDetector(mine, myValidation, { from: await loadModel('default'), minutes: 15 });
 */
export async function trainDetector(
  trainSet: readonly LabeledVolume[],
  validationSet: readonly LabeledVolume[],
  options: TrainDetectorConfig = {},
): Promise<TrainDetectorResult> {
  if (!Array.isArray(trainSet) || trainSet.length === 0)
    throw new PipelineError('INVALID_INPUT', 'trainDetector needs at least one training volume');
  const config = fromSource(options);
  const architecture = config.architecture ?? 'dm-detnet3d';
  if (architecture !== 'dm-detnet3d' && architecture !== 'detnet3d')
    throw new PipelineError(
      'INVALID_OPTION',
      `architecture must be 'dm-detnet3d' or 'detnet3d', got ${JSON.stringify(architecture)}`,
    );
  if (config.minutes !== undefined && !(config.minutes > 0))
    throw new PipelineError('INVALID_OPTION', `minutes must be a positive number, got ${config.minutes}`);
  for (const [i, s] of trainSet.entries()) checkItem(s, `train[${i}]`);
  for (const [i, s] of validationSet.entries()) checkItem(s, `validation[${i}]`);
  const binary = architecture === 'detnet3d';
  const flips = checkFlips(config.flips ?? options.from?.metadata.flips ?? 1);
  const axialGhosts = ghostRuleFor(config.axialGhosts, options.from?.metadata ?? {});
  const brightPass = brightPassFor(config.brightPass, options.from?.metadata ?? {});
  await ensureBackend(config.backend);
  const sigma = config.sigma ?? { xy: 1, z: 1 };
  const normalization = config.normalization ?? DEFAULT_NORMALIZATION;
  const regions = [...trainSet, ...validationSet].some((s) => s.region !== undefined);
  const lossOptions = lossOptionsFor({ ...config, regions });
  const scaledTrain = trainSet.map((s, i) =>
    toSpotScale(s, config.spotScale, normalization, s.id ?? `train[${i}]`),
  );
  const scaledValidation = validationSet.map((s, i) =>
    toSpotScale(s, config.spotScale, normalization, s.id ?? `validation[${i}]`),
  );
  const peakNormalize = config.peakNormalize === true;
  const sampleConfig = {
    sigma,
    peakNormalize,
    normalization,
    packed: regions,
    weighted: lossOptions.loss === 'awing' || lossOptions.loss === 'mse',
  };
  // Training volumes smaller than the crop (few slices, or shrunk to the spot scale) are mirrored up
  // to it; the default crop is 64×64 in-plane and up to 16 slices (no more than the thinnest volume).
  const crop: Vec3 = config.crop ?? [Math.min(16, ...scaledTrain.map((s) => s.item.volume.shape[0])), 64, 64];
  const samples = scaledTrain.map((s, i) => {
    const sample = toSample(s, sampleConfig, binary, s.item.id ?? `train[${i}]`);
    const pad = (v: Volume<Float32Array>) => padToSize(v, crop) as Volume<Float32Array>;
    return {
      input: pad(sample.input),
      target: pad(sample.target),
      ...(sample.weights ? { weights: pad(sample.weights) } : {}),
    };
  });
  const validation = scaledValidation.map((s, i) =>
    toSample(s, sampleConfig, binary, s.item.id ?? `validation[${i}]`),
  );
  const spots = scaledTrain.flatMap((s) => (s.spot ? [s.spot] : []));
  const seen = options.from?.metadata.spotRange;
  const spotRange =
    config.spotScale && spots.length > 0
      ? {
          xy: [
            Math.min(...spots.map((s) => s.xy), ...(seen ? [seen.xy[0]] : [])),
            Math.max(...spots.map((s) => s.xy), ...(seen ? [seen.xy[1]] : [])),
          ] as [number, number],
          z: [
            Math.min(...spots.map((s) => s.z), ...(seen ? [seen.z[0]] : [])),
            Math.max(...spots.map((s) => s.z), ...(seen ? [seen.z[1]] : [])),
          ] as [number, number],
        }
      : seen;
  const model = config.model ?? (binary ? createDetNet3D(config.network) : createDmDetNet3D(config.network));
  const networkConfig = resolveConfig(config.network ?? {});
  const learningRate = config.learningRate ?? 1e-3;
  /** The validation volumes' maxima for a model at its current weights. */
  const maximaOf = (m: LayersModel) =>
    validationMaxima(m, networkConfig, validation, scaledValidation, config.predictor, flips);
  let sourceValidationF1: number | undefined;
  if (options.from && validation.length > 0) {
    const images = await maximaOf(model);
    sourceValidationF1 = bestThreshold(images, { gate: 5 }).meanF1;
  }
  const schedule = config.schedule || undefined;
  const training = await train({
    model,
    train: samples,
    validation,
    ...(config.workers ? { workers: config.workers } : { loss: createLoss(lossOptions) }),
    optimizer: amsgrad(learningRate),
    batchSize: config.batchSize ?? 4,
    crop,
    maxEpochs: config.epochs ?? 50,
    ...(config.stepsPerEpoch ? { stepsPerEpoch: config.stepsPerEpoch } : {}),
    earlyStopping: config.earlyStopping ?? { patience: 10 },
    ...(config.augment ? { augment: config.augment } : {}),
    ...(schedule ? { schedule } : {}),
    ...(config.minutes !== undefined ? { timeBudgetMs: config.minutes * 60_000 } : {}),
    ...(config.validationF1EachEpoch && validation.length > 0
      ? {
          evaluate: async (m: LayersModel) => {
            const images = await maximaOf(m);
            const best = bestThreshold(images, { gate: 5 });
            return { f1: best.meanF1, threshold: best.threshold };
          },
        }
      : {}),
    seed: config.seed ?? 0,
    onProgress: config.onProgress,
    signal: config.signal,
    checkpoint: config.checkpoint,
    resume: config.resume,
  });
  let threshold = 0.5;
  let thresholdRule: ThresholdRule | undefined;
  let ruleNote: string | undefined;
  let valleyNote: string | undefined;
  let fixedF1: number | undefined;
  let validationF1: number | undefined;
  const validationReport: ValidationVolumeReport[] = [];
  if (validationSet.length > 0) {
    const images = await maximaOf(model);
    const choice = chooseThresholds(images, ruleFitFor(config.thresholdRule, options.from?.metadata));
    ({ threshold, thresholdRule, ruleNote, valleyNote, fixedF1 } = choice);
    validationF1 = choice.meanF1;
    for (const [i, image] of images.entries()) {
      const v = scaledValidation[i] as ScaledVolume;
      const back = <P extends Point3>(p: P): P => (v.resampling ? fromResampled(p, v.resampling) : p);
      const t = choice.thresholds[i] as number;
      const kept = image.detections.filter((d) => d.score >= t);
      validationReport.push({
        id: v.item.id ?? `validation[${i}]`,
        ...evaluatePoints(image.truth, kept, { gate: 5 }),
        truth: image.truth.map(back),
        detections: kept.map(back),
      });
    }
  } else await config.predictor?.setWeights?.(model);
  // The context tiles need (below the receptive radius when the far field is negligible): kept
  // only where it was measured and holds.
  const probes = (validation.length > 0 ? validation : samples).slice(0, 8).map((s) => s.input);
  const context =
    probes.length > 0 ? await measureContext(model, probes, { config: networkConfig }) : undefined;
  const { receptiveRadius } = hourglassGeometry(networkConfig);
  const keepContext =
    context !== undefined &&
    context.maxDifference <= context.tolerance &&
    context.radius.some((r, k) => r < (receptiveRadius[k] as number));
  const metadata: ModelMetadata = {
    format: 'dmdet-model',
    formatVersion: 1,
    architecture,
    config: networkConfig,
    target: binary
      ? { kind: 'binary', radius: 0 }
      : { kind: 'density', sigmaXY: sigma.xy, sigmaZ: sigma.z, ...(peakNormalize ? { peakNormalize } : {}) },
    normalization,
    ...(config.spotScale
      ? {
          spotScale: {
            xy: config.spotScale.xy,
            z: config.spotScale.z,
            ...(config.spotScale.maxZoom ? { maxZoom: { ...config.spotScale.maxZoom } } : {}),
          },
        }
      : {}),
    ...(spotRange ? { spotRange } : {}),
    threshold,
    ...(thresholdRule ? { thresholdRule } : {}),
    ...(flips !== 1 ? { flips } : {}),
    ...(axialGhosts ? { axialGhosts } : {}),
    ...(brightPass ? { brightPass } : {}),
    ...(keepContext ? { context: { radius: context.radius, tolerance: context.tolerance } } : {}),
    training: {
      loss: lossOptions.loss,
      epochs: training.epochs,
      bestEpoch: training.bestEpoch,
      bestValidationLoss: training.bestValidationLoss,
      stopReason: training.stopReason,
      validationF1,
      ...(thresholdRule ? { validationF1FixedThreshold: fixedF1 } : {}),
      ...(ruleNote ? { thresholdRuleNote: ruleNote } : {}),
      ...(valleyNote ? { thresholdValleyNote: valleyNote } : {}),
      seed: config.seed ?? 0,
      trainVolumes: trainSet.length,
      validationVolumes: validationSet.length,
      learningRate,
      ...(options.from ? { fineTunedFrom: options.from.metadata.training ?? {}, sourceValidationF1 } : {}),
      ...(regions ? { annotatedRegions: true } : {}),
      ...config.notes,
    },
    packageVersion: MODEL_PACKAGE_VERSION,
  };
  return {
    detector: { model, metadata },
    training,
    validationF1,
    validationReport,
    ...(sourceValidationF1 !== undefined ? { sourceValidationF1 } : {}),
  };
}

/** Options of {@link tuneThreshold}. */
export interface TuneThresholdOptions {
  /** Fit a threshold rule as `trainDetector` does (default `{}`), or `false`: only the fixed threshold. */
  thresholdRule?: ThresholdRuleFit | false;
  /** Predict the volumes on this. */
  predictor?: TilePredictor;
  /**
   * In-plane symmetries whose maps are averaged (`detect`'s `flips`), stored in the returned
   * model's metadata. Default: the model's own (`metadata.flips`), else 1.
   */
  flips?: TestTimeFlips;
  /** tfjs backend of this thread. Default: the active one, else the fastest available. */
  backend?: BackendName | 'auto';
}

/** What {@link tuneThreshold} returns. */
export interface TuneThresholdResult {
  /** The same model with its threshold (and threshold rule) chosen on the volumes. */
  detector: DetectorModel;
  /** Mean F1 on the volumes with the new threshold (and rule). */
  meanF1: number;
  /** Mean F1 at the new fixed threshold alone. */
  fixedF1: number;
  /**
   * Mean F1 on the volumes with the given detector's own threshold (its rule's, where it has one):
   * what `detect` gave them before, from the same maps (its axial-ghost rule left out).
   */
  sourceF1: number;
  /** Why no rule was kept, when none was. */
  ruleNote?: string;
  /** What became of the valley term tried (the detector's own, where its rule has one), where a rule was fitted. */
  valleyNote?: string;
}

/**
 * Chooses a detector's threshold again on labelled volumes without training it: the volumes are
 * brought to its spot scale and normalised as `detect` does, predicted, and the threshold (and, unless
 * `thresholdRule: false`, a threshold rule) chosen as `trainDetector` chooses them on its validation
 * volumes. Returns the same model with new metadata (the given detector is not changed).
 *
 * @example
 * const { detector, meanF1 } = await tuneThreshold(await loadModel('default'), myAnnotatedVolumes);
 */
export async function tuneThreshold(
  from: DetectorModel,
  volumes: readonly LabeledVolume[],
  options: TuneThresholdOptions = {},
): Promise<TuneThresholdResult> {
  const m = from?.metadata;
  if (m?.format !== 'dmdet-model' || !from.model)
    throw new PipelineError(
      'INVALID_OPTION',
      'tuneThreshold needs a detector ({ model, metadata }), as loadModel returns',
    );
  if (!Array.isArray(volumes) || volumes.length === 0)
    throw new PipelineError('INVALID_INPUT', 'tuneThreshold needs at least one labelled volume');
  for (const [i, s] of volumes.entries()) checkItem(s, `volumes[${i}]`);
  const flips = checkFlips(options.flips ?? m.flips ?? 1);
  await ensureBackend(options.backend);
  const normalization = m.normalization ?? DEFAULT_NORMALIZATION;
  const scaled = volumes.map((s, i) => toSpotScale(s, m.spotScale, normalization, s.id ?? `volumes[${i}]`));
  const inputs = scaled.map((v) => ({ input: modelInput(v.item.volume, normalization).volume }));
  const images = await validationMaxima(
    from.model,
    resolveConfig(m.config),
    inputs,
    scaled,
    options.predictor,
    flips,
  );
  const choice = chooseThresholds(images, ruleFitFor(options.thresholdRule, m));
  const sourceF1 = meanF1At(images, (im) => ownThreshold(m, im));
  const { thresholdRule: _old, flips: _flips, ...rest } = m;
  return {
    detector: {
      model: from.model,
      metadata: {
        ...rest,
        threshold: choice.threshold,
        ...(choice.thresholdRule ? { thresholdRule: choice.thresholdRule } : {}),
        ...(flips !== 1 ? { flips } : {}),
        training: {
          ...(m.training ?? {}),
          thresholdTuning: {
            volumes: volumes.length,
            meanF1: choice.meanF1,
            fixedF1: choice.fixedF1,
            sourceF1,
            ...(choice.ruleNote ? { note: choice.ruleNote } : {}),
            ...(choice.valleyNote ? { valleyNote: choice.valleyNote } : {}),
          },
        },
      },
    },
    meanF1: choice.meanF1,
    fixedF1: choice.fixedF1,
    sourceF1,
    ...(choice.ruleNote ? { ruleNote: choice.ruleNote } : {}),
    ...(choice.valleyNote ? { valleyNote: choice.valleyNote } : {}),
  };
}

/**
 * The threshold `detect` gives an image with a model's metadata: its rule's (with its clutter raise
 * where that holds and its valley term), else its fixed one.
 */
function ownThreshold(m: ModelMetadata, im: ValidationImage): number {
  const fixed = m.threshold ?? 0.5;
  return m.thresholdRule ? ruleThresholdOf(m.thresholdRule, fixed, im) : fixed;
}

function checkFlips(flips: unknown): TestTimeFlips {
  try {
    return checkTestTimeFlips(flips, 'flips');
  } catch (e) {
    throw new PipelineError('INVALID_OPTION', (e as Error).message, { cause: e });
  }
}
