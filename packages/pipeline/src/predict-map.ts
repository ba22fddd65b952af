import {
  predictFlipAveraged,
  predictVolume,
  type ResolvedHourglassConfig,
  type TestTimeFlips,
} from '@dmdet/model';
import { predictTiled } from '@dmdet/postprocess';
import type { Vec3, Volume } from '@dmdet/volume-io';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { TilePredictor } from './detect';
import { DEFAULT_MAX_TILE_VOXELS, tileLayout } from './tiles';

/**
 * Predicts a normalised volume's map: whole when it fits in one tile, else in tiles carrying the receptive
 * radius of context, or `context` (several at once on `predictor` when given). Instance normalisation takes its
 * statistics per tile, so a tiled map is close to, not identical with, one whole pass. With `flips`
 * above 1, each tile's map is the mean over that many in-plane symmetries (`predictFlipAveraged`).
 */
export async function predictMap(
  model: LayersModel,
  config: ResolvedHourglassConfig,
  input: Volume<Float32Array>,
  predictor?: TilePredictor,
  options: {
    tile?: Vec3;
    maxTileVoxels?: number;
    /** Predict only this region (`start`, `size`); the map is 0 outside it (where tiled). */
    region?: { start: Vec3; size: Vec3 };
    /** Context per side of each tile (e.g. the model's `metadata.context.radius`). Default the receptive radius. */
    context?: Vec3;
    /** In-plane symmetries averaged (test-time augmentation). Default 1. */
    flips?: TestTimeFlips;
    signal?: AbortSignal;
    onProgress?: (p: { done: number; total: number }) => void;
  } = {},
): Promise<{ map: Volume<Float32Array>; tiles: number }> {
  const auto = tileLayout(input.shape, config, {
    parts: predictor?.size ?? 1,
    maxVoxels: options.maxTileVoxels ?? DEFAULT_MAX_TILE_VOXELS,
    ...(options.region ? { region: options.region } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  const tile = options.tile
    ? (options.tile.map((t, k) => Math.min(t, input.shape[k] as number)) as unknown as Vec3)
    : auto.tile;
  const whole = tile.every((t, k) => t === input.shape[k]);
  const predictOne = (tile: Volume<Float32Array>) =>
    predictor ? predictor.predict(tile) : predictVolume(model, tile);
  const flips = options.flips ?? 1;
  const predictTile = (tile: Volume<Float32Array>) =>
    flips === 1 ? predictOne(tile) : predictFlipAveraged(tile, predictOne, flips);
  if (whole) {
    options.signal?.throwIfAborted();
    const map = await predictTile(input);
    options.onProgress?.({ done: 1, total: 1 });
    return { map, tiles: 1 };
  }
  let tiles = 0;
  const map = await predictTiled(input, predictTile, {
    tile,
    overlap: auto.overlap,
    align: auto.align,
    ...(options.region ? { region: options.region } : {}),
    concurrency: predictor?.size ?? 1,
    signal: options.signal,
    onProgress: (p) => {
      tiles = p.total;
      options.onProgress?.(p);
    },
  });
  return { map, tiles };
}
