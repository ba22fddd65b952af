import type { Point3 } from '@dmdet/metrics';
import type { Vec3, Volume } from '@dmdet/volume-io';
import { PipelineError } from './errors';

/**
 * The part of a volume whose spots were all annotated: voxel index ranges `[start, end)` per axis
 * (0-based, end excluded), e.g. `{ z: [0, 16], y: [0, 100], x: [40, 140] }`. Training teaches only
 * this part (spots clicked there, background there); the loss and the threshold choice ignore the rest.
 */
export interface AnnotatedRegion {
  z: readonly [number, number];
  y: readonly [number, number];
  x: readonly [number, number];
}

const AXES = ['z', 'y', 'x'] as const;

/** Checks a region against a volume's shape; a clear error names what is wrong. */
export function checkRegion(region: AnnotatedRegion, shape: Vec3, what: string): void {
  for (const [k, axis] of AXES.entries()) {
    const r = region?.[axis];
    const n = shape[k] as number;
    if (
      !Array.isArray(r) ||
      r.length !== 2 ||
      !Number.isInteger(r[0]) ||
      !Number.isInteger(r[1]) ||
      r[0] < 0 ||
      r[1] > n ||
      r[0] >= r[1]
    )
      throw new PipelineError(
        'INVALID_INPUT',
        `${what}: annotated region ${axis} must be [start, end) integers with 0 <= start < end <= ${n} (the volume's ${axis} size), got ${JSON.stringify(r)}`,
      );
  }
}

/** The region as a 0/1 mask volume of `shape`. */
export function regionMask(region: AnnotatedRegion, shape: Vec3): Volume<Float32Array> {
  const [Z, Y, X] = shape;
  const data = new Float32Array(Z * Y * X);
  for (let z = region.z[0]; z < region.z[1]; z++)
    for (let y = region.y[0]; y < region.y[1]; y++)
      data.fill(1, (z * Y + y) * X + region.x[0], (z * Y + y) * X + region.x[1]);
  return { data, shape };
}

/** Whether a point (voxels) falls in a mask's non-zero voxels (at its nearest voxel). */
export function insideMask(mask: Volume, p: Point3): boolean {
  const [Z, Y, X] = mask.shape;
  const z = Math.round(p.z);
  const y = Math.round(p.y);
  const x = Math.round(p.x);
  if (z < 0 || y < 0 || x < 0 || z >= Z || y >= Y || x >= X) return false;
  return (mask.data[(z * Y + y) * X + x] as number) > 0;
}

/**
 * Parses `z0:z1,y0:y1,x0:x1` (voxels, end excluded), the form `--annotated-region` takes.
 *
 * @example
 * parseRegion('0:16,0:100,40:140'); // { z: [0, 16], y: [0, 100], x: [40, 140] }
 */
export function parseRegion(text: string): AnnotatedRegion {
  const parts = String(text)
    .split(',')
    .map((p) => p.split(':').map((s) => Number(s.trim())));
  if (parts.length !== 3 || parts.some((p) => p.length !== 2 || p.some((n) => !Number.isInteger(n) || n < 0)))
    throw new PipelineError(
      'INVALID_OPTION',
      `an annotated region is z0:z1,y0:y1,x0:x1 (voxel indices, end excluded), got ${JSON.stringify(text)}`,
    );
  const [z, y, x] = parts as [[number, number], [number, number], [number, number]];
  return { z, y, x };
}
