/** How a maximum's voxel position is refined to sub-voxel precision. */
export type RefineMethod = 'parabola' | 'centroid' | 'none';

const clampHalf = (v: number) => Math.min(0.5, Math.max(-0.5, v));

/**
 * Sub-voxel offset `[dz, dy, dx]` of the maximum at voxel (z, y, x), each in [−0.5, 0.5]:
 * `'parabola'` fits a parabola through the voxel and its two neighbours along each axis (0 where a
 * neighbour is missing or the three are not concave); `'centroid'` takes the intensity-weighted
 * centroid of the 3×3×3 neighbourhood above its minimum.
 */
export function subVoxelOffset(
  data: ArrayLike<number>,
  shape: readonly [number, number, number],
  z: number,
  y: number,
  x: number,
  method: RefineMethod,
): [number, number, number] {
  if (method === 'none') return [0, 0, 0];
  const [Z, Y, X] = shape;
  const at = (zz: number, yy: number, xx: number) => data[(zz * Y + yy) * X + xx] as number;
  if (method === 'parabola') {
    const f0 = at(z, y, x);
    const axis = (prev: number | undefined, next: number | undefined) => {
      if (prev === undefined || next === undefined) return 0;
      const den = prev - 2 * f0 + next;
      return den < 0 ? clampHalf((0.5 * (prev - next)) / den) : 0;
    };
    return [
      axis(z > 0 ? at(z - 1, y, x) : undefined, z < Z - 1 ? at(z + 1, y, x) : undefined),
      axis(y > 0 ? at(z, y - 1, x) : undefined, y < Y - 1 ? at(z, y + 1, x) : undefined),
      axis(x > 0 ? at(z, y, x - 1) : undefined, x < X - 1 ? at(z, y, x + 1) : undefined),
    ];
  }
  let min = Number.POSITIVE_INFINITY;
  for (let a = -1; a <= 1; a++)
    for (let b = -1; b <= 1; b++)
      for (let c = -1; c <= 1; c++) {
        const [zz, yy, xx] = [z + a, y + b, x + c];
        if (zz >= 0 && yy >= 0 && xx >= 0 && zz < Z && yy < Y && xx < X) min = Math.min(min, at(zz, yy, xx));
      }
  let w = 0;
  let sz = 0;
  let sy = 0;
  let sx = 0;
  for (let a = -1; a <= 1; a++)
    for (let b = -1; b <= 1; b++)
      for (let c = -1; c <= 1; c++) {
        const [zz, yy, xx] = [z + a, y + b, x + c];
        if (zz < 0 || yy < 0 || xx < 0 || zz >= Z || yy >= Y || xx >= X) continue;
        const v = at(zz, yy, xx) - min;
        w += v;
        sz += v * a;
        sy += v * b;
        sx += v * c;
      }
  return w > 0 ? [clampHalf(sz / w), clampHalf(sy / w), clampHalf(sx / w)] : [0, 0, 0];
}
