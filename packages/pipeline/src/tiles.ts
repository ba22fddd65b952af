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
 * radius of context (so tiled prediction equals whole-volume prediction), origins are aligned to its
 * downsampling, no tile has more than `maxVoxels`, and there are at least `parts` tiles (one per
 * worker) where the volume is large enough to split. Splits y first, then x, then z.
 *
 * @example
 * const layout = tileLayout([10, 512, 512], config, { parts: 2 }); // two 10×292×512 tiles
 */
export function tileLayout(
  shape: Vec3,
  config: ResolvedHourglassConfig,
  options: { parts?: number; maxVoxels?: number } = {},
): TileLayout {
  const { parts = 1, maxVoxels = DEFAULT_MAX_TILE_VOXELS } = options;
  const { multiple, receptiveRadius } = hourglassGeometry(config);
  const size = (axis: number, pieces: number): number => {
    const n = shape[axis] as number;
    if (pieces <= 1) return n;
    const r = receptiveRadius[axis] as number;
    return Math.min(n, roundUp(Math.ceil(n / pieces) + 2 * r, multiple[axis] as number));
  };
  const count = (tile: Vec3): number =>
    [0, 1, 2].reduce(
      (acc, a) =>
        acc *
        tilePlan(shape[a] as number, tile[a] as number, receptiveRadius[a] as number, multiple[a] as number)
          .length,
      1,
    );
  // Try splits in order of total pieces; the first that meets both limits wins.
  let best: { tile: Vec3; count: number } | undefined;
  for (let total = 1; total <= 4096 && !best; total++) {
    for (let ky = 1; ky <= total && !best; ky++)
      for (let kx = 1; ky * kx <= total && !best; kx++) {
        if (total % (ky * kx) !== 0) continue;
        const kz = total / (ky * kx);
        const tile: Vec3 = [size(0, kz), size(1, ky), size(2, kx)];
        // A split that no longer shrinks the tile (axis too short) is useless.
        if ((kz > 1 && tile[0] === shape[0]) || (ky > 1 && tile[1] === shape[1]) || (kx > 1 && tile[2] === shape[2]))
          continue;
        const voxels = tile[0] * tile[1] * tile[2];
        const n = count(tile);
        if (voxels <= maxVoxels && n >= Math.min(parts, total)) best = { tile, count: n };
      }
  }
  if (!best) best = { tile: [...shape] as Vec3, count: 1 };
  return { tile: best.tile, overlap: [...receptiveRadius] as Vec3, align: [...multiple] as Vec3, count: best.count };
}
