import { type HourglassConfig, hourglassGeometry } from '@dmdet/model';
import { findAxialGhosts, inAxialGhostReach, localContrasts } from '@dmdet/postprocess';
import {
  estimateSpotSize,
  missingVoxels,
  type SpotSize,
  spotScaleFactors,
  withMissing,
} from '@dmdet/preprocess';
import type { Vec3, Volume } from '@dmdet/volume-io';
import { decoyRaiseWarning, decoyRaiseWarns, trainedWithEffects } from './decoy-warning';
import { type DetectedPoint, type DetectOptions, type DetectResult, detect, ghostRuleFor } from './detect';
import { PipelineError } from './errors';
import { blockVoxels, DEFAULT_MAX_MEMORY, holdsSecondMap, tileVoxelsForMemory } from './memory-budget';
import { PIXEL_PATTERN_WARNING, pixelPatternWarning, trainedWithPixelPattern } from './pixel-pattern';
import { spotSizeInVoxels, type UsedSpotSize, usedEstimate } from './spot-scale';

/** A volume read region by region (an OME-Zarr image, a memory-mapped file, …). */
export interface VolumeSource {
  /** `[z, y, x]`. */
  shape: Vec3;
  /** µm `[z, y, x]`, when known. */
  voxelSize?: Vec3;
  /** The region `start .. start + size` as a volume. */
  read(start: Vec3, size: Vec3): Promise<Volume>;
}

/** Options of {@link detectInBlocks}: `detect`'s, and the block size. */
export interface DetectInBlocksOptions extends Omit<DetectOptions, 'keepMap' | 'onProgress' | 'region'> {
  /** Core size `[z, y, x]` of each block (each is read with a margin of context around it). Default [32, 512, 512]. */
  block?: Vec3;
  /**
   * Bound on the process's resident memory (bytes, default 1.5 GiB): tiles are sized to keep within
   * it by the measured memory model (`tileVoxelsForMemory`), unless `maxTileVoxels` is given.
   */
  maxMemory?: number;
  /** Called after each block. */
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Called with each block's maximum projection along z (its core), to draw a picture of the whole without holding it. */
  onProjection?: (projection: {
    y0: number;
    x0: number;
    height: number;
    width: number;
    data: Float32Array;
  }) => void;
}

/** What {@link detectInBlocks} found: `detect`'s result without a map, and the blocks it read. */
export interface DetectInBlocksResult
  extends Omit<
    DetectResult,
    | 'map'
    | 'tiles'
    | 'resampling'
    | 'signal'
    | 'density'
    | 'ruleThreshold'
    | 'threshold'
    | 'thresholdSource'
    | 'inputKnee'
    | 'spotPeak'
    | 'brightPass'
    | 'decoy'
    | 'clippedInput'
    | 'missingVoxels'
  > {
  /** The threshold used: the median of the blocks' (`blockThresholds`). */
  threshold: number;
  /** The largest of the blocks' `pixelPattern` (each read with its margin); absent where none was read. */
  pixelPattern?: number;
  /** Each block's threshold, in block order: with a threshold rule, each follows its own block's signal. */
  blockThresholds: number[];
  /**
   * Where the thresholds came from (as `detect`'s `thresholdSource`): `signal` when at least one
   * block took its threshold from its signal (the others, with too few confident maxima, the rule's
   * fallback or the model's threshold), else `crowded` when one took the rule's crowded branch.
   */
  thresholdSource: DetectResult['thresholdSource'];
  /**
   * With the `'background'` input transform: each block's knee (noise σ), in block order; with a
   * `kneeRatio` in the model's transform, each follows its own block's spots (`detect`'s `inputKnee`).
   */
  blockKnees?: number[];
  /**
   * Where a bright pass ran (`detect`'s `brightPass`, each block deciding from its own spots): the
   * blocks it ran in and the detections it added in their cores.
   */
  brightPass?: { blocks: number; added: number };
  /**
   * Where the threshold rule's decoy term ran (`detect`'s `decoy`, each block deciding from its own
   * clutter): the blocks it ran in and those whose threshold it raised.
   */
  decoy?: { blocks: number; raised: number };
  /** With the `'background'` input transform: the blocks it read as clipped from below (`detect`'s `clippedInput`), where any were. */
  clippedBlocks?: number;
  /**
   * Blocks with voxels that hold no data (`detect`'s `missingVoxels`: NaN, ±Infinity, padding),
   * where any were; blocks with no data at all among them are not detected in.
   */
  missingBlocks?: number;
  /** Blocks read and detected in. */
  blocks: number;
  /** Tiles predicted, over all blocks. */
  tiles: number;
  /** Most voxels in one tile (given, or chosen for `maxMemory`). */
  maxTileVoxels: number;
}

/** The reach of `localContrasts`' box (voxels per side, z-y-x): 7×21×21. */
const CONTRAST_REACH: Vec3 = [3, 10, 10];

/** A position (source voxels) in the model's spot-scale grid, by the zoom factors alone. */
function atSpotScale(p: { z: number; y: number; x: number }, zoom: Vec3) {
  return { z: p.z * zoom[0], y: p.y * zoom[1], x: p.x * zoom[2] };
}

/** Default core size of {@link detectInBlocks}'s blocks: 32×512×512. */
export const DEFAULT_DETECT_BLOCK: Vec3 = [32, 512, 512];

/**
 * The context read around each block's core (source voxels, per side): the network's receptive
 * radius (or `context`, the model's measured `metadata.context.radius`) plus the input transform's reach (background blocks of 4×16×16 and their 3×3 median: 6
 * slices, 24 pixels), divided by the zoom to the model's scale.
 */
export function blockMargin(config: HourglassConfig, zoom: Vec3 = [1, 1, 1], context?: Vec3): Vec3 {
  const receptiveRadius = context ?? hourglassGeometry(config).receptiveRadius;
  const reach = [6, 24, 24];
  return [0, 1, 2].map((k) =>
    Math.ceil(((receptiveRadius[k] as number) + (reach[k] as number)) / (zoom[k] as number)),
  ) as unknown as Vec3;
}

/** The spot size for every block: given, else estimated once on a central region of at most 2 M voxels (a few hundred spots at typical densities). */
async function commonSpotSize(
  source: VolumeSource,
  options: DetectInBlocksOptions,
): Promise<UsedSpotSize | undefined> {
  const scale = options.model.metadata.spotScale;
  if (!scale) return undefined;
  if (options.spotSize) {
    const s = spotSizeInVoxels(options.spotSize, options.voxelSize ?? source.voxelSize);
    return { xy: s.xy, z: s.z, source: 'given' };
  }
  const [Z, Y, X] = source.shape;
  const side = Math.max(1, Math.min(Y, X, Math.floor(Math.sqrt(2 ** 21 / Z))));
  const size: Vec3 = [Z, Math.min(Y, side), Math.min(X, side)];
  const start: Vec3 = [0, Math.floor((Y - size[1]) / 2), Math.floor((X - size[2]) / 2)];
  return usedEstimate(estimateSpotSize(withDataEverywhere(await source.read(start, size))), scale);
}

/** The volume with its voxels that hold no data (`missingVoxels`) set to the median of the rest. */
function withDataEverywhere(volume: Volume): Volume {
  const missing = missingVoxels(volume);
  return missing ? withMissing(volume, missing, 'fill') : volume;
}

/**
 * Detects in a volume too large to hold, block by block: each block's core (`block`, default
 * 32×512×512) is read with a margin of context (the network's receptive radius and the input
 * transform's reach, in the source's voxels) and detected in with `detect`, predicting only the
 * core (`region`: the tiles take their context from the margin), so every position comes from the
 * block that holds it in its core. The spot size is
 * the one given or estimated once on a central region, so every block is resampled alike. Memory is
 * one block with its margin (plus what `onProjection` keeps); detections equal whole-volume
 * detection up to per-block input statistics at the block borders. An axial-ghost rule is applied
 * once over all blocks' detections (positions scaled by the zoom to the model's spot scale), with
 * contrasts measured while each block is held for the points that can need one (a neighbour in reach
 * in the block, or near a face it shares with another block), so a ghost and its spot may lie in
 * different blocks.
 *
 * @example
 * const image = await openOmeZarrFile('embryo.ome.zarr');
 * const source = { shape: image.info.shape, voxelSize: image.info.voxelSize, read: (start, size) => image.read({ start, size }) };
 * const { points } = await detectInBlocks(source, { model: await loadModel('default') });
 */
export async function detectInBlocks(
  source: VolumeSource,
  options: DetectInBlocksOptions,
): Promise<DetectInBlocksResult> {
  const shape = source?.shape;
  if (!Array.isArray(shape) || shape.length !== 3 || typeof source.read !== 'function')
    throw new PipelineError(
      'INVALID_INPUT',
      'detectInBlocks needs a source { shape: [z, y, x], read(start, size) }',
    );
  const block = options.block ?? DEFAULT_DETECT_BLOCK;
  if (block.length !== 3 || block.some((b) => !Number.isInteger(b) || b < 1))
    throw new PipelineError(
      'INVALID_OPTION',
      `block must be [z, y, x] positive integers, got ${JSON.stringify(block)}`,
    );
  const metadata = options.model.metadata;
  const patternTrained = trainedWithPixelPattern(metadata.training);
  const effectsTrained = trainedWithEffects(metadata.training);
  const spot = await commonSpotSize(source, options);
  const zoom = (
    spot && metadata.spotScale ? spotScaleFactors(spot as SpotSize, metadata.spotScale) : [1, 1, 1]
  ) as Vec3;
  const ghostRule = ghostRuleFor(options.axialGhosts, metadata);
  // With an axial-ghost rule, the margin also holds each core point's contrast box (7×21×21).
  const halo = blockMargin(metadata.config, zoom, metadata.context?.radius).map((m, k) =>
    ghostRule ? Math.max(m, CONTRAST_REACH[k] as number) : m,
  ) as unknown as Vec3;
  const starts = (n: number, b: number) => Array.from({ length: Math.ceil(n / b) }, (_, i) => i * b);
  const cores = starts(shape[0], block[0]).flatMap((z) =>
    starts(shape[1], block[1]).flatMap((y) => starts(shape[2], block[2]).map((x) => [z, y, x] as Vec3)),
  );
  const { block: _b, onProjection: _p, onProgress: _o, maxMemory: _m, ...detectOptions } = options;
  const warnings = new Set<string>();
  // Tiles as large as the memory bound allows, with one block held (at the model's scale when larger).
  const maxMemory = options.maxMemory ?? DEFAULT_MAX_MEMORY;
  if (!(maxMemory > 0))
    throw new PipelineError(
      'INVALID_OPTION',
      `maxMemory must be a positive number of bytes, got ${maxMemory}`,
    );
  const held = blockVoxels(block, halo, shape) * Math.max(1, zoom[0] * zoom[1] * zoom[2]);
  const flips = options.flips ?? metadata.flips ?? 1;
  const budget = tileVoxelsForMemory(
    held,
    options.predictor?.size ?? 0,
    maxMemory,
    flips,
    holdsSecondMap(metadata, options),
  );
  const maxTileVoxels = options.maxTileVoxels ?? budget.tileVoxels;
  if (options.maxTileVoxels === undefined && !budget.fits)
    warnings.add(
      `detection may need about ${Math.round(budget.estimate / 2 ** 20)} MiB, above the bound of ${Math.round(maxMemory / 2 ** 20)} MiB: use fewer workers or smaller blocks`,
    );
  detectOptions.maxTileVoxels = maxTileVoxels;
  const points: DetectedPoint[] = [];
  // Each point's contrast, measured while its block is held where the ghost rule may need it; NaN elsewhere.
  const contrasts: number[] = [];
  let tiles = 0;
  const blockThresholds: number[] = [];
  const blockKnees: number[] = [];
  let clippedBlocks = 0;
  let brightBlocks = 0;
  let brightAdded = 0;
  let decoyBlocks = 0;
  let decoyRaised = 0;
  // Blocks whose decoy raise draws the warning, and the largest raise: one warning for them all (below).
  let decoyWarned = 0;
  let decoyMaxRaise = 0;
  let missingBlocks = 0;
  let thresholdSource: DetectResult['thresholdSource'] | undefined;
  let pattern: number | undefined;
  for (const [i, core] of cores.entries()) {
    options.signal?.throwIfAborted();
    const coreSize = [0, 1, 2].map((k) =>
      Math.min(block[k] as number, (shape[k] as number) - (core[k] as number)),
    ) as unknown as Vec3;
    const start = [0, 1, 2].map((k) =>
      Math.max(0, (core[k] as number) - (halo[k] as number)),
    ) as unknown as Vec3;
    const end = [0, 1, 2].map((k) =>
      Math.min(shape[k] as number, (core[k] as number) + (coreSize[k] as number) + (halo[k] as number)),
    );
    const size = [0, 1, 2].map((k) => (end[k] as number) - (start[k] as number)) as unknown as Vec3;
    const volume = await source.read(start, size);
    if (!volume.data.some(Number.isFinite)) {
      // No data in this block or its margin (every voxel NaN or ±Infinity; padding alone is a flat
      // block, which detect reads as such): nothing to detect.
      missingBlocks++;
      options.onProgress?.({ done: i + 1, total: cores.length });
      continue;
    }
    // Only the core is predicted; the margin is context (for the input transform and the network).
    const coreRegion = {
      start: [0, 1, 2].map((k) => (core[k] as number) - (start[k] as number)) as unknown as Vec3,
      size: coreSize,
    };
    const result = await detect(
      { ...volume, ...(source.voxelSize ? { voxelSize: source.voxelSize } : {}) },
      {
        ...detectOptions,
        region: coreRegion,
        ...(spot ? { spotSize: { xy: spot.xy, z: spot.z } } : {}),
        axialGhosts: false,
      },
    );
    blockThresholds.push(result.threshold);
    if (result.inputKnee !== undefined) blockKnees.push(result.inputKnee);
    if (result.brightPass) {
      brightBlocks++;
      brightAdded += result.brightPass.added;
    }
    if (result.decoy) {
      decoyBlocks++;
      if (result.decoy.raise > 0) decoyRaised++;
      if (decoyRaiseWarns(result.decoy.raise)) decoyWarned++;
      decoyMaxRaise = Math.max(decoyMaxRaise, result.decoy.raise);
    }
    if (result.clippedInput) clippedBlocks++;
    if (result.missingVoxels) missingBlocks++;
    if (
      thresholdSource === undefined ||
      result.thresholdSource === 'signal' ||
      (result.thresholdSource === 'crowded' && thresholdSource !== 'signal')
    )
      thresholdSource = result.thresholdSource;
    tiles += result.tiles;
    // The pixel-pattern warning once, for the block that reads the most (below).
    const patternWarning =
      result.pixelPattern !== undefined && result.pixelPattern > PIXEL_PATTERN_WARNING
        ? pixelPatternWarning(result.pixelPattern, patternTrained)
        : undefined;
    const decoyWarning =
      result.decoy && decoyRaiseWarns(result.decoy.raise)
        ? decoyRaiseWarning(result.decoy.raise, effectsTrained)
        : undefined;
    for (const w of result.warnings) if (w !== patternWarning && w !== decoyWarning) warnings.add(w);
    if (result.pixelPattern !== undefined) pattern = Math.max(pattern ?? 0, result.pixelPattern);
    const vs = options.voxelSize ?? source.voxelSize;
    const first = points.length;
    for (const p of result.points) {
      const g = { ...p, z: p.z + start[0], y: p.y + start[1], x: p.x + start[2] };
      const inCore = [g.z, g.y, g.x].every((v, k) => {
        const r = Math.round(v);
        return r >= (core[k] as number) && r < (core[k] as number) + (coreSize[k] as number);
      });
      if (!inCore) continue;
      if (vs) {
        g.xUm = g.x * vs[2];
        g.yUm = g.y * vs[1];
        g.zUm = g.z * vs[0];
      }
      points.push(g);
    }
    if (ghostRule) {
      // A point can pair with another in this core, or with one in a neighbouring block's when it
      // lies within the rule's reach of this core's inner faces: measure those, here.
      const mine = points.slice(first);
      const filled = result.missingVoxels ? withDataEverywhere(volume) : volume;
      const reach = inAxialGhostReach(
        mine.map((p) => atSpotScale(p, zoom)),
        ghostRule,
      );
      const span = [ghostRule.dz[1], ghostRule.lateral, ghostRule.lateral].map(
        (r, k) => r / (zoom[k] as number) + 1,
      );
      const nearFace = (p: DetectedPoint) =>
        [p.z, p.y, p.x].some((v, k) => {
          const lo = core[k] as number;
          const hi = lo + (coreSize[k] as number);
          return (
            (lo > 0 && v - lo < (span[k] as number)) ||
            (hi < (shape[k] as number) && hi - v < (span[k] as number))
          );
        });
      for (const [i, p] of mine.entries())
        contrasts.push(
          reach[i] || nearFace(p)
            ? (localContrasts(filled.data, volume.shape, [
                { z: p.z - start[0], y: p.y - start[1], x: p.x - start[2] },
              ])[0] as number)
            : Number.NaN,
        );
    }
    if (options.onProjection) {
      const [, Y, X] = size;
      const oy = core[1] - start[1];
      const ox = core[2] - start[2];
      const oz = core[0] - start[0];
      const proj = new Float32Array(coreSize[1] * coreSize[2]).fill(Number.NEGATIVE_INFINITY);
      for (let z = oz; z < oz + coreSize[0]; z++)
        for (let y = 0; y < coreSize[1]; y++)
          for (let x = 0; x < coreSize[2]; x++) {
            const v = volume.data[(z * Y + oy + y) * X + ox + x] as number;
            if (v > (proj[y * coreSize[2] + x] as number)) proj[y * coreSize[2] + x] = v;
          }
      options.onProjection({ y0: core[1], x0: core[2], height: coreSize[1], width: coreSize[2], data: proj });
    }
    options.onProgress?.({ done: i + 1, total: cores.length });
  }
  // The rule over all blocks at once (its one-sided count too), as on the whole volume: points
  // without a measured contrast have no other in reach.
  const ghost = ghostRule
    ? findAxialGhosts(
        points.map((p) => atSpotScale(p, zoom)),
        contrasts,
        ghostRule,
      )
    : undefined;
  if (blockThresholds.length === 0)
    throw new PipelineError(
      'INVALID_INPUT',
      'no voxel of the volume holds data: every block is NaN, ±Infinity or padding',
    );
  const kept = ghost ? points.filter((_, i) => !ghost[i]) : points;
  const axialGhosts = points.length - kept.length;
  kept.sort((a, b) => b.score - a.score || a.z - b.z || a.y - b.y || a.x - b.x);
  const sorted = [...blockThresholds].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return {
    points: kept,
    threshold: ((sorted[Math.floor(mid)] as number) + (sorted[Math.ceil(mid)] as number)) / 2,
    blockThresholds,
    ...(blockKnees.length > 0 ? { blockKnees } : {}),
    ...(brightBlocks > 0 ? { brightPass: { blocks: brightBlocks, added: brightAdded } } : {}),
    ...(decoyBlocks > 0 ? { decoy: { blocks: decoyBlocks, raised: decoyRaised } } : {}),
    ...(clippedBlocks > 0 ? { clippedBlocks } : {}),
    ...(missingBlocks > 0 ? { missingBlocks } : {}),
    thresholdSource: thresholdSource ?? 'default',
    axialGhosts,
    tiles,
    flips,
    blocks: cores.length,
    maxTileVoxels,
    ...(spot ? { spotSize: spot } : {}),
    ...(pattern !== undefined ? { pixelPattern: pattern } : {}),
    warnings: [
      ...warnings,
      ...(pattern !== undefined && pattern > PIXEL_PATTERN_WARNING
        ? [pixelPatternWarning(pattern, patternTrained)]
        : []),
      ...(decoyWarned > 0
        ? [decoyRaiseWarning(decoyMaxRaise, effectsTrained, { raised: decoyWarned, total: cores.length })]
        : []),
    ],
  };
}
