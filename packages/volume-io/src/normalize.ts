import { VolumeIoError } from './errors';
import { createVolume, type Volume, type VolumeData } from './volume';

/** Options of {@link normalizePercentile}. */
export interface NormalizePercentileOptions {
  /** Lower percentile, mapped to 0. Default 1. */
  low?: number;
  /** Upper percentile, mapped to 1. Default 99.8. */
  high?: number;
  /** Clip the result to [0, 1]. Default false (values outside the percentiles go below 0 / above 1). */
  clip?: boolean;
}

function checkPercent(name: string, p: number): void {
  if (!Number.isFinite(p) || p < 0 || p > 100) {
    throw new VolumeIoError('INVALID_OPTION', `${name} must be a percentile in [0, 100], got ${p}`);
  }
}

/** Sorted-position lookups for integer data by counting (exact, O(n + 65536)). */
function orderStatisticsByHistogram(data: Uint8Array | Uint16Array, ranks: number[]): number[] {
  const counts = new Float64Array(data instanceof Uint8Array ? 256 : 65536);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    counts[v] = (counts[v] as number) + 1;
  }
  const order = ranks.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(ranks.length);
  let value = 0;
  let seen = counts[0] as number;
  for (const [rank, at] of order) {
    while (seen <= rank) seen += counts[++value] as number;
    out[at] = value;
  }
  return out;
}

/**
 * Percentiles of the voxel values with linear interpolation between order statistics (numpy's
 * default `method='linear'`), ignoring NaN like `numpy.nanpercentile`. Returns NaN for each
 * percentile when every value is NaN.
 *
 * @example
 * const [p1, p99] = percentiles(volume.data, [1, 99.8]);
 */
export function percentiles(data: VolumeData, ps: readonly number[]): number[] {
  for (const p of ps) checkPercent('percentile', p);
  let sorted: ArrayLike<number> | undefined;
  let n = data.length;
  if (data instanceof Float32Array) {
    const finite = new Float32Array(data.length);
    let k = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (!Number.isNaN(v)) finite[k++] = v;
    }
    sorted = finite.subarray(0, k).sort();
    n = k;
  }
  if (n === 0) return ps.map(() => Number.NaN);
  const positions = ps.map((p) => (p / 100) * (n - 1));
  const ranks = positions.flatMap((pos) => [Math.floor(pos), Math.ceil(pos)]);
  const values = sorted
    ? ranks.map((r) => (sorted as ArrayLike<number>)[r] as number)
    : orderStatisticsByHistogram(data as Uint8Array | Uint16Array, ranks);
  return positions.map((pos, i) => {
    const lo = values[2 * i] as number;
    const hi = values[2 * i + 1] as number;
    return lo + (hi - lo) * (pos - Math.floor(pos));
  });
}

/**
 * Maps the volume to float32 so that the `low` percentile becomes 0 and the `high` percentile 1
 * (defaults 1 % and 99.8 %), the usual input normalisation of microscopy networks. NaN stays NaN.
 * A volume whose two percentiles are equal (e.g. constant) maps to all zeros.
 *
 * @example
 * const x = normalizePercentile(volume, { low: 1, high: 99.8 });
 */
export function normalizePercentile(
  volume: Volume,
  options: NormalizePercentileOptions = {},
): Volume<Float32Array> {
  const { low = 1, high = 99.8, clip = false } = options;
  checkPercent('low', low);
  checkPercent('high', high);
  if (!(low < high)) throw new VolumeIoError('INVALID_OPTION', `low (${low}) must be below high (${high})`);
  const [lo, hi] = percentiles(volume.data, [low, high]) as [number, number];
  const range = hi - lo;
  const scale = range > 0 ? 1 / range : 0;
  const src = volume.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    let v = ((src[i] as number) - lo) * scale;
    if (clip) v = v < 0 ? 0 : Math.min(v, 1);
    out[i] = v;
  }
  return createVolume(out, volume.shape, volume.voxelSize);
}
