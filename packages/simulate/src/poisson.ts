import type { Random } from './random';

const LOGGAM_COEFFS = [
  8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4,
  8.417508417508418e-4, -1.917526917526918e-3, 6.41025641025641e-3, -2.955065359477124e-2,
  1.796443723688307e-1, -1.3924322169059,
];

/** ln Γ(x) for x > 0 (Stirling series with recurrence below 7; as numpy's random_loggam). */
export function logGamma(x: number): number {
  if (x === 1 || x === 2) return 0;
  let x0 = x;
  let n = 0;
  if (x < 7) {
    n = Math.floor(7 - x);
    x0 = x + n;
  }
  const x2 = 1 / (x0 * x0);
  let gl0 = LOGGAM_COEFFS[9] as number;
  for (let k = 8; k >= 0; k--) gl0 = gl0 * x2 + (LOGGAM_COEFFS[k] as number);
  let gl = gl0 / x0 + 0.5 * Math.log(2 * Math.PI) + (x0 - 0.5) * Math.log(x0) - x0;
  for (let k = 1; k <= n; k++) {
    gl -= Math.log(x0 - 1);
    x0 -= 1;
  }
  return gl;
}

/** Exact Poisson draw by multiplying uniforms (Knuth); for small means. */
function poissonMultiplication(lambda: number, rng: Random): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let prod = rng.float();
  while (prod > limit) {
    k++;
    prod *= rng.float();
  }
  return k;
}

/**
 * Exact Poisson draw by transformed rejection with squeeze (PTRS, Hörmann 1993); for means >= 10.
 * Same constants as numpy's random_poisson_ptrs.
 */
function poissonPtrs(lambda: number, rng: Random): number {
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.float() - 0.5;
    const v = rng.float();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (
      Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
      -lambda + k * loglam - logGamma(k + 1)
    ) {
      return k;
    }
  }
}

/**
 * A Poisson-distributed count with the given mean: exact multiplication below a mean of 10, exact
 * transformed rejection (PTRS) from 10 up. Mean 0 gives 0.
 */
export function poisson(lambda: number, rng: Random): number {
  if (!(lambda > 0)) return 0;
  return lambda < 10 ? poissonMultiplication(lambda, rng) : poissonPtrs(lambda, rng);
}

/**
 * Poisson draws for one fixed mean by inversion of its exact cumulative distribution, with a
 * guide table (Chen & Asau) so a draw costs one uniform and a short search. For the many voxels
 * that share a mean (the background of a simulated volume).
 */
export class PoissonTable {
  private readonly cdf: Float64Array;
  private readonly guide: Int32Array;

  constructor(readonly lambda: number) {
    const values: number[] = [];
    let p = Math.exp(-lambda);
    let sum = p;
    values.push(sum);
    for (let k = 1; k < 100000 && 1 - sum > 1e-16; k++) {
      p *= lambda / k;
      sum += p;
      values.push(sum);
    }
    this.cdf = Float64Array.from(values);
    const m = this.cdf.length;
    this.guide = new Int32Array(m);
    let k = 0;
    for (let j = 0; j < m; j++) {
      while (k < m - 1 && (this.cdf[k] as number) <= j / m) k++;
      this.guide[j] = k;
    }
  }

  /** One draw. */
  sample(rng: Random): number {
    const u = rng.float();
    const cdf = this.cdf;
    const last = cdf.length - 1;
    let k = this.guide[Math.floor(u * cdf.length)] as number;
    while (k < last && u >= (cdf[k] as number)) k++;
    // u beyond the tabulated mass (< 1e-16): fall back to an exact draw.
    return u >= (cdf[k] as number) ? poisson(this.lambda, rng) : k;
  }
}

/**
 * A Gamma(shape, 1) draw for shape ≥ 1 (Marsaglia and Tsang 2000: squeeze, then log acceptance).
 * Mean and variance `shape`.
 */
export function gamma(shape: number, rng: Random): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.float();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}
