import { type Detection, gaussianFilter3D, localMaxima3D, median, robustNoise } from '@dmdet/postprocess';
import { createVolume, cropVolume, type Volume } from '@dmdet/volume-io';
import { checkNumber } from './errors';

/** A central in-plane crop of at most about `maxVoxels` voxels (all slices), or the volume itself. */
export function centralCrop(volume: Volume, maxVoxels: number): Volume {
  const [Z, Y, X] = volume.shape;
  if (Z * Y * X <= maxVoxels) return volume;
  const side = Math.max(64, Math.floor(Math.sqrt(maxVoxels / Z)));
  const cy = Math.min(Y, side);
  const cx = Math.min(X, side);
  return cropVolume(volume, [0, (Y - cy) >> 1, (X - cx) >> 1], [Z, cy, cx]);
}

/** Options of {@link brightIsolatedMaxima}. */
export interface BrightMaximaOptions {
  /** Least height of a candidate, in noise σ of the smoothed volume above its median. Default 8. */
  cut?: number;
  /** The brightest fraction of the isolated maxima left out (bright blobs, clusters). Default 0.1. */
  dropBrightest?: number;
  /** Most maxima returned. Default 300. */
  maxSpots?: number;
}

/** The defaults of {@link brightIsolatedMaxima}. */
export const BRIGHT_MAXIMA_DEFAULTS = { cut: 8, dropBrightest: 0.1, maxSpots: 300 } as const;

/**
 * The bright isolated maxima of a volume whose background is taken off (a `'background'`-normalised
 * volume, in noise σ): local maxima (±1 slice, ±2 px) of the volume smoothed by a Gaussian of 1
 * voxel (in-plane only for one slice) at least `cut` robust σ of the smoothed volume above its
 * median, none with a brighter one within 4 slices and 8 px, the brightest `dropBrightest` of those
 * left out (blobs and clusters), at most `maxSpots` of the rest, brightest first. NaN voxels count as
 * background (0). Positions are the smoothed maxima's voxels; `score` is the smoothed height.
 *
 * @example
 * const flat = normalizeBackground(volume, { unit: 1, knee: Infinity });
 * const spots = brightIsolatedMaxima(flat); // [{ z, y, x, score }, …]
 */
export function brightIsolatedMaxima(flat: Volume, options: BrightMaximaOptions = {}): Detection[] {
  const {
    cut = BRIGHT_MAXIMA_DEFAULTS.cut,
    dropBrightest = BRIGHT_MAXIMA_DEFAULTS.dropBrightest,
    maxSpots = BRIGHT_MAXIMA_DEFAULTS.maxSpots,
  } = options;
  checkNumber('cut', cut, (v) => v > 0, 'a number > 0');
  checkNumber('dropBrightest', dropBrightest, (v) => v >= 0 && v < 1, 'a fraction in [0, 1)');
  checkNumber('maxSpots', maxSpots, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  const shape = flat.shape;
  let clean: Volume = flat;
  if (flat.data.some((v) => Number.isNaN(v))) {
    // A loop, not `Float32Array.from` with a map function (which lists every value first).
    const data = new Float32Array(flat.data.length);
    for (let i = 0; i < data.length; i++) {
      const v = flat.data[i] as number;
      data[i] = Number.isNaN(v) ? 0 : v;
    }
    clean = createVolume(data, shape, flat.voxelSize);
  }
  const smooth = gaussianFilter3D(clean, { sigmaXY: 1, sigmaZ: shape[0] > 1 ? 1 : 0 });
  const noise = robustNoise(smooth.data);
  if (!(noise.sigma > 0)) return [];
  const found = localMaxima3D(smooth, {
    threshold: noise.median + cut * noise.sigma,
    minDistance: { z: 1, xy: 2 },
    refine: 'parabola',
  });
  // Isolated: no brighter maximum within 4 slices and 8 px (found is sorted brightest first).
  const isolated = found.filter((d, i) => {
    for (let k = 0; k < i; k++) {
      const o = found[k] as Detection;
      if (Math.abs(o.z - d.z) <= 4 && Math.abs(o.y - d.y) <= 8 && Math.abs(o.x - d.x) <= 8) return false;
    }
    return true;
  });
  return isolated.slice(Math.floor(isolated.length * dropBrightest)).slice(0, maxSpots);
}

/**
 * The peaks of a volume's bright spots, in the units of `flat` (a `'background'`-normalised volume
 * before any compression: noise σ): `flat` at the voxel (rounded) of each of its
 * {@link brightIsolatedMaxima}, the finite ones, in ascending order. A volume of more than
 * `maxVoxels` (default 2²³) is measured on a central in-plane crop of about that size.
 *
 * @example
 * const flat = normalizeBackground(volume, { unit: 1, knee: Infinity });
 * const peaks = spotPeaks(flat); // e.g. the 90th percentile: peaks[Math.floor(0.9 * (peaks.length - 1))]
 */
export function spotPeaks(
  flat: Volume,
  options: BrightMaximaOptions & { maxVoxels?: number } = {},
): number[] {
  const { maxVoxels = 2 ** 23, ...rest } = options;
  checkNumber('maxVoxels', maxVoxels, (v) => v >= 1, 'a number of voxels >= 1');
  const region = centralCrop(flat, maxVoxels);
  const [, Y, X] = region.shape;
  const values: number[] = [];
  for (const m of brightIsolatedMaxima(region, rest)) {
    const v = region.data[(Math.round(m.z) * Y + Math.round(m.y)) * X + Math.round(m.x)] as number;
    if (Number.isFinite(v)) values.push(v);
  }
  return values.sort((p, q) => p - q);
}

/**
 * The typical peak of a volume's bright spots: the median of its {@link spotPeaks}, in the units of
 * `flat` (noise σ for a `'background'`-normalised volume before compression). Undefined with fewer
 * than `minSpots` (default 5) such peaks.
 *
 * @example
 * const flat = normalizeBackground(volume, { unit: 1, knee: Infinity });
 * typicalSpotPeak(flat); // ≈ 80 for spots of local SNR 20 on a background of 10 photons
 */
export function typicalSpotPeak(
  flat: Volume,
  options: BrightMaximaOptions & { minSpots?: number; maxVoxels?: number } = {},
): number | undefined {
  const { minSpots = 5, ...rest } = options;
  checkNumber('minSpots', minSpots, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  const peaks = spotPeaks(flat, rest);
  return peaks.length >= minSpots ? median(peaks) : undefined;
}
