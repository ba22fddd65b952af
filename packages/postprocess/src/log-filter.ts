import { createVolume, type Volume } from '@dmdet/volume-io';
import { convolveAxis, gaussianKernel1d } from './convolve';
import { checkNumber } from './errors';
import { checkVolume } from './input';

/** Options of {@link laplacianOfGaussian}. */
export interface LaplacianOfGaussianOptions {
  /** Gaussian sigma in x and y, voxels. */
  sigmaXY: number;
  /** Gaussian sigma in z, voxels. */
  sigmaZ: number;
  /** Kernel radius in sigmas (scipy's `truncate`). Default 4. */
  truncate?: number;
}

/**
 * The Laplacian of Gaussian of a volume, ∂²/∂z² + ∂²/∂y² + ∂²/∂x² of the Gaussian-smoothed image, as
 * scipy.ndimage.gaussian_laplace (sigma `[σz, σxy, σxy]`, mode 'reflect', same kernels), computed
 * with separable 1D passes (eight, sharing the smoothing). Bright spots give negative values.
 *
 * @example
 * const log = laplacianOfGaussian(volume, { sigmaXY: 1.4, sigmaZ: 1 });
 */
export function laplacianOfGaussian(
  volume: Volume,
  options: LaplacianOfGaussianOptions,
): Volume<Float32Array> {
  const shape = checkVolume(volume);
  const { sigmaXY, sigmaZ, truncate = 4 } = options;
  checkNumber('sigmaXY', sigmaXY, (v) => v > 0, 'a positive number of voxels');
  checkNumber('sigmaZ', sigmaZ, (v) => v > 0, 'a positive number of voxels');
  checkNumber('truncate', truncate, (v) => v > 0, 'a positive number');
  const src = Float32Array.from(volume.data);
  const g = (axis: 0 | 1 | 2) => gaussianKernel1d(axis === 0 ? sigmaZ : sigmaXY, 0, truncate);
  const d2 = (axis: 0 | 1 | 2) => gaussianKernel1d(axis === 0 ? sigmaZ : sigmaXY, 2, truncate);
  const smoothZ = convolveAxis(src, shape, 0, g(0));
  const smoothZY = convolveAxis(smoothZ, shape, 1, g(1));
  const xx = convolveAxis(smoothZY, shape, 2, d2(2));
  const yy = convolveAxis(convolveAxis(smoothZ, shape, 1, d2(1)), shape, 2, g(2));
  const zz = convolveAxis(convolveAxis(convolveAxis(src, shape, 0, d2(0)), shape, 1, g(1)), shape, 2, g(2));
  for (let i = 0; i < xx.length; i++) xx[i] = (xx[i] as number) + (yy[i] as number) + (zz[i] as number);
  return createVolume(xx, shape, volume.voxelSize);
}
