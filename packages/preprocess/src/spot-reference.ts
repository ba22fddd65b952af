import { gaussianFilter3D, localMaxima3D, median, robustNoise } from '@dmdet/postprocess';
import { createVolume, type Volume } from '@dmdet/volume-io';
import { PreprocessError } from './errors';

/** Defaults of the `'spots'` normalisation: smoothing sigma (voxels) and the least spot height (σ). */
export const SPOTS_DEFAULTS = { sigma: 1, cut: 7 } as const;

/** The finite values of `data`. */
function finiteValues(data: ArrayLike<number>): Float32Array {
  const out = new Float32Array(data.length);
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n);
}

/**
 * The `'spots'` brightness reference of a volume: its median (offset) and the typical height of its
 * bright spots above the background (scale), from the volume smoothed by a Gaussian of `sigma`
 * voxels — the median of the smoothed volume's local maxima (±1 slice, ±2 px) that stand at least
 * `cut` robust σ above its median, never less than `cut` σ. Unlike a high percentile it does not
 * move with the number of particles (a sparse volume's 99.99th percentile falls among noise peaks);
 * without any bright spot (SNR ≲ 1) it is `cut` σ.
 */
export function spotReference(
  volume: Volume,
  options: { sigma?: number; cut?: number } = {},
): { offset: number; scale: number } {
  const { sigma = SPOTS_DEFAULTS.sigma, cut = SPOTS_DEFAULTS.cut } = options;
  for (const [name, v] of [
    ['sigma', sigma],
    ['cut', cut],
  ] as const)
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      throw new PreprocessError(
        'INVALID_OPTION',
        `normalization.${name} must be a number > 0, got ${JSON.stringify(v)}`,
      );
  const offset = median(finiteValues(volume.data));
  const smooth = gaussianFilter3D(volume, { sigmaXY: sigma, sigmaZ: sigma });
  const finite = finiteValues(smooth.data);
  if (finite.length === 0) return { offset: Number.NaN, scale: 0 };
  const noise = robustNoise(finite);
  const floor = noise.median + cut * noise.sigma;
  // NaN (and what the smoothing spread it to) becomes background: never a spot, never above one
  const data = smooth.data;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) data[i] = noise.median;
  const peaks = localMaxima3D(smooth, { threshold: floor, minDistance: { z: 1, xy: 2 } }).map((d) => d.score);
  const reference = peaks.length > 0 ? Math.max(median(peaks), floor) : floor;
  return { offset, scale: reference - noise.median };
}

/**
 * `'spots'` normalisation: `(x − offset) / scale` of {@link spotReference}, so the background is at 0
 * and a typical bright spot peaks near 1 (smoothed). NaN stays NaN; a flat volume maps to zeros.
 */
export function normalizeSpots(
  volume: Volume,
  options: { sigma?: number; cut?: number } = {},
): Volume<Float32Array> {
  const { offset, scale } = spotReference(volume, options);
  const k = scale > 0 ? 1 / scale : 0;
  const src = volume.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i] as number;
    out[i] = Number.isNaN(v) ? Number.NaN : (v - offset) * k;
  }
  return createVolume(out, volume.shape, volume.voxelSize);
}
