import { type Volume, VolumeIoError, validateShape } from '@dmdet/volume-io';
import { checkNumber, PostprocessError } from './errors';

/** Per-axis radii `[z, y, x]` in voxels. */
export type Radii = [number, number, number];

/**
 * Checks that `volume` is a 3D Volume whose data fits its shape and holds no NaN; returns its
 * shape. `what` names it in errors.
 */
export function checkVolume(volume: Volume, what = 'volume'): [number, number, number] {
  const shape = checkVolumeShape(volume, what);
  const nan = firstNaN(volume.data);
  if (nan >= 0) throw nanError(nan, shape, what);
  return shape;
}

/** Index of the first NaN, or −1. */
export function firstNaN(d: ArrayLike<number>): number {
  if (!(d instanceof Float32Array)) return -1;
  for (let i = 0; i < d.length; i++) if (Number.isNaN(d[i] as number)) return i;
  return -1;
}

/** The error for a NaN at flat index i. */
export function nanError(
  i: number,
  shape: readonly [number, number, number],
  what: string,
): PostprocessError {
  const [, Y, X] = shape;
  const z = Math.floor(i / (Y * X));
  const y = Math.floor((i % (Y * X)) / X);
  return new PostprocessError(
    'INVALID_VOLUME',
    `${what} is NaN at voxel (z ${z}, y ${y}, x ${i % X}); expected numbers`,
  );
}

/** Checks that `volume` is a 3D Volume whose data fits its shape (NaN not checked); returns its shape. */
export function checkVolumeShape(volume: Volume, what = 'volume'): [number, number, number] {
  if (!volume || typeof volume !== 'object' || !ArrayBuffer.isView(volume.data)) {
    throw new PostprocessError('INVALID_VOLUME', `${what} must be a Volume { data, shape: [z, y, x] }`);
  }
  try {
    validateShape(volume.shape);
  } catch (e) {
    if (e instanceof VolumeIoError) {
      throw new PostprocessError(
        'INVALID_VOLUME',
        `${what}: ${e.message} (a 2D image is a volume with z = 1)`,
        { cause: e },
      );
    }
    throw e;
  }
  const [Z, Y, X] = volume.shape;
  if (volume.data.length !== Z * Y * X) {
    throw new PostprocessError(
      'INVALID_VOLUME',
      `${what} has ${volume.data.length} values, its shape ${Z}×${Y}×${X} needs ${Z * Y * X}`,
    );
  }
  const d = volume.data;
  for (let i = 0; i < d.length; i++) {
    if (Number.isNaN(d[i] as number)) {
      const z = Math.floor(i / (Y * X));
      const y = Math.floor((i % (Y * X)) / X);
      throw new PostprocessError(
        'INVALID_VOLUME',
        `${what} is NaN at voxel (z ${z}, y ${y}, x ${i % X}); expected numbers`,
      );
    }
  }
  return [Z, Y, X];
}

/** Radii from `minDistance` (a number, or `{ z, xy }`) or from odd footprint sizes `[z, y, x]`. */
export function radiiFrom(options: {
  minDistance?: number | { z: number; xy: number };
  footprint?: readonly [number, number, number];
}): Radii {
  if (options.footprint !== undefined) {
    const f = options.footprint;
    if (!Array.isArray(f) || f.length !== 3 || f.some((n) => !Number.isInteger(n) || n < 1 || n % 2 === 0)) {
      throw new PostprocessError(
        'INVALID_OPTION',
        `footprint must be three odd sizes [z, y, x], got ${JSON.stringify(f)}`,
      );
    }
    return [(f[0] - 1) / 2, (f[1] - 1) / 2, (f[2] - 1) / 2];
  }
  const m = options.minDistance ?? 1;
  const [z, xy] = typeof m === 'number' ? [m, m] : [m.z, m.xy];
  checkNumber('minDistance (z)', z, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  checkNumber('minDistance (xy)', xy, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  return [z, xy, xy];
}
