import type { Vec3, Volume } from '@dmdet/volume-io';

/** Where to cut a training crop and whether to mirror it. */
export interface CropSpec {
  origin: Vec3;
  flipY: boolean;
  flipX: boolean;
}

/**
 * Writes the crop `spec.origin .. + size` of each channel volume, mirrored as asked, into `out` at
 * `offset`, interleaved as `[z, y, x, channel]` (channels last, as tfjs expects).
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
  for (let z = 0; z < cz; z++)
    for (let y = 0; y < cy; y++) {
      const sy = y0 + (spec.flipY ? cy - 1 - y : y);
      const row = ((z0 + z) * Y + sy) * X + x0;
      for (let x = 0; x < cx; x++) {
        const sx = spec.flipX ? cx - 1 - x : x;
        const o = offset + ((z * cy + y) * cx + x) * c;
        for (let k = 0; k < c; k++) out[o + k] = (channels[k] as Volume).data[row + sx] as number;
      }
    }
}
