/** The k-th smallest value (0-based) of an array, reordering it in place (Hoare quickselect). */
export function selectKth(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot.
    const x = a[lo] as number;
    const y = a[mid] as number;
    const z = a[hi] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

/** Median (mean of the two middle values for even lengths). */
export function median(values: ArrayLike<number>): number {
  const a = Float32Array.from(values);
  const n = a.length;
  if (n === 0) return Number.NaN;
  const upper = selectKth(a, n >> 1);
  if (n % 2 === 1) return upper;
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n >> 1; i++) if ((a[i] as number) > lower) lower = a[i] as number;
  return (lower + upper) / 2;
}

/**
 * Robust location and scale of a noisy image: the median and 1.4826 × the median absolute deviation
 * (the standard deviation for Gaussian noise, unmoved by a few bright spots).
 */
export function robustNoise(values: ArrayLike<number>): { median: number; sigma: number } {
  const m = median(values);
  const dev = new Float32Array(values.length);
  for (let i = 0; i < dev.length; i++) dev[i] = Math.abs((values[i] as number) - m);
  return { median: m, sigma: 1.4826 * median(dev) };
}
