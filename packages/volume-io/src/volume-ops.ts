import { VolumeIoError } from './errors';
import { createVolume, type Vec3, type Volume, type VolumeData } from './volume';

/** The axes of a volume, by name. */
export type Axis = 'z' | 'y' | 'x';

function sameKind<D extends VolumeData>(data: D, length: number): D {
  return new (data.constructor as new (n: number) => D)(length);
}

/**
 * Copies the box `start .. start + size` (voxels, `[z, y, x]`) out of a volume, keeping its dtype
 * and voxel size. Throws `OUT_OF_RANGE` when the box leaves the volume.
 *
 * @example
 * const tile = cropVolume(volume, [0, 32, 32], [10, 64, 64]);
 */
export function cropVolume<D extends VolumeData>(volume: Volume<D>, start: Vec3, size: Vec3): Volume<D> {
  const [, Y, X] = volume.shape;
  for (const [i, axis] of (['z', 'y', 'x'] as const).entries()) {
    const s = start[i] as number;
    const n = size[i] as number;
    const dim = volume.shape[i] as number;
    if (!Number.isInteger(s) || !Number.isInteger(n) || s < 0 || n < 1 || s + n > dim) {
      throw new VolumeIoError(
        'OUT_OF_RANGE',
        `crop along ${axis} must lie inside 0..${dim} with size >= 1, got start ${s} and size ${n}`,
      );
    }
  }
  const [z0, y0, x0] = start;
  const [nz, ny, nx] = size;
  const out = sameKind(volume.data, nz * ny * nx);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const from = ((z0 + z) * Y + (y0 + y)) * X + x0;
      out.set(volume.data.subarray(from, from + nx), (z * ny + y) * nx);
    }
  }
  return createVolume(out, [nz, ny, nx], volume.voxelSize);
}

/** A copy of the volume mirrored along one axis (`'x'` is a horizontal flip, `'y'` a vertical one). */
export function flipVolume<D extends VolumeData>(volume: Volume<D>, axis: Axis): Volume<D> {
  const [Z, Y, X] = volume.shape;
  const src = volume.data;
  const out = sameKind(src, src.length);
  for (let z = 0; z < Z; z++) {
    const zs = axis === 'z' ? Z - 1 - z : z;
    for (let y = 0; y < Y; y++) {
      const ys = axis === 'y' ? Y - 1 - y : y;
      const o = (z * Y + y) * X;
      const s = (zs * Y + ys) * X;
      if (axis === 'x') {
        for (let x = 0; x < X; x++) out[o + x] = src[s + X - 1 - x] as number;
      } else {
        out.set(src.subarray(s, s + X), o);
      }
    }
  }
  return createVolume(out, volume.shape, volume.voxelSize);
}

/** The volume as float32: a converted copy, or the same volume when it already is float32. */
export function toFloat32(volume: Volume): Volume<Float32Array> {
  if (volume.data instanceof Float32Array) return volume as Volume<Float32Array>;
  return createVolume(Float32Array.from(volume.data), volume.shape, volume.voxelSize);
}

/** Smallest and largest voxel value, ignoring NaN; both NaN when every voxel is NaN. */
export function minMax(volume: Volume): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const d = volume.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return { min: Number.NaN, max: Number.NaN };
  return { min, max };
}

/** Mirror index of `i` into `0..n−1` (`… 2 1 0 | 0 1 2 … n−1 | n−1 n−2 …`, scipy's 'reflect'). */
function mirror(i: number, n: number): number {
  const period = 2 * n;
  let m = ((i % period) + period) % period;
  if (m >= n) m = period - 1 - m;
  return m;
}

/**
 * Pads a volume to at least `size` voxels per axis `[z, y, x]` by mirroring it at its far ends
 * (`… n−1 | n−1 n−2 …`), so its own voxels keep their indices (positions stay valid). Axes already
 * as large are left as they are; the result is a new volume of the same type.
 *
 * @example
 * const padded = padToSize(volume, [10, 64, 64]); // a 6×48×80 volume becomes 10×64×80
 */
export function padToSize<D extends VolumeData>(volume: Volume<D>, size: Vec3): Volume<D> {
  const [Z, Y, X] = volume.shape;
  if (!Array.isArray(size) || size.length !== 3 || size.some((n) => !Number.isInteger(n) || n < 1))
    throw new VolumeIoError(
      'INVALID_OPTION',
      `size must be [z, y, x] positive integers, got ${JSON.stringify(size)}`,
    );
  const [Z1, Y1, X1] = [Math.max(Z, size[0]), Math.max(Y, size[1]), Math.max(X, size[2])];
  if (Z1 === Z && Y1 === Y && X1 === X) return volume;
  const src = volume.data;
  const out = new (src.constructor as new (n: number) => D)(Z1 * Y1 * X1);
  for (let z = 0; z < Z1; z++)
    for (let y = 0; y < Y1; y++) {
      const from = (mirror(z, Z) * Y + mirror(y, Y)) * X;
      const to = (z * Y1 + y) * X1;
      for (let x = 0; x < X1; x++) out[to + x] = src[from + mirror(x, X)] as number;
    }
  return createVolume(out, [Z1, Y1, X1], volume.voxelSize);
}
