import { createVolume, type Volume } from '@dmdet/volume-io';
import { gaussianKernel1d, reflectIndex } from './convolve';
import { PostprocessError } from './errors';

/** Options of {@link gaussianFilter3D}. */
export interface GaussianFilterOptions {
  /** Gaussian sigma in x and y, voxels (0: no smoothing along them). */
  sigmaXY: number;
  /** Gaussian sigma in z, voxels (0: no smoothing along z). */
  sigmaZ: number;
  /** Kernel radius in sigmas (scipy's `truncate`). Default 4. */
  truncate?: number;
}

/** One separable pass along an axis of `stride` and length `n` (`count` lines), reflect boundary. */
function pass(
  src: Float32Array,
  shape: readonly [number, number, number],
  axis: 0 | 1 | 2,
  k: Float64Array,
): Float32Array {
  const [Z, Y, X] = shape;
  const n = shape[axis];
  const stride = axis === 0 ? Y * X : axis === 1 ? X : 1;
  const r = (k.length - 1) / 2;
  const out = new Float32Array(src.length);
  const line = new Float64Array(n + 2 * r);
  for (let z = 0; z < (axis === 0 ? 1 : Z); z++)
    for (let y = 0; y < (axis === 1 ? 1 : Y); y++)
      for (let x = 0; x < (axis === 2 ? 1 : X); x++) {
        const base = (z * Y + y) * X + x;
        for (let i = 0; i < n + 2 * r; i++) line[i] = src[base + reflectIndex(i - r, n) * stride] as number;
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j <= 2 * r; j++) acc += (k[j] as number) * (line[i + j] as number);
          out[base + i * stride] = acc;
        }
      }
  return out;
}

/**
 * Smooths a volume with an anisotropic Gaussian (sigma `[σz, σxy, σxy]` voxels), separably, with
 * scipy's 'reflect' boundary: the same as `scipy.ndimage.gaussian_filter(v, [σz, σxy, σxy])`.
 * NaN spreads to the voxels whose kernel reaches it.
 *
 * @example
 * const smooth = gaussianFilter3D(volume, { sigmaXY: 1, sigmaZ: 1 });
 */
export function gaussianFilter3D(volume: Volume, options: GaussianFilterOptions): Volume<Float32Array> {
  const { sigmaXY, sigmaZ, truncate = 4 } = options;
  for (const [name, v] of [
    ['sigmaXY', sigmaXY],
    ['sigmaZ', sigmaZ],
    ['truncate', truncate],
  ] as const)
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
      throw new PostprocessError(
        'INVALID_OPTION',
        `gaussianFilter3D: ${name} must be a finite number >= 0, got ${v}`,
      );
  const shape = volume.shape;
  let data = volume.data instanceof Float32Array ? volume.data : Float32Array.from(volume.data);
  if (data === volume.data) data = Float32Array.from(data);
  const axes: [0 | 1 | 2, number][] = [
    [0, sigmaZ],
    [1, sigmaXY],
    [2, sigmaXY],
  ];
  for (const [axis, sigma] of axes) {
    if (sigma === 0 || shape[axis] === 0) continue;
    data = pass(data, shape, axis, gaussianKernel1d(sigma, 0, truncate));
  }
  return createVolume(data, [...shape] as [number, number, number], volume.voxelSize);
}
