import { resolveConfig } from '@dmdet/model';
import {
  type AxialGhostRule,
  type DecoyCut,
  decoyThreshold,
  findAxialGhosts,
  isCrowded,
  localContrasts,
  localMaxima3D,
  maximaDensity,
  volumeSignal,
} from '@dmdet/postprocess';
import { fromResampled, type InputNormalization } from '@dmdet/preprocess';
import { createVolume, type Vec3, type Volume } from '@dmdet/volume-io';
import type { DetectOptions, DetectorModel, DetectResult } from './detect';
import { modelInput } from './model-input';
import { predictMap } from './predict-map';
import { type RuleThreshold, ruleThresholdFor } from './rule-threshold';
import type { SpotScalePlan } from './spot-scale';
import { resamples } from './spot-scale';

/** What every pass of one `detect` call shares: the volume as the model takes it and the settings. */
export interface PassContext {
  detector: DetectorModel;
  /** The volume at the model's spot scale (resampled, or the source with NaN where no data). */
  scaled: Volume;
  /** The source volume, its missing voxels filled (local contrasts for the axial-ghost rule). */
  source: Volume;
  plan: SpotScalePlan | undefined;
  /** log2 of the resampling's zoom (0 without). */
  zoom: number;
  /** The model's fixed threshold, or the `threshold` option. */
  fixed: number;
  minDistance: number | { z: number; xy: number };
  /** The map region to predict and look for maxima in (`regionAtScale`), if any. */
  mapRegion?: { start: Vec3; size: Vec3 };
  /** The axial-ghost rule applied (`ghostRuleFor`), if any. */
  ghostRule: AxialGhostRule | undefined;
  flips: DetectResult['flips'];
  options: DetectOptions;
}

/** One pass of detection at one input transform: the map, its maxima, the threshold and what it kept. */
export interface DetectionPass {
  prepared: ReturnType<typeof modelInput>;
  map: Volume<Float32Array>;
  tiles: number;
  signal?: number;
  density?: number;
  fromRule?: RuleThreshold;
  /** What the rule's decoy term did, where it ran. */
  decoy?: DecoyCut;
  threshold: number;
  thresholdSource: DetectResult['thresholdSource'];
  /** Maxima at or above the threshold, not axial ghosts: at the model's spot scale. */
  keptAtScale: { x: number; y: number; z: number; score: number }[];
  /** The same, in source voxels. */
  kept: { x: number; y: number; z: number; score: number }[];
  /** Maxima at or above the threshold dropped as axial ghosts, in source voxels. */
  ghosts: { x: number; y: number; z: number; score: number }[];
}

/** `ctx` with its progress callback tagging each tile with `map` (`DetectProgress`). */
export function withProgressMap(ctx: PassContext, map: 'decoy' | 'bright'): PassContext {
  const report = ctx.options.onProgress;
  return report ? { ...ctx, options: { ...ctx.options, onProgress: (p) => report({ ...p, map }) } } : ctx;
}

/**
 * One detection pass: the model's input transform `normalization` of the scaled volume, the
 * predicted map, its local maxima, the threshold (the `threshold` option, else the model's rule
 * from this pass's map and input, else its fixed threshold), and the maxima kept above it once axial
 * ghosts are dropped. Where the rule has a decoy term and `withDecoy` is set (no threshold given,
 * the rule's signal measured, the volume's clutter at least the term's `fromClutter`), the map of the negated input (the volume
 * mirrored about its local background) is predicted too, and the rule's threshold raised by
 * `decoyThreshold` on its maxima.
 */
export async function detectionPass(
  ctx: PassContext,
  normalization: InputNormalization,
  withDecoy = true,
): Promise<DetectionPass> {
  const { detector, plan, zoom, fixed, minDistance, options } = ctx;
  const { model, metadata } = detector;
  const rule = metadata.thresholdRule;
  const prepared = modelInput(ctx.scaled, normalization);
  const input = prepared.volume;
  const predict = (volume: Volume<Float32Array>, onProgress = options.onProgress) =>
    predictMap(model, resolveConfig(metadata.config), volume, options.predictor, {
      ...(options.tile && options.tile !== 'auto' ? { tile: options.tile } : {}),
      maxTileVoxels: options.maxTileVoxels,
      ...(ctx.mapRegion ? { region: ctx.mapRegion } : {}),
      ...(metadata.context ? { context: metadata.context.radius } : {}),
      flips: ctx.flips,
      signal: options.signal,
      onProgress,
    });
  const { map, tiles } = await predict(input);
  // One pass of maxima low enough for the rule's confident ones and any threshold it can give
  // (its knots' shifted by its zoom term, its fallback, its crowded branch's threshold and score).
  const fallback = metadata.threshold ?? 0.5;
  const crowded = rule?.crowded;
  const floor = rule
    ? Math.min(
        fixed,
        rule.fallback ?? fallback,
        rule.confidence,
        ...(crowded ? [crowded.threshold, crowded.score] : []),
        ...(rule.clutter ? [rule.clutter.score] : []),
        ...(rule.valley ? [rule.valley.from] : []),
        ...rule.thresholds.map((t) => Math.max(0.01, t + (rule.zoomSlope ?? 0) * zoom)),
      )
    : fixed;
  const candidates = localMaxima3D(map, { threshold: floor, minDistance });
  const signal = rule ? volumeSignal(input, candidates, rule) : undefined;
  // Crowding per million voxels of the map that was predicted (the region's, when one was given).
  const region = ctx.mapRegion;
  const mapVoxels = region
    ? region.size[0] * region.size[1] * region.size[2]
    : input.shape[0] * input.shape[1] * input.shape[2];
  const density = crowded ? maximaDensity(candidates, crowded.score, mapVoxels) : undefined;
  const fromRule = rule ? ruleThresholdFor(rule, candidates, signal, fallback, zoom, density) : undefined;
  const ruled = options.threshold ?? fromRule?.threshold ?? fixed;
  // The decoy: the input negated (the transform is odd about the local background), its maxima
  // from the rule's threshold up.
  // Only where the rule measured the signal (at least its minSpots confident maxima): a volume
  // without spots to speak of (noise alone, an empty block) keeps its fallback, unraised.
  const term =
    withDecoy && options.threshold === undefined && fromRule && signal !== undefined
      ? rule?.decoy
      : undefined;
  const decoyTerm =
    term && (term.fromClutter === undefined || (fromRule?.clutter ?? 0) >= term.fromClutter)
      ? term
      : undefined;
  let decoy: DecoyCut | undefined;
  let decoyTiles = 0;
  if (decoyTerm) {
    // A typed array's own map: `Float32Array.from` with a map function lists every value first
    // (about 50 bytes and 0.5 µs per voxel on Node 20).
    const negated = createVolume(
      input.data.map((v) => -v),
      input.shape,
    );
    const predicted = await predict(negated, withProgressMap(ctx, 'decoy').options.onProgress);
    decoyTiles = predicted.tiles;
    const decoyMaxima = localMaxima3D(predicted.map, { threshold: ruled, minDistance });
    decoy = decoyThreshold(decoyTerm, candidates, decoyMaxima, ruled);
  }
  const threshold = decoy?.threshold ?? ruled;
  const thresholdSource: DetectResult['thresholdSource'] =
    options.threshold !== undefined
      ? 'given'
      : signal !== undefined
        ? rule && isCrowded(rule, signal, density)
          ? 'crowded'
          : 'signal'
        : rule?.fallback !== undefined
          ? 'sparse'
          : metadata.threshold !== undefined
            ? 'model'
            : 'default';
  const above = candidates.filter((d) => d.score >= threshold);
  const aboveMapped = resamples(plan) ? above.map((d) => fromResampled(d, plan.resampling)) : above;
  const source = ctx.source;
  const ghost = ctx.ghostRule
    ? findAxialGhosts(
        above,
        (i) =>
          localContrasts(source.data, source.shape, [
            aboveMapped[i] as (typeof aboveMapped)[number],
          ])[0] as number,
        ctx.ghostRule,
      )
    : undefined;
  return {
    prepared,
    map,
    tiles: tiles + decoyTiles,
    ...(signal !== undefined ? { signal } : {}),
    ...(density !== undefined ? { density } : {}),
    ...(fromRule ? { fromRule } : {}),
    ...(decoy ? { decoy } : {}),
    threshold,
    thresholdSource,
    keptAtScale: ghost ? above.filter((_, i) => !ghost[i]) : above,
    kept: ghost ? aboveMapped.filter((_, i) => !ghost[i]) : aboveMapped,
    ghosts: ghost ? aboveMapped.filter((_, i) => ghost[i]) : [],
  };
}
