import { fitGaussian, median, robustNoise } from '@dmdet/postprocess';
import type { Volume } from '@dmdet/volume-io';
import { brightIsolatedMaxima, centralCrop } from './bright-maxima';
import { checkNumber, PreprocessError } from './errors';
import { modalCluster } from './modal-cluster';
import { normalizeBackground } from './normalize-background';

/** A spot size: the σ of a Gaussian spot in voxels, in-plane and along z. */
export interface SpotSize {
  xy: number;
  z: number;
}

/** What {@link estimateSpotSize} found. */
export interface SpotSizeEstimate extends SpotSize {
  /** Spots whose fits made the estimate: those of the most populated cluster of sizes. */
  spots: number;
  /** Candidates found (bright isolated maxima) before fitting. */
  candidates: number;
  /**
   * Relative standard error of `xy` and `z`: 1.2533 × 1.4826 × MAD of the kept fits' log σ over
   * √fits (the median’s standard error for normally scattered fits): about 0.01–0.03 for a hundred
   * good fits, more for a few faint ones; NaN for `z` in a single slice. Informative: `detect` does
   * not use it (resampling on it was tried and lost more than it gained: docs/tried.md).
   */
  uncertainty: SpotSize;
}

/** Options of {@link estimateSpotSize}. */
export interface EstimateSpotSizeOptions {
  /**
   * Least height of a candidate, in noise σ of the smoothed, background-subtracted volume. Default 5
   * (the selection of the most populated cluster keeps noise peaks and blobs out; 8 before 2026-12).
   */
  cut?: number;
  /** The brightest fraction of candidates left out (bright blobs, clusters). Default 0.1. */
  dropBrightest?: number;
  /** Most candidates fitted. Default 300. */
  maxSpots?: number;
  /** Least number of good fits for an estimate. Default 5. */
  minSpots?: number;
  /** Larger volumes are estimated on a central in-plane crop of about this many voxels. Default 2²³ (8.4 M). */
  maxVoxels?: number;
  /**
   * Which fits make the estimate: `'cluster'` (default), the most populated cluster of sizes
   * (`modalCluster`); `'densest-half'`, the shortest interval of log σxy holding half the fits (the
   * estimator before 2026-12, with `cut` 8; kept for comparison: tools/analysis/spot-size-estimators.ts).
   */
  select?: 'cluster' | 'densest-half';
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/**
 * Estimates the spot size of a volume: the background and noise are taken off
 * (`normalizeBackground`, 6×24×24 blocks, linear), bright isolated maxima of the result smoothed by
 * a Gaussian of 1 voxel are the candidates (at least `cut` noise σ of the smoothed volume; the
 * brightest `dropBrightest` left out, as blobs and clusters are wider than spots; none with a
 * brighter one within 4 slices and 8 px), and a 3D Gaussian on a sloping background (`fitGaussian`,
 * `background: 'plane'`) is fitted to each in a window of 1.5 σ sized from a first pass. The
 * estimate is the median σxy and σz of the fits in the most populated cluster of sizes
 * (`modalCluster`: the fit with the most others within ±16 % in σxy and ±28 % in σz, and the fits
 * around it). Spots of one PSF fit alike; blobs, clumps, spots on a cell's edge or in a cluster
 * fit wider and scattered, so they cannot pull the estimate even where they outnumber the spots
 * among the candidates (bright autofluorescent blobs in a stack of few, faint spots). Returns
 * undefined when fewer than `minSpots` fits make that cluster (no bright spots). A volume of more
 * than `maxVoxels` is estimated on a central in-plane crop of about that size.
 *
 * @example
 * const size = estimateSpotSize(volume); // a 16×256×256 stack of σxy 2.5, σz 2 spots: { xy: 2.48, z: 1.99, spots: 133, … }
 */
export function estimateSpotSize(
  volume: Volume,
  options: EstimateSpotSizeOptions = {},
): SpotSizeEstimate | undefined {
  const { cut = 5, dropBrightest = 0.1, maxSpots = 300, minSpots = 5, maxVoxels = 2 ** 23 } = options;
  const select = options.select ?? 'cluster';
  if (select !== 'cluster' && select !== 'densest-half')
    throw new PreprocessError(
      'INVALID_OPTION',
      `select must be 'cluster' or 'densest-half', got ${JSON.stringify(select)}`,
    );
  checkNumber('minSpots', minSpots, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  checkNumber('maxVoxels', maxVoxels, (v) => v >= 1, 'a number of voxels >= 1');
  const region = centralCrop(volume, maxVoxels);
  const shape = region.shape;
  const flat = normalizeBackground(region, { block: [6, 24, 24], unit: 1, knee: Number.POSITIVE_INFINITY });
  const data = flat.data;
  for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i] as number)) data[i] = 0;
  const candidates = brightIsolatedMaxima(flat, { cut, dropBrightest, maxSpots });
  // `limit`: the largest σ kept, in window radii (a first pass in a small window may see a wide spot's σ beyond its radius).
  const fitAll = (radius: [number, number, number], limit: number) => {
    const xy: number[] = [];
    const z: number[] = [];
    for (const c of candidates) {
      const voxel: [number, number, number] = [Math.round(c.z), Math.round(c.y), Math.round(c.x)];
      const fit = fitGaussian(data, shape, voxel, [c.z, c.y, c.x], radius, { background: 'plane' });
      if (!fit || !(fit.amplitude > 0) || !(fit.sigmaXY > 0.2) || fit.sigmaXY > limit * radius[1]) continue;
      if (shape[0] > 1 && (!(fit.sigmaZ > 0.2) || fit.sigmaZ > limit * Math.max(radius[0], 1))) continue;
      xy.push(fit.sigmaXY);
      z.push(fit.sigmaZ);
    }
    return { xy, z };
  };
  const thin = shape[0] === 1;
  const cluster = (fits: { xy: number[]; z: number[] }) =>
    select === 'cluster' ? modalCluster(fits.xy, thin ? undefined : fits.z) : fits.xy.map((_, i) => i);
  const first = fitAll([2, 3, 3], 3);
  const firstCluster = cluster(first);
  if (firstCluster.length < minSpots) return undefined;
  // A window of 1.5 σ: wider ones take in neighbours and background structure, which widen the fits.
  const rxy = clamp(Math.ceil(1.5 * median(firstCluster.map((i) => first.xy[i] as number))), 3, 10);
  const rz = thin ? 0 : clamp(Math.ceil(1.5 * median(firstCluster.map((i) => first.z[i] as number))), 2, 8);
  const second = fitAll([rz, rxy, rxy], 1);
  const fits = second.xy.length >= minSpots ? second : first;
  // The fits the estimate rests on, and those whose median it is (the densest half of them, before).
  const kept = fits === first ? firstCluster : cluster(second);
  if (kept.length < minSpots) return undefined;
  const central = select === 'densest-half' ? densestHalf(fits.xy) : kept;
  const values = (list: number[], indices: number[]) => indices.map((i) => list[i] as number);
  // The median's standard error, 1.2533 × σ / √n, with σ robust (1.4826 × MAD) in log σ.
  const relativeError = (v: number[]) => (1.2533 * robustNoise(v.map(Math.log)).sigma) / Math.sqrt(v.length);
  return {
    uncertainty: {
      xy: relativeError(values(fits.xy, kept)),
      z: thin ? Number.NaN : relativeError(values(fits.z, kept)),
    },
    xy: median(values(fits.xy, central)),
    z: thin ? Number.NaN : median(values(fits.z, central)),
    spots: kept.length,
    candidates: candidates.length,
  };
}

/**
 * Indices of the values in the shortest interval of their logarithms that holds half of them (the
 * "shorth"): the densest half, around the mode.
 */
function densestHalf(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v: Math.log(v), i })).sort((a, b) => a.v - b.v);
  const h = Math.ceil(order.length / 2);
  let best = 0;
  let width = Number.POSITIVE_INFINITY;
  for (let k = 0; k + h <= order.length; k++) {
    const w = (order[k + h - 1] as { v: number }).v - (order[k] as { v: number }).v;
    if (w < width) {
      width = w;
      best = k;
    }
  }
  return order.slice(best, best + h).map((o) => o.i);
}
