/**
 * The normal distribution behind values clipped from below (censored): a volume whose camera offset
 * or background was subtracted and then stored without negative values holds every voxel below the
 * clip at the clip's value. Its median and median absolute deviation are then wrong: the MAD of a
 * normal clipped at its 25th percentile or above is too small (0 at the 50th), the median too high
 * above the 50th. The values above the clip are untouched, so two of their quantiles give the
 * normal's mean and σ.
 */

/** Clipped fraction of a block above which its median absolute deviation is wrong (the normal's 25th percentile). */
export const CENSORED_FROM = 0.25;
/** Clipped fraction above which too few values are left to fit (the block is left to the median and MAD). */
export const CENSORED_UP_TO = 0.9;

/**
 * The standard normal quantile Φ⁻¹(p) for 0 < p < 1 (Acklam's rational approximation, relative
 * error below 1.2e-9); ±Infinity at 0 and 1, NaN outside.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ] as const;
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ] as const;
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ] as const;
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416] as const;
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** The value at probability `p` of ascending `sorted` values (linear between order statistics). */
function quantileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + (at - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/** A normal's mean and σ. */
export interface NormalFit {
  mean: number;
  sigma: number;
}

/**
 * The normal behind `values` clipped from below at `clip` (values ≤ `clip` taken as clipped), from
 * the first and third quartiles of the values above the clip: with p0 the clipped fraction, the
 * quantiles at a = p0 + 0.25 (1 − p0) and b = p0 + 0.75 (1 − p0) give σ = (q_b − q_a) / (Φ⁻¹(b) −
 * Φ⁻¹(a)) and mean = q_a − σ Φ⁻¹(a). Undefined where p0 is at most {@link CENSORED_FROM} (the median
 * and MAD are right there) or above {@link CENSORED_UP_TO}, or where the two quantiles are equal
 * (discrete counts of about one per voxel). Sorts `values` in place.
 */
export function censoredNormalFit(values: Float32Array, clip: number): NormalFit | undefined {
  if (values.length === 0) return undefined;
  values.sort();
  let clipped = 0;
  while (clipped < values.length && (values[clipped] as number) <= clip) clipped++;
  const p0 = clipped / values.length;
  if (!(p0 > CENSORED_FROM && p0 <= CENSORED_UP_TO)) return undefined;
  const a = p0 + 0.25 * (1 - p0);
  const b = p0 + 0.75 * (1 - p0);
  const qa = quantileOfSorted(values, a);
  const qb = quantileOfSorted(values, b);
  const za = normalQuantile(a);
  const sigma = (qb - qa) / (normalQuantile(b) - za);
  if (!(sigma > 0)) return undefined;
  return { mean: qa - sigma * za, sigma };
}

/**
 * The standard normal distribution function Φ(x) = erfc(−x/√2) / 2 (the Chebyshev erfc of Numerical
 * Recipes, relative error below 1.2e-7 in both tails).
 */
export function normalCdf(x: number): number {
  const v = -x / Math.SQRT2;
  const z = Math.abs(v);
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return 0.5 * (v >= 0 ? erfc : 2 - erfc);
}

/** A uniform number in (0, 1) from a voxel index (a 32-bit integer hash), the same on every run. */
export function uniformOfIndex(i: number): number {
  let h = (Math.imul(i, 0x9e3779b1) + 0x7f4a7c15) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return (h + 0.5) / 4294967296;
}

/**
 * A copy of `data` in which each voxel at or below `clip` whose weight is at least 0.5 (inside the
 * blocks fitted as clipped) takes a value drawn from the local normal (mean `background`, σ
 * `noise`) below the clip: background + noise · Φ⁻¹(u · Φ(α)), α = (clip − background) / noise, u
 * uniform from the voxel's index, so the same volume always gives the same copy. The clipped voxels
 * then look like the noise they were (the model never saw a floor of zeros), and the values above
 * the clip are kept. Returns the copy and how many voxels were drawn.
 */
export function imputeBelowClip(
  data: ArrayLike<number>,
  maps: { background: ArrayLike<number>; noise: ArrayLike<number> },
  clip: number,
  weight: ArrayLike<number>,
): { data: Float32Array; drawn: number } {
  const out = Float32Array.from(data);
  let drawn = 0;
  for (let i = 0; i < out.length; i++) {
    const sigma = maps.noise[i] as number;
    if (!((out[i] as number) <= clip && (weight[i] as number) >= 0.5 && sigma > 0)) continue;
    const mean = maps.background[i] as number;
    const p = uniformOfIndex(i) * normalCdf((clip - mean) / sigma);
    if (p > 0) {
      out[i] = mean + sigma * normalQuantile(p);
      drawn++;
    }
  }
  return { data: out, drawn };
}
