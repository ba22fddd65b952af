import { MetricsError } from './errors';

/** A point in voxel coordinates (structurally the same as `@dmdet/volume-io`'s `Point`). */
export interface Point3 {
  x: number;
  y: number;
  z: number;
}

/** Per-axis scale `[z, y, x]` turning voxel distances into physical ones (e.g. a voxel size in µm). */
export type AxisScale = readonly [number, number, number];

/** Checks every point has finite x, y, z; throws INVALID_POINT naming the list and index. */
export function checkPoints(points: readonly Point3[], what: string): void {
  if (!Array.isArray(points))
    throw new MetricsError('INVALID_POINT', `${what} must be an array of { x, y, z }`);
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    for (const axis of ['x', 'y', 'z'] as const) {
      const v = p?.[axis];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new MetricsError('INVALID_POINT', `${what}[${i}].${axis} must be a finite number, got ${v}`);
      }
    }
  }
}

/** Checks the gate (> 0, finite) and the scale (three positive finite numbers). */
export function checkGateAndScale(gate: number, scale: AxisScale): void {
  if (typeof gate !== 'number' || !Number.isFinite(gate) || gate <= 0) {
    throw new MetricsError('INVALID_OPTION', `gate must be a positive distance, got ${gate}`);
  }
  if (
    !Array.isArray(scale) ||
    scale.length !== 3 ||
    scale.some((s) => typeof s !== 'number' || !Number.isFinite(s) || s <= 0)
  ) {
    throw new MetricsError(
      'INVALID_OPTION',
      `scale must be [z, y, x] of positive numbers, got ${JSON.stringify(scale)}`,
    );
  }
}
