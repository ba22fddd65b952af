import { hourglassGeometry, type ResolvedHourglassConfig } from '@dmdet/model';
import { tilePlan } from '@dmdet/postprocess';
import type { Vec3 } from '@dmdet/volume-io';

/** A tiling of a volume for prediction: tile size, context per side and origin alignment. */
export interface TileLayout {
  tile: Vec3;
  overlap: Vec3;
  align: Vec3;
  /** Number of tiles. */
  count: number;
}

/** Default most voxels in one tile: a whole 10×512×512 volume (fits in wasm's memory with room). */
export const DEFAULT_MAX_TILE_VOXELS = 10 * 512 * 512;

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/**
 * Chooses tiles for predicting a volume with a model: each tile carries the network's receptive
 * radius of context (for a purely convolutional network tiled prediction then equals whole-volume
 * prediction; with instance normalisation, whose statistics are per tile, it is close to it), origins are aligned to its
 * downsampling, no tile has more than `maxVoxels`, and there are at least `parts` tiles (one per
 * worker) where the volume is large enough to split. Splits y first, then x, then z. With `region`,
 * the tiles cover only it (their context taken from around it).
 *
 * @example
 * const layout = tileLayout([10, 512, 512], config, { parts: 2 }); // two 10×292×512 tiles
 */
export function tileLayout(
  shape: Vec3,
  config: ResolvedHourglassConfig,
  options: {
    parts?: number;
    maxVoxels?: number;
    region?: { start: Vec3; size: Vec3 };
    /** Context per side `[z, y, x]` instead of the receptive radius (e.g. a model's measured `metadata.context`). */
    context?: Vec3;
  } = {},
): TileLayout {
  const { parts = 1, maxVoxels = DEFAULT_MAX_TILE_VOXELS } = options;
  const geometry = hourglassGeometry(config);
  const multiple = geometry.multiple;
  const receptiveRadius = options.context ?? geometry.receptiveRadius;
  const from = (axis: number) => options.region?.start[axis] ?? 0;
  const to = (axis: number) =>
    options.region ? from(axis) + (options.region.size[axis] as number) : (shape[axis] as number);
  const size = (axis: number, pieces: number): number => {
    const n = shape[axis] as number;
    const r = receptiveRadius[axis] as number;
    // The span the tiles must reach: the region and the context beyond it that the volume has.
    const span = to(axis) - from(axis) + Math.min(r, from(axis)) + Math.min(r, n - to(axis));
    if (pieces <= 1)
      return span === n
        ? n
        : Math.min(n, roundUp(Math.max(span, 2 * r + (multiple[axis] as number)), multiple[axis] as number));
    // Edge tiles lose r voxels of context on one side, inner tiles on both: k tiles of size s cover
    // 2(s − r) + (k − 2)(s − 2r) voxels.
    return Math.min(n, roundUp(Math.ceil((span + 2 * r * (pieces - 1)) / pieces), multiple[axis] as number));
  };
  const count = (tile: Vec3): number =>
    [0, 1, 2].reduce(
      (acc, a) =>
        acc *
        tilePlan(
          shape[a] as number,
          tile[a] as number,
          receptiveRadius[a] as number,
          multiple[a] as number,
          from(a),
          to(a),
        ).length,
      1,
    );
  // Pieces worth trying per axis: until the tile stops shrinking (an axis too short to split).
  const piecesPerAxis = [0, 1, 2].map((axis) => {
    const ks = [1];
    const r = receptiveRadius[axis] as number;
    for (let k = 2; k <= 64; k++) {
      const s = size(axis, k);
      // Stop when the tile no longer shrinks, or when it would leave no aligned core between its context.
      if (s >= size(axis, k - 1) || (s < (shape[axis] as number) && s - 2 * r < (multiple[axis] as number)))
        break;
      ks.push(k);
    }
    return ks;
  });
  let best: { tile: Vec3; count: number; work: number } | undefined;
  let fallback: { tile: Vec3; count: number; work: number } | undefined;
  let smallest: { tile: Vec3; count: number; work: number } | undefined;
  // y first, then x, then z: among equal work the earlier candidate wins.
  for (const kz of piecesPerAxis[0] as number[])
    for (const kx of piecesPerAxis[2] as number[])
      for (const ky of piecesPerAxis[1] as number[]) {
        const tile: Vec3 = [size(0, kz), size(1, ky), size(2, kx)];
        const voxels = tile[0] * tile[1] * tile[2];
        // Context alone can exceed a tiny limit: then the smallest tile there is.
        if (!smallest || voxels < smallest.tile[0] * smallest.tile[1] * smallest.tile[2])
          smallest = { tile, count: 0, work: 0 };
        if (voxels > maxVoxels) continue;
        const n = count(tile);
        const candidate = { tile, count: n, work: n * voxels };
        if (n >= parts) {
          if (!best || candidate.work < best.work) best = candidate;
        } else if (
          !fallback ||
          n > fallback.count ||
          (n === fallback.count && candidate.work < fallback.work)
        ) {
          fallback = candidate;
        }
      }
  best ??= fallback;
  if (!best && smallest) best = { ...smallest, count: count(smallest.tile) };
  if (!best) best = { tile: [...shape] as Vec3, count: 1, work: 0 };
  return {
    tile: best.tile,
    overlap: [...receptiveRadius] as Vec3,
    align: [...multiple] as Vec3,
    count: best.count,
  };
}
