import { createVolume, type Point, type Vec3, type Volume } from '@dmdet/volume-io';
import { checkNumber } from './errors';
import { checkShapeAndPoints } from './inputs';

/** Options of {@link binaryTarget}. */
export interface BinaryTargetOptions {
  /** Radius in voxels of the ball around each point's nearest voxel; 0 (default) marks that voxel only. */
  radius?: number;
  /** Radius along z, voxels. Default: `radius`. */
  radiusZ?: number;
}

/**
 * The voxel-wise classification target of the DetNet3D baseline: 1 at the voxel nearest each
 * point (or every voxel whose centre lies within the ellipsoid of `radius`, `radiusZ` around that
 * voxel), 0 elsewhere.
 *
 * @example
 * const t = binaryTarget(points, [10, 64, 64], { radius: 1 });
 */
export function binaryTarget(
  points: readonly Point[],
  shape: Vec3,
  options: BinaryTargetOptions = {},
): Volume<Uint8Array> {
  const { radius = 0 } = options;
  const radiusZ = options.radiusZ ?? radius;
  checkNumber('radius', radius, (v) => v >= 0, 'a number of voxels >= 0');
  checkNumber('radiusZ', radiusZ, (v) => v >= 0, 'a number of voxels >= 0');
  checkShapeAndPoints(points, shape);
  const [Z, Y, X] = shape;
  const out = new Uint8Array(Z * Y * X);
  const nearest = (v: number, n: number) => Math.min(n - 1, Math.max(0, Math.round(v)));
  const rz = Math.floor(radiusZ);
  const rxy = Math.floor(radius);
  for (const p of points) {
    const cz = nearest(p.z, Z);
    const cy = nearest(p.y, Y);
    const cx = nearest(p.x, X);
    for (let dz = -rz; dz <= rz; dz++) {
      const z = cz + dz;
      if (z < 0 || z >= Z) continue;
      const ez = radiusZ > 0 ? (dz / radiusZ) ** 2 : 0;
      for (let dy = -rxy; dy <= rxy; dy++) {
        const y = cy + dy;
        if (y < 0 || y >= Y) continue;
        for (let dx = -rxy; dx <= rxy; dx++) {
          const x = cx + dx;
          if (x < 0 || x >= X) continue;
          const exy = radius > 0 ? (dy * dy + dx * dx) / (radius * radius) : 0;
          if (ez + exy <= 1 + 1e-12) out[(z * Y + y) * X + x] = 1;
        }
      }
    }
  }
  return createVolume(out, [Z, Y, X]);
}
