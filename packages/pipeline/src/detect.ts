import type { BackendName, BrightPass, ModelMetadata, TestTimeFlips } from '@dmdet/model';
import { checkBrightPass, checkTestTimeFlips } from '@dmdet/model';
import {
  type AxialGhostRule,
  checkAxialGhostRule,
  measureSpots,
  pointsApart,
  type ScoreValley,
  type SpotMeasurement,
} from '@dmdet/postprocess';
import {
  DEFAULT_NORMALIZATION,
  estimateSpotSize,
  type InputNormalization,
  missingVoxels,
  pixelPattern,
  type Resampling,
  withMissing,
} from '@dmdet/preprocess';
import type { Vec3, Volume } from '@dmdet/volume-io';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ensureBackend } from './backend';
import { decoyRaiseWarning, decoyRaiseWarns, trainedWithEffects } from './decoy-warning';
import { type DetectionPass, detectionPass, type PassContext, withProgressMap } from './detect-pass';
import { PipelineError } from './errors';
import { PIXEL_PATTERN_WARNING, pixelPatternWarning, trainedWithPixelPattern } from './pixel-pattern';
import {
  logZoom,
  planSpotScale,
  resampleForModel,
  resamples,
  type SpotSizeOption,
  type UsedSpotSize,
} from './spot-scale';

/** A model with its dmdet metadata, as `loadModel` returns it. */
export interface DetectorModel {
  model: LayersModel;
  metadata: ModelMetadata;
}

/** Something that predicts tiles elsewhere, several at once (e.g. `ModelWorkerPool` from `@dmdet/model/node`). */
export interface TilePredictor {
  /** Tiles it can work on at once. */
  readonly size: number;
  predict(volume: Volume<Float32Array>): Promise<Volume<Float32Array>>;
  /** Takes new weights (e.g. after training), when the predictor holds its own copy of the model. */
  setWeights?(model: LayersModel): Promise<void>;
}

/**
 * The least distance between two detections, per axis (voxels): a maximum must dominate ±1 slice and
 * ±1 pixel (3×3×3); also used when choosing a model's threshold. (The earlier ±2 pixels merged close
 * pairs: `tools/analysis/maxima-window.ts` compares the two.)
 */
export const DEFAULT_MIN_DISTANCE = { z: 1, xy: 1 } as const;

/** Options of {@link detect}. */
export interface DetectOptions {
  /** The detector: a loaded model and its metadata. */
  model: DetectorModel;
  /** tfjs backend to run on (see {@link useBackend}). Default: the active one, else the fastest available. */
  backend?: BackendName | 'auto';
  /**
   * Keep maxima of the predicted map at least this. Default: the model's threshold rule
   * (`metadata.thresholdRule`: a threshold that follows the volume's signal) where the model has
   * one and the volume enough confident maxima, else the model's threshold, else 0.5.
   */
  threshold?: number;
  /** Tile size `[z, y, x]`, or `'auto'` (default): whole volume when it fits, else tiles of at most `maxTileVoxels`. */
  tile?: Vec3 | 'auto';
  /** Most voxels per tile with `tile: 'auto'`. Default 10×512×512. */
  maxTileVoxels?: number;
  /** Predict tiles on this (e.g. a worker pool, one tile per worker at once) instead of in this thread. */
  predictor?: TilePredictor;
  /**
   * The spot size (Gaussian σ of a spot; voxels, or µm with `unit: 'um'` and a voxel size), for a
   * model that records the spot size it was trained at (`metadata.spotScale`): the volume is
   * resampled to that scale and positions mapped back. Default: estimated from the volume.
   */
  spotSize?: SpotSizeOption;
  /** Voxel size (µm, `[z, y, x]`) for µm coordinates; default the volume's own. */
  voxelSize?: Vec3;
  /** Least distance between detections. Default {@link DEFAULT_MIN_DISTANCE}. */
  minDistance?: number | { z: number; xy: number };
  /** Also return the predicted density map. Default false. */
  keepMap?: boolean;
  /**
   * Detect only in this region (`start`, `size`, `[z, y, x]` voxels), the rest of the volume serving
   * as context: only the tiles it needs are predicted (the map is 0 beyond it and its neighbourhood).
   * Default the whole volume.
   */
  region?: { start: Vec3; size: Vec3 };
  /**
   * Measure each spot in the input volume (`measureSpots` of `@dmdet/postprocess`, at the spot size
   * used, else estimated, else σxy 1.4, σz 1): raw intensity, local background and noise, integrated
   * intensity above the background within 2σ, SNR; with `{ fit: true }` also a Gaussian fit's σxy,
   * σz and amplitude. Default false.
   */
  measure?: boolean | { fit?: boolean };
  /**
   * Drop axial ghosts: detections on a brighter spot's axial tail (`findAxialGhosts` of
   * `@dmdet/postprocess`; positions at the model's spot scale, contrasts in this volume). Default:
   * the model's rule (`metadata.axialGhosts`; the general built-in model has one), none without;
   * `false` keeps them all.
   */
  axialGhosts?: AxialGhostRule | false;
  /**
   * In-plane symmetries of the input whose maps are averaged (test-time augmentation: 1, 2, 4 or
   * 8; `predictFlipAveraged` of `@dmdet/model`), each costing one more prediction. Default: the
   * model's (`metadata.flips`, on whose maps its threshold was chosen), else 1.
   */
  flips?: TestTimeFlips;
  /**
   * A fixed knee for the model's `'background'` input transform, in noise σ: values beyond it are
   * compressed (`knee · asinh(r / knee)`). Default: the model's (`metadata.normalization.knee`, 20
   * for the built-in model, raised for very bright spots to their typical peak over its
   * `kneeRatio`, 25; docs/robustness.md, "Bright stacks"). Given, it is used as it is, in every
   * volume.
   */
  inputKnee?: number;
  /**
   * A second pass for volumes of very bright spots ({@link BrightPass} of `@dmdet/model`): where the
   * volume's typical spot peak is at least `fromPeak` noise σ, a second map at a knee `kneeFactor`
   * times higher adds its detections far from the first's. Default: the model's
   * (`metadata.brightPass`), none without; `false` runs one pass. Not run with `inputKnee`.
   */
  brightPass?: BrightPass | false;
  /**
   * The threshold rule's decoy term (`ThresholdRule.decoy` of `@dmdet/postprocess`, in the model's
   * `thresholdRule`): the map of the volume mirrored about its local background is predicted too,
   * and the threshold raised until its maxima above it are few against the volume's. It runs where
   * the rule measured the volume's signal (at least its `minSpots` confident maxima) and the
   * clutter reaches the term's `fromClutter`. `false` skips it (one prediction fewer). Not run with
   * `threshold` given, nor in the bright pass.
   */
  decoy?: boolean;
  /**
   * Called after each tile. The decoy's and the bright pass's tiles are counted again from 1, with
   * `map` saying which second map they belong to (absent for the volume's own).
   */
  onProgress?: (progress: DetectProgress) => void;
  signal?: AbortSignal;
}

/**
 * Progress of {@link detect}: `done` of `total` tiles of one map; `map` is `'decoy'` for the
 * threshold rule's decoy map, `'bright'` for the bright pass's, absent for the volume's own map.
 */
export interface DetectProgress {
  done: number;
  total: number;
  map?: 'decoy' | 'bright';
}

/** One detected particle: voxel coordinates (0-based, sub-voxel), score, and µm where a voxel size is known. */
export interface DetectedPoint {
  x: number;
  y: number;
  z: number;
  /** The predicted density at the maximum (0–1). */
  score: number;
  xUm?: number;
  yUm?: number;
  zUm?: number;
  /** With `measure`: the spot's measurements in the volume's values. */
  measurement?: SpotMeasurement;
}

/** What {@link detect} found. */
export interface DetectResult {
  points: DetectedPoint[];
  /** The threshold used. */
  threshold: number;
  /**
   * Where the threshold came from: `given` (the `threshold` option), `signal` (the model's
   * threshold rule, from the volume's signal, raised by its `clutter` term where it has one), `crowded` (the rule's `crowded` branch, for a faint
   * volume crowded with maxima), `sparse` (the rule's `fallback`, for a volume with too few confident
   * maxima to measure its signal), `model` (the model's fixed threshold, also for such a volume when
   * the rule has no fallback) or `default` (0.5).
   */
  thresholdSource: 'given' | 'signal' | 'crowded' | 'sparse' | 'model' | 'default';
  /** With a threshold rule: the volume's signal (`volumeSignal`), absent when too few confident maxima. */
  signal?: number;
  /**
   * With a threshold rule that has a `crowded` branch: the map's maxima scoring at least the
   * branch's `score` per million voxels (`maximaDensity`, at the model's spot scale).
   */
  density?: number;
  /**
   * With a threshold rule that has a `clutter` term: the map's maxima scoring in [the term's
   * `score`, the rule's `confidence`) per confident maximum (`maximaClutter`).
   */
  clutter?: number;
  /** How much the rule's `clutter` term raised this volume's threshold, where it did (> 0). */
  clutterRaise?: number;
  /**
   * The raise the rule's `clutter` term asked for and that was not applied (> 0), because the raised
   * threshold would have kept fewer than a tenth of the map's maxima the threshold without it keeps
   * (`clutterRaiseHolds` of `@dmdet/postprocess`): the spots themselves score below confident, as
   * in data unlike the training family, and the raise would have taken them all.
   */
  clutterRaiseDropped?: number;
  /**
   * With a threshold rule that has a `valley` term and a valley found in the map's maxima scores
   * (`scoreValley` of `@dmdet/postprocess`): its score and its depth (its density over the top
   * mode's).
   */
  valley?: ScoreValley;
  /**
   * How far the rule's `valley` term moved this volume's threshold, where it did (`valleyThreshold`:
   * negative lowered to the valley, positive raised to it).
   */
  valleyShift?: number;
  /**
   * Where the rule's decoy term ran (`decoy`): the decoy map's maxima and the volume's at or above
   * the threshold the rule's other terms gave, how far the term raised it (0 where it did not) and
   * the raise it asked for and did not apply, as it would keep under a tenth of the maxima (`dropped`).
   */
  decoy?: { decoys: number; maxima: number; raise: number; dropped?: number };
  /**
   * With a threshold rule: the threshold it gives this volume (without a signal, its fallback or
   * else the model's fixed threshold), also when a `threshold` option was used instead.
   */
  ruleThreshold?: number;
  /** Detections above the threshold dropped as axial ghosts (in `region` where one was given; 0 when no rule applied). */
  axialGhosts: number;
  /** Tiles predicted (1: the whole volume at once), the decoy's and the bright pass's maps counted too. */
  tiles: number;
  /** In-plane symmetries averaged per tile (1: none). */
  flips: TestTimeFlips;
  /** The predicted density map, with `keepMap` (in the model's grid: see `resampling`). */
  map?: Volume<Float32Array>;
  /** The spot size used, for a model with a spot scale. */
  spotSize?: UsedSpotSize;
  /** How the volume was resampled to the model's spot scale (absent: used as it is). */
  resampling?: Resampling;
  /**
   * With the `'background'` input transform: the knee used, in noise σ (the model's, `inputKnee`, or
   * raised for very bright spots by the model's `kneeRatio`).
   */
  inputKnee?: number;
  /** With a `kneeRatio` in the model's input transform: the volume's typical spot peak, in noise σ (`typicalSpotPeak`). */
  spotPeak?: number;
  /**
   * Where the bright pass ran (`brightPass`): its knee (noise σ), its threshold, and how many
   * detections it added (in `region` where one was given); `inputKnee` and `threshold` are the first pass's.
   */
  brightPass?: { knee: number; threshold: number; added: number };
  /**
   * With the `'background'` input transform, where it read the volume (as resampled) as clipped from
   * below (an offset or background subtracted and the negatives stored as the clip): the clip value
   * and the fraction of the voxels drawn below it from the noise fitted above it (`backgroundInput`).
   */
  clippedInput?: { value: number; fraction: number };
  /**
   * Voxels that hold no data (`missingVoxels` of `@dmdet/preprocess`): not finite numbers (NaN,
   * ±Infinity), or padding (a constant at the volume's minimum, in regions, well below the data, as
   * deskewed, registered or stitched stacks have). They were left out of the input transform's
   * statistics and given its background noise in the network's input (read as background), and no
   * detection lies in them. Absent when every voxel holds data.
   */
  missingVoxels?: { nonFinite: number; padding: number; paddingValue?: number; fraction: number };
  /**
   * A pattern repeated in every slice (`pixelPattern` of `@dmdet/preprocess`; an sCMOS camera's
   * pixel offsets): its spread over what the volume's noise alone would give it (about 1: none).
   * Absent for stacks of fewer than 8 slices. Above 1.5 detect warns (no stack without a pattern
   * read above 1.30 in the project's checks), and `modelForPixelPattern` names the built-in `scmos`
   * model, as `dmdet detect` without `--model` uses.
   */
  pixelPattern?: number;
  /** What may be wrong and what to try (spot size outside the model's training range, almost nothing found among many bright spots, a camera's pixel pattern). */
  warnings: string[];
}

function checkVolume(volume: Volume): Vec3 {
  const shape = volume?.shape;
  if (shape?.length !== 3 || !ArrayBuffer.isView(volume.data)) {
    throw new PipelineError('INVALID_INPUT', 'detect needs a volume { data, shape: [z, y, x] }');
  }
  const [Z, Y, X] = shape;
  if (volume.data.length !== Z * Y * X)
    throw new PipelineError(
      'INVALID_INPUT',
      `volume has ${volume.data.length} values but its shape ${shape.join('×')} needs ${Z * Y * X}`,
    );
  if (Z < 2)
    throw new PipelineError(
      'INVALID_INPUT',
      `the volume is a single 2D plane (${shape.join('×')}); dmdet detects particles in 3D stacks of at least 2 slices`,
    );
  return [Z, Y, X];
}

function checkRegion(region: { start: Vec3; size: Vec3 }, shape: Vec3): { start: Vec3; size: Vec3 } {
  const ok =
    Array.isArray(region?.start) &&
    Array.isArray(region?.size) &&
    [0, 1, 2].every((k) => {
      const a = region.start[k] as number;
      const n = region.size[k] as number;
      return Number.isInteger(a) && Number.isInteger(n) && a >= 0 && n >= 1 && a + n <= (shape[k] as number);
    });
  if (!ok)
    throw new PipelineError(
      'INVALID_OPTION',
      `region must be { start: [z, y, x], size: [z, y, x] } of integers inside the ${shape.join('×')} volume, got ${JSON.stringify(region)}`,
    );
  return region;
}

/** Whether a position (voxels) rounds to a voxel inside `region`. */
function insideRegion(p: { x: number; y: number; z: number }, region: { start: Vec3; size: Vec3 }): boolean {
  return [p.z, p.y, p.x].every((v, k) => {
    const r = Math.round(v);
    return r >= (region.start[k] as number) && r < (region.start[k] as number) + (region.size[k] as number);
  });
}

/**
 * `region` (source voxels) at the scale of the predicted map (`scaled`), widened by one voxel for
 * the scale's rounding and by the maxima's neighbourhood plus one for refinement, so that every
 * maximum inside the region is decided on predicted values; clipped to the map.
 */
function regionAtScale(
  region: { start: Vec3; size: Vec3 },
  shape: Vec3,
  scaled: Vec3,
  minDistance: number | { z: number; xy: number },
): { start: Vec3; size: Vec3 } {
  const md =
    typeof minDistance === 'number'
      ? [minDistance, minDistance, minDistance]
      : [minDistance.z, minDistance.xy, minDistance.xy];
  const start: number[] = [];
  const size: number[] = [];
  for (let k = 0; k < 3; k++) {
    const f = (scaled[k] as number) / (shape[k] as number);
    const pad = 1 + Math.ceil(md[k] as number) + 1;
    const a = Math.max(0, Math.floor((region.start[k] as number) * f) - pad);
    const b = Math.min(
      scaled[k] as number,
      Math.ceil(((region.start[k] as number) + (region.size[k] as number)) * f) + pad,
    );
    start.push(a);
    size.push(b - a);
  }
  return { start: start as unknown as Vec3, size: size as unknown as Vec3 };
}

/**
 * Detects particles in a 3D volume with a DM-DetNet3D model: for a model that records its spot scale,
 * resamples the volume to it (spot size given or estimated; positions mapped back exactly), then normalises it as the model was
 * trained (as its metadata says: percentiles, or background median and noise σ), predicts the density map (whole, or in tiles carrying the network's receptive radius of
 * context, or the context the model's metadata records as enough (`metadata.context`), where it is large or a `predictor` pool runs tiles in parallel; instance normalisation
 * takes its statistics per tile, so tiles are close to, not identical with, one whole pass), and returns its local
 * maxima above the threshold, refined to sub-voxel positions, with µm coordinates where a voxel size
 * is known.
 *
 * @example
 * const model = await loadModel('default');
 * const { points } = await detect(volume, { model });
 */
export async function detect(volume: Volume, options: DetectOptions): Promise<DetectResult> {
  const shape = checkVolume(volume);
  const region = options.region ? checkRegion(options.region, shape) : undefined;
  const { model, metadata } = options.model ?? ({} as DetectorModel);
  if (!model || typeof model.predict !== 'function' || metadata?.format !== 'dmdet-model')
    throw new PipelineError('INVALID_OPTION', 'model must be a { model, metadata } pair from loadModel');
  const fixed = options.threshold ?? metadata.threshold ?? 0.5;
  if (typeof fixed !== 'number' || !(fixed > 0 && fixed < 1))
    throw new PipelineError('INVALID_OPTION', `threshold must be a number between 0 and 1, got ${fixed}`);
  const flips = checkFlipsOption(options.flips ?? metadata.flips ?? 1);
  await ensureBackend(options.backend);
  const voxelSize = options.voxelSize ?? volume.voxelSize;
  // Voxels that hold no data (NaN, padding): left out of the transform's statistics, given its
  // background noise in the network's input, the data's median where a step needs numbers.
  const missing = missingVoxels(volume);
  if (missing && missing.nonFinite + missing.padding === volume.data.length)
    throw new PipelineError(
      'INVALID_INPUT',
      `no voxel of the volume holds data: ${missing.nonFinite} are not finite numbers and ${missing.padding} are padding`,
    );
  const source = missing ? withMissing(volume, missing, 'fill') : volume;
  const withNaN = missing ? withMissing(volume, missing, 'nan') : volume;
  // Read at the camera's pixels, before any resampling mixes them.
  const pattern = pixelPattern(withNaN);
  const plan = planSpotScale(source, metadata, options.spotSize, voxelSize);
  const normalization = withKnee(metadata.normalization ?? DEFAULT_NORMALIZATION, options.inputKnee);
  // A stack clipped from below has its clipped voxels drawn before resampling mixes them.
  const resampled = resamples(plan)
    ? resampleForModel(volume, plan.resampling, normalization, missing)
    : undefined;
  const scaled = resampled?.volume ?? withNaN;
  const minDistance = options.minDistance ?? DEFAULT_MIN_DISTANCE;
  const context: PassContext = {
    detector: options.model,
    scaled,
    source,
    plan,
    zoom: resamples(plan) ? logZoom(plan.resampling) : 0,
    fixed,
    minDistance,
    ...(region ? { mapRegion: regionAtScale(region, volume.shape, scaled.shape, minDistance) } : {}),
    ghostRule: ghostRuleFor(options.axialGhosts, metadata),
    flips,
    options,
  };
  if (options.decoy !== undefined && typeof options.decoy !== 'boolean')
    throw new PipelineError(
      'INVALID_OPTION',
      `decoy must be true or false, got ${JSON.stringify(options.decoy)}`,
    );
  const first = await detectionPass(context, normalization, options.decoy !== false);
  const { prepared, map, signal, density, fromRule, threshold, thresholdSource } = first;
  // A given knee is used as it is: no bright pass then (the option is still checked).
  const brightRule = brightPassFor(options.brightPass, metadata);
  const second =
    brightRule &&
    options.inputKnee === undefined &&
    prepared.knee !== undefined &&
    (prepared.spotPeak ?? 0) >= brightRule.fromPeak
      ? await detectionPass(
          withProgressMap(context, 'bright'),
          withKnee(normalization, prepared.knee * brightRule.kneeFactor),
          false,
        )
      : undefined;
  const added = second && brightRule ? addedByBrightPass(first, second, brightRule.separation) : [];
  const tiles = first.tiles + (second?.tiles ?? 0);
  const ruleThreshold = fromRule?.threshold;
  const clutter = fromRule?.clutter;
  const clutterRaise = fromRule?.clutterRaise ?? 0;
  const clutterRaiseDropped = fromRule?.clutterRaiseDropped ?? 0;
  const valleyShift = fromRule?.valleyShift ?? 0;
  const kept = [...first.kept, ...added];
  const ghosts = first.ghosts;
  // What the result reports: detections on voxels that hold data, inside the region where one was given.
  const reported = (d: { x: number; y: number; z: number }) =>
    (!missing || holdsData(d, shape, missing.mask)) && (!region || insideRegion(d, region));
  const found = kept.filter(reported);
  const warnings = [...(plan?.warnings ?? [])];
  const bright = plan?.spotSize.candidates ?? 0;
  if (bright >= 20 && found.length < 0.1 * bright)
    warnings.push(
      `${found.length} detections among ${bright} bright spot-like maxima: the model may not know this data. Try a lower threshold (--threshold ${(threshold / 2).toFixed(2)}), check the spot size${plan?.spotSize.source === 'estimated' ? ` (estimated σxy ${plan.spotSize.xy.toFixed(2)} px, σz ${plan.spotSize.z.toFixed(2)} slices; --spot-size to give it)` : ''}, or fine-tune on a few annotated volumes`,
    );
  const decoyRaise = first.decoy ? first.decoy.threshold - (ruleThreshold ?? first.decoy.threshold) : 0;
  if (decoyRaiseWarns(decoyRaise))
    warnings.push(decoyRaiseWarning(decoyRaise, trainedWithEffects(metadata.training)));
  if (pattern && pattern.ratio > PIXEL_PATTERN_WARNING)
    warnings.push(pixelPatternWarning(pattern.ratio, trainedWithPixelPattern(metadata.training)));
  const points: DetectedPoint[] = found.map((d) => {
    const p: DetectedPoint = { x: d.x, y: d.y, z: d.z, score: d.score };
    if (voxelSize) {
      p.xUm = d.x * voxelSize[2];
      p.yUm = d.y * voxelSize[1];
      p.zUm = d.z * voxelSize[0];
    }
    return p;
  });
  if (options.measure) {
    const size = plan?.spotSize ?? estimateSpotSize(source) ?? { xy: 1.4, z: 1 };
    const spotSize = { xy: size.xy, z: Number.isFinite(size.z) ? size.z : 1 };
    const fit = typeof options.measure === 'object' && options.measure.fit === true;
    const measured = measureSpots(source.data, volume.shape, points, { spotSize, fit });
    points.forEach((p, i) => {
      p.measurement = measured[i] as SpotMeasurement;
    });
  }
  return {
    points,
    threshold,
    thresholdSource,
    ...(signal !== undefined ? { signal } : {}),
    ...(density !== undefined ? { density } : {}),
    ...(clutter !== undefined ? { clutter } : {}),
    ...(clutterRaise > 0 ? { clutterRaise } : {}),
    ...(clutterRaiseDropped > 0 ? { clutterRaiseDropped } : {}),
    ...(fromRule?.valley ? { valley: fromRule.valley } : {}),
    ...(valleyShift !== 0 ? { valleyShift } : {}),
    ...(first.decoy
      ? {
          decoy: {
            decoys: first.decoy.decoys,
            maxima: first.decoy.maxima,
            raise: decoyRaise,
            ...(first.decoy.dropped !== undefined ? { dropped: first.decoy.dropped } : {}),
          },
        }
      : {}),
    ...(ruleThreshold !== undefined ? { ruleThreshold } : {}),
    axialGhosts: ghosts.filter((d) => !region || insideRegion(d, region)).length,
    tiles,
    flips,
    ...(options.keepMap ? { map } : {}),
    ...(plan ? { spotSize: plan.spotSize } : {}),
    ...(resamples(plan) ? { resampling: plan.resampling } : {}),
    ...(prepared.knee !== undefined ? { inputKnee: prepared.knee } : {}),
    ...(prepared.spotPeak !== undefined ? { spotPeak: prepared.spotPeak } : {}),
    ...(second
      ? {
          brightPass: {
            knee: second.prepared.knee as number,
            threshold: second.threshold,
            added: added.filter(reported).length,
          },
        }
      : {}),
    ...(pattern ? { pixelPattern: pattern.ratio } : {}),
    ...(missing
      ? {
          missingVoxels: {
            nonFinite: missing.nonFinite,
            padding: missing.padding,
            ...(missing.paddingValue !== undefined ? { paddingValue: missing.paddingValue } : {}),
            fraction: (missing.nonFinite + missing.padding) / volume.data.length,
          },
        }
      : {}),
    ...(resampled?.clipped
      ? { clippedInput: resampled.clipped }
      : prepared.clipped
        ? { clippedInput: prepared.clipped }
        : {}),
    warnings,
  };
}

/** Whether the voxel nearest a detection holds data (`mask` 0 there). */
function holdsData(d: { x: number; y: number; z: number }, shape: Vec3, mask: Uint8Array): boolean {
  const [Z, Y, X] = shape;
  const at = (v: number, n: number) => Math.min(n - 1, Math.max(0, Math.round(v)));
  return mask[(at(d.z, Z) * Y + at(d.y, Y)) * X + at(d.x, X)] === 0;
}

function checkFlipsOption(flips: unknown): TestTimeFlips {
  try {
    return checkTestTimeFlips(flips, 'flips');
  } catch (e) {
    throw new PipelineError('INVALID_OPTION', (e as Error).message, { cause: e });
  }
}

/** The model's input transform with the fixed knee `inputKnee` (checked), or as it is without one. */
function withKnee(normalization: InputNormalization, inputKnee: number | undefined): InputNormalization {
  if (inputKnee === undefined) return normalization;
  if (typeof inputKnee !== 'number' || !(inputKnee > 0))
    throw new PipelineError(
      'INVALID_OPTION',
      `inputKnee must be a positive number of noise σ, got ${inputKnee}`,
    );
  if (normalization.method !== 'background')
    throw new PipelineError(
      'INVALID_OPTION',
      `inputKnee needs a model with the 'background' input transform; this model's is '${normalization.method ?? 'percentile'}'`,
    );
  const { kneeRatio: _following, ...fixed } = normalization;
  return { ...fixed, knee: inputKnee };
}

/** The bright pass detection applies: the option's (checked), none for `false`, else the model's. */
export function brightPassFor(
  option: DetectOptions['brightPass'],
  metadata: Pick<ModelMetadata, 'brightPass'>,
): BrightPass | undefined {
  if (option === false) return undefined;
  if (option === undefined) return metadata.brightPass;
  try {
    return checkBrightPass(option, 'brightPass');
  } catch (e) {
    throw new PipelineError('INVALID_OPTION', (e as Error).message, { cause: e });
  }
}

/**
 * The second pass's detections (source voxels) farther than `separation` from every first-pass
 * detection, both at the model's spot scale.
 */
function addedByBrightPass(first: DetectionPass, second: DetectionPass, separation: number) {
  const indexed = second.keptAtScale.map((d, i) => ({ x: d.x, y: d.y, z: d.z, i }));
  return pointsApart(indexed, first.keptAtScale, separation).map(
    (d) => second.kept[d.i] as DetectionPass['kept'][number],
  );
}

/** The axial-ghost rule detection applies: the option's (checked), none for `false`, else the model's. */
export function ghostRuleFor(
  option: DetectOptions['axialGhosts'],
  metadata: Pick<ModelMetadata, 'axialGhosts'>,
): AxialGhostRule | undefined {
  return option === false
    ? undefined
    : option !== undefined
      ? checkGhostOption(option)
      : metadata.axialGhosts;
}

function checkGhostOption(rule: unknown): AxialGhostRule {
  try {
    return checkAxialGhostRule(rule, 'axialGhosts');
  } catch (e) {
    throw new PipelineError('INVALID_OPTION', (e as Error).message, { cause: e });
  }
}
