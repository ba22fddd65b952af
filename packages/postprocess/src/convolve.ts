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

/**
 * Convolves a `[z, y, x]` float volume along one axis with a kernel of odd length (scipy's
 * `correlate1d` with the reversed kernel, mode 'reflect'). Rows of the other axes are processed as
 * contiguous blocks, so the z and y passes run over whole planes and rows; symmetric kernels (all
 * Gaussian derivatives of even order) take half the multiplications.
 */
export function convolveAxis(
  src: Float32Array,
  shape: readonly [number, number, number],
  axis: 0 | 1 | 2,
  kernel: Float64Array,
): Float32Array {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis] as number;
  const outer = src.length / (inner * n);
  const r = (kernel.length - 1) / 2;
  const w = Float64Array.from(kernel).reverse();
  const symmetric = w.every((v, k) => v === w[2 * r - k]);
  const dst = new Float32Array(src.length);
  if (inner === 1) {
    const line = new Float64Array(n + 2 * r);
    const wc = w[r] as number;
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      for (let i = 0; i < n + 2 * r; i++) line[i] = src[base + reflectIndex(i - r, n)] as number;
      if (symmetric) {
        for (let i = 0; i < n; i++) {
          const c = i + r;
          let acc = wc * (line[c] as number);
          for (let k = 1; k <= r; k++)
            acc += (w[r + k] as number) * ((line[c - k] as number) + (line[c + k] as number));
          dst[base + i] = acc;
        }
      } else {
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let k = 0; k <= 2 * r; k++) acc += (w[k] as number) * (line[i + k] as number);
          dst[base + i] = acc;
        }
      }
    }
    return dst;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < n; i++) {
      const centre = base + i * inner;
      const wc = symmetric ? (w[r] as number) : 0;
      if (symmetric) {
        for (let j = 0; j < inner; j++) acc[j] = wc * (src[centre + j] as number);
        for (let k = 1; k <= r; k++) {
          const wk = w[r + k] as number;
          if (wk === 0) continue;
          const lo = base + reflectIndex(i - k, n) * inner;
          const hi = base + reflectIndex(i + k, n) * inner;
          for (let j = 0; j < inner; j++)
            acc[j] = (acc[j] as number) + wk * ((src[lo + j] as number) + (src[hi + j] as number));
        }
      } else {
        acc.fill(0);
        for (let k = 0; k <= 2 * r; k++) {
          const wk = w[k] as number;
          if (wk === 0) continue;
          const from = base + reflectIndex(i + k - r, n) * inner;
          for (let j = 0; j < inner; j++) acc[j] = (acc[j] as number) + wk * (src[from + j] as number);
        }
      }
      dst.set(acc, centre);
    }
  }
  return dst;
}
