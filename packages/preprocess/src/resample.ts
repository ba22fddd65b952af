import { gaussianFilter3D } from '@dmdet/postprocess';
import { createVolume, type Vec3, type Volume } from '@dmdet/volume-io';
import { checkNumber, PreprocessError } from './errors';

/**
 * A resampling between two grids over the same extent: `from` voxels to `to` voxels per axis
 * `[z, y, x]`. Voxel `i` of an axis covers `[i − 0.5, i + 0.5]` (its centre at `i`), and the two
 * grids cover the same interval `[−0.5, n − 0.5]`, so a position `p` in `from` is
 * `(p + 0.5) · to / from − 0.5` in `to`, exactly and invertibly.
 */
export interface Resampling {
  from: Vec3;
  to: Vec3;
}

/** A point `{ x, y, z }` (voxels). */
export interface VoxelPoint {
  x: number;
  y: number;
  z: number;
}

function checkShape(name: string, shape: unknown): Vec3 {
  if (!Array.isArray(shape) || shape.length !== 3 || shape.some((n) => !Number.isInteger(n) || n < 1))
    throw new PreprocessError(
      'INVALID_OPTION',
      `${name} must be [z, y, x] positive integers, got ${JSON.stringify(shape)}`,
    );
  return [shape[0], shape[1], shape[2]];
}

/**
 * The resampling of `shape` by zoom `factors` `[z, y, x]` (2: twice the voxels along that axis):
 * each axis gets `max(1, round(n · factor))` voxels.
 *
 * @example
 * const r = resamplingFor([10, 512, 512], [1, 0.5, 0.5]); // { from: [10, 512, 512], to: [10, 256, 256] }
 */
export function resamplingFor(shape: Vec3, factors: Vec3): Resampling {
  const from = checkShape('shape', shape);
  if (!Array.isArray(factors) || factors.length !== 3)
    throw new PreprocessError('INVALID_OPTION', `factors must be [z, y, x], got ${JSON.stringify(factors)}`);
  for (const [i, f] of factors.entries()) checkNumber(`factors[${i}]`, f, (v) => v > 0, 'a zoom factor > 0');
  return {
    from,
    to: [
      Math.max(1, Math.round(from[0] * factors[0])),
      Math.max(1, Math.round(from[1] * factors[1])),
      Math.max(1, Math.round(from[2] * factors[2])),
    ],
  };
}

/** Whether a resampling changes nothing. */
export function isIdentity(r: Resampling): boolean {
  return r.from.every((n, i) => n === r.to[i]);
}

/** A position in the `from` grid mapped to the `to` grid (exact inverse: {@link fromResampled}). */
export function toResampled<P extends VoxelPoint>(p: P, r: Resampling): P {
  return {
    ...p,
    z: ((p.z + 0.5) * r.to[0]) / r.from[0] - 0.5,
    y: ((p.y + 0.5) * r.to[1]) / r.from[1] - 0.5,
    x: ((p.x + 0.5) * r.to[2]) / r.from[2] - 0.5,
  };
}

/** A position in the `to` grid mapped back to the `from` grid (exact inverse of {@link toResampled}). */
export function fromResampled<P extends VoxelPoint>(p: P, r: Resampling): P {
  return {
    ...p,
    z: ((p.z + 0.5) * r.from[0]) / r.to[0] - 0.5,
    y: ((p.y + 0.5) * r.from[1]) / r.to[1] - 0.5,
    x: ((p.x + 0.5) * r.from[2]) / r.to[2] - 0.5,
  };
}

/** Per output voxel of one axis: the lower source voxel and the weight of the next one (clamped at the ends). */
function axisTaps(from: number, to: number): { lower: Int32Array; weight: Float32Array; next: Int32Array } {
  const lower = new Int32Array(to);
  const next = new Int32Array(to);
  const weight = new Float32Array(to);
  for (let j = 0; j < to; j++) {
    const s = Math.min(Math.max(((j + 0.5) * from) / to - 0.5, 0), from - 1);
    const i = Math.min(Math.floor(s), from - 1);
    lower[j] = i;
    next[j] = Math.min(i + 1, from - 1);
    weight[j] = s - i;
  }
  return { lower, weight, next };
}

/**
 * Resamples a volume to `r.to` voxels (float32): along an axis that shrinks by a factor `f < 1` it
 * is first smoothed by a Gaussian of `0.5 · √(1/f² − 1)` source voxels (against aliasing of the
 * noise: a spot of σ becomes one of about `f · √(σ² + that²)`), then sampled trilinearly at
 * `(j + 0.5) · from / to − 0.5`, clamped to the volume. The voxel size, if any, scales by
 * `from / to`. NaN spreads to the output voxels that touch it.
 *
 * @example
 * const r = resamplingFor(volume.shape, [1, 0.5, 0.5]);
 * const small = resampleVolume(volume, r);
 * const back = points.map((p) => fromResampled(p, r)); // positions found in `small`, in `volume`'s voxels
 */
export function resampleVolume(volume: Volume, r: Resampling): Volume<Float32Array> {
  const from = checkShape('volume.shape', volume.shape);
  const to = checkShape('to', r.to);
  if (from.some((n, i) => n !== r.from[i]))
    throw new PreprocessError(
      'INVALID_OPTION',
      `the resampling is from ${r.from.join('×')} but the volume is ${from.join('×')}`,
    );
  const pre = (i: 0 | 1 | 2) => (to[i] < from[i] ? 0.5 * Math.sqrt((from[i] / to[i]) ** 2 - 1) : 0);
  const preXY = Math.max(pre(1), pre(2));
  const src =
    pre(0) > 0 || preXY > 0 ? gaussianFilter3D(volume, { sigmaXY: preXY, sigmaZ: pre(0) }).data : volume.data;
  const [, Y0, X0] = from;
  const [Z1, Y1, X1] = to;
  const tz = axisTaps(from[0], Z1);
  const ty = axisTaps(Y0, Y1);
  const tx = axisTaps(X0, X1);
  const out = new Float32Array(Z1 * Y1 * X1);
  for (let z = 0; z < Z1; z++) {
    const wz = tz.weight[z] as number;
    const z0 = (tz.lower[z] as number) * Y0 * X0;
    const z1 = (tz.next[z] as number) * Y0 * X0;
    for (let y = 0; y < Y1; y++) {
      const wy = ty.weight[y] as number;
      const y0 = (ty.lower[y] as number) * X0;
      const y1 = (ty.next[y] as number) * X0;
      const row = (z * Y1 + y) * X1;
      for (let x = 0; x < X1; x++) {
        const wx = tx.weight[x] as number;
        const x0 = tx.lower[x] as number;
        const x1 = tx.next[x] as number;
        const v = (a: number, b: number) =>
          (src[a + b + x0] as number) * (1 - wx) + (src[a + b + x1] as number) * wx;
        out[row + x] =
          (v(z0, y0) * (1 - wy) + v(z0, y1) * wy) * (1 - wz) + (v(z1, y0) * (1 - wy) + v(z1, y1) * wy) * wz;
      }
    }
  }
  const vs = volume.voxelSize;
  return createVolume(
    out,
    to,
    vs ? [(vs[0] * from[0]) / to[0], (vs[1] * from[1]) / to[1], (vs[2] * from[2]) / to[2]] : undefined,
  );
}
