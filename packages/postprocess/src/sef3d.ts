import { createVolume, type Volume } from '@dmdet/volume-io';
import { checkNumber } from './errors';
import { type Detection, type LocalMaximaOptions, localMaxima3D } from './local-maxima';
import { laplacianOfGaussian } from './log-filter';
import { robustNoise } from './robust';

/** Options of {@link detectSEF3D}. */
export interface Sef3dOptions extends Omit<LocalMaximaOptions, 'threshold'> {
  /** LoG sigma in x and y, voxels: the spot's own sigma. Default 1.4 (the PTC benchmark's spots). */
  sigmaXY?: number;
  /** LoG sigma in z, voxels. Default 1. */
  sigmaZ?: number;
  /** Keep maxima at least this many noise standard deviations above the median response. Default 3. */
  threshold?: number;
}

/** What {@link detectSEF3D} found, with the filtered image and its noise level. */
export interface Sef3dResult {
  /** Detections; `score` is the response in noise units: (response − median) / σ_noise. */
  detections: Detection[];
  /** The spot-enhanced image, −LoG (bright spots positive). */
  enhanced: Volume<Float32Array>;
  /** Median and robust standard deviation (1.4826 × MAD) of the enhanced image. */
  noise: { median: number; sigma: number };
}

/**
 * The classical baseline of DM-DetNet3D's paper: the 3D spot-enhancing filter (SEF, Sage et al.
 * 2005), i.e. the negative Laplacian of Gaussian with the spot's sigmas (separable), then 3D local
 * maxima whose response is at least `threshold` robust noise standard deviations above the median,
 * refined to sub-voxel precision.
 *
 * @example
 * const { detections } = detectSEF3D(volume, { sigmaXY: 1.4, sigmaZ: 1, threshold: 4 });
 */
export function detectSEF3D(volume: Volume, options: Sef3dOptions = {}): Sef3dResult {
  const { sigmaXY = 1.4, sigmaZ = 1, threshold = 3, ...rest } = options;
  checkNumber('threshold', threshold, () => true, 'a finite number of noise standard deviations');
  const log = laplacianOfGaussian(volume, { sigmaXY, sigmaZ });
  const enhanced = log.data;
  for (let i = 0; i < enhanced.length; i++) enhanced[i] = -(enhanced[i] as number);
  const noise = robustNoise(enhanced);
  const sigma = noise.sigma > 0 ? noise.sigma : 1;
  const normalised = new Float32Array(enhanced.length);
  for (let i = 0; i < enhanced.length; i++) normalised[i] = ((enhanced[i] as number) - noise.median) / sigma;
  const detections = localMaxima3D(createVolume(normalised, log.shape), { ...rest, threshold });
  return { detections, enhanced: createVolume(enhanced, log.shape, volume.voxelSize), noise };
}
