import type { Vec3, Volume } from '@dmdet/volume-io';

/** Where to cut a training crop and whether to mirror it. */
export interface CropSpec {
  origin: Vec3;
  flipY: boolean;
  flipX: boolean;
  /**
   * Swap y and x (a square crop only). With the two flips this gives all eight in-plane
   * symmetries of the square: the 90°, 180° and 270° rotations and the four mirrors.
   */
  transpose?: boolean;
}

/**
 * Writes the crop `spec.origin .. + size` of each channel volume, mirrored (and transposed) as
 * asked, into `out` at `offset`, interleaved as `[z, y, x, channel]` (channels last, as tfjs
 * expects). Output voxel (z, y, x) is source voxel (z0 + z, y0 + y', x0 + x') with y' = y, x' = x
 * (mirrored: cy − 1 − y, cx − 1 − x), and with `transpose` (y', x') read as (x', y').
 */
export function writeCrop(
  channels: readonly Volume[],
  size: Vec3,
  spec: CropSpec,
  out: Float32Array,
  offset: number,
): void {
  const [cz, cy, cx] = size;
  const c = channels.length;
  const [, Y, X] = (channels[0] as Volume).shape;
  const [z0, y0, x0] = spec.origin;
  if (spec.transpose && cy !== cx)
    throw new Error(`writeCrop: transpose needs a square crop, got ${cy}×${cx}`);
  for (let z = 0; z < cz; z++)
    for (let y = 0; y < cy; y++) {
      const fy = spec.flipY ? cy - 1 - y : y;
      for (let x = 0; x < cx; x++) {
        const fx = spec.flipX ? cx - 1 - x : x;
        const src = spec.transpose
          ? ((z0 + z) * Y + y0 + fx) * X + x0 + fy
          : ((z0 + z) * Y + y0 + fy) * X + x0 + fx;
        const o = offset + ((z * cy + y) * cx + x) * c;
        for (let k = 0; k < c; k++) out[o + k] = (channels[k] as Volume).data[src] as number;
      }
    }
}
