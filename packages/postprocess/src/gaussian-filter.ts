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

/**
 * One separable pass along an axis, reflect boundary. The volume is `outer` blocks of `n` rows of
 * `inner` contiguous values (z: 1 × Z × Y·X; y: Z × Y × X; x: Z·Y × X × 1); whole rows are
 * accumulated at once, so the strided axes read memory in order.
 */
function pass(src: Float32Array, outer: number, n: number, inner: number, k: Float64Array): Float32Array {
  const r = (k.length - 1) / 2;
  const out = new Float32Array(src.length);
  if (inner === 1) {
    const line = new Float64Array(n + 2 * r);
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      for (let i = 0; i < n + 2 * r; i++) line[i] = src[base + reflectIndex(i - r, n)] as number;
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let j = 0; j <= 2 * r; j++) acc += (k[j] as number) * (line[i + j] as number);
        out[base + i] = acc;
      }
    }
    return out;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < n; i++) {
      acc.fill(0);
      for (let j = 0; j <= 2 * r; j++) {
        const w = k[j] as number;
        const row = base + reflectIndex(i + j - r, n) * inner;
        for (let t = 0; t < inner; t++) acc[t] = (acc[t] as number) + w * (src[row + t] as number);
      }
      out.set(acc, base + i * inner);
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
  const [Z, Y, X] = shape;
  let data: Float32Array = Float32Array.from(volume.data);
  const passes: [number, number, number, number][] = [
    [sigmaZ, 1, Z, Y * X],
    [sigmaXY, Z, Y, X],
    [sigmaXY, Z * Y, X, 1],
  ];
  for (const [sigma, outer, n, inner] of passes) {
    if (sigma === 0 || data.length === 0) continue;
    data = pass(data, outer, n, inner, gaussianKernel1d(sigma, 0, truncate));
  }
  return createVolume(data, [...shape] as [number, number, number], volume.voxelSize);
}
