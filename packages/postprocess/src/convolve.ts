/**
 * The 1D Gaussian kernel of scipy.ndimage (`_gaussian_kernel1d`): exp(−x²/(2σ²)) on −r..r, normalised
 * to sum 1, times the polynomial of the requested derivative order (0, 1 or 2). r = ⌊truncate·σ + 0.5⌋.
 */
export function gaussianKernel1d(sigma: number, order: 0 | 1 | 2, truncate = 4): Float64Array {
  const r = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    k[i + r] = v;
    sum += v;
  }
  const s2 = sigma * sigma;
  for (let i = -r; i <= r; i++) {
    const poly = order === 0 ? 1 : order === 1 ? -i / s2 : (i * i) / (s2 * s2) - 1 / s2;
    k[i + r] = ((k[i + r] as number) / sum) * poly;
  }
  return k;
}

/** Index of position i (any integer) in 0..n−1 under scipy's 'reflect' boundary (d c b a | a b c d | d c b a). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}
