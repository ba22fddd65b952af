import { VolumeIoError } from './errors';
import type { Vec3 } from './volume';

/** A point in voxel coordinates, 0-based, the centre of voxel (z, y, x) at exactly (z, y, x). */
export interface Point {
  x: number;
  y: number;
  z: number;
}

/** A point with the other columns of its row (score, intensity, track, …), numbers or text. */
export type PointRecord = Point & { [column: string]: number | string };

/** Options of {@link validatePoints}. */
export interface ValidatePointsOptions {
  /** When given, every point must lie in the volume: -0.5 <= coordinate <= size - 0.5 on each axis. */
  shape?: Vec3;
  /** Name of the file or list, used in error messages. */
  file?: string;
}

/**
 * Checks that every point has finite numeric x, y, z and, with `shape`, lies inside the volume
 * (voxel i spans [i - 0.5, i + 0.5]). Throws `INVALID_POINT` naming the point and the coordinate.
 */
export function validatePoints(points: readonly Point[], options: ValidatePointsOptions = {}): void {
  const { shape, file } = options;
  const where = file === undefined ? {} : { file };
  points.forEach((p, i) => {
    for (const [axis, k] of [
      ['z', 0],
      ['y', 1],
      ['x', 2],
    ] as const) {
      const v = p?.[axis];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new VolumeIoError(
          'INVALID_POINT',
          `point ${i}: ${axis} must be a finite number, got ${v}`,
          where,
        );
      }
      const n = shape?.[k];
      if (n !== undefined && (v < -0.5 || v > n - 0.5)) {
        throw new VolumeIoError(
          'INVALID_POINT',
          `point ${i}: ${axis} = ${v} is outside the volume (expected -0.5 <= ${axis} <= ${n - 0.5} for size ${n})`,
          where,
        );
      }
    }
  });
}
