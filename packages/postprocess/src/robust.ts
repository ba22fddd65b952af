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
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
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

/** Below this many values a select on a copy is faster than the histogram (whose 65536 bins cost the same for 10 values as for 10,000). */
const SELECT_ON_COPY_BELOW = 16384;

/**
 * The k-th and (k+1)-th smallest values (0-based) of `values` as float32 (as the histogram path
 * gathers them), by quickselect on a float32 copy; undefined when a value is NaN (the histogram
 * path's treatment of NaN is kept for those).
 */
function middlePairOnCopy(values: ArrayLike<number>, k: number): [number, number] | undefined {
  const n = values.length;
  const copy = new Float32Array(n);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) return undefined;
    if (v < min) min = v;
    if (v > max) max = v;
    copy[i] = v;
  }
  if (min === max) return [min, min];
  const a = selectKth(copy, k);
  if (k + 1 >= n) return [a, a];
  // After the select, every value from k + 1 on is at least a: the next is their minimum.
  let b = Number.POSITIVE_INFINITY;
  for (let i = k + 1; i < n; i++) if ((copy[i] as number) < b) b = copy[i] as number;
  return [a, b];
}

/**
 * The k-th and (k+1)-th smallest values (0-based) of `values`, exactly: for fewer than 16,384
 * values a select on a copy; else one pass for the range, one for a 65536-bin histogram, one to
 * gather the (few) values of the bins holding them, then a select.
 */
function middlePair(values: ArrayLike<number>, k: number): [number, number] {
  const n = values.length;
  if (n < SELECT_ON_COPY_BELOW) {
    const pair = middlePairOnCopy(values, k);
    if (pair) return pair;
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return [min, min];
  const bins = 65536;
  const scale = (bins - 1) / (max - min);
  const counts = new Int32Array(bins);
  for (let i = 0; i < n; i++) {
    const b = Math.floor(((values[i] as number) - min) * scale);
    counts[b] = (counts[b] as number) + 1;
  }
  let lo = 0;
  let below = 0;
  while (below + (counts[lo] as number) <= k) below += counts[lo++] as number;
  // The (k+1)-th value is in the same bin or the next non-empty one.
  let hi = lo;
  if (below + (counts[lo] as number) <= k + 1) {
    hi = lo + 1;
    while (hi < bins && counts[hi] === 0) hi++;
  }
  const gathered = new Float32Array((counts[lo] as number) + (hi !== lo ? (counts[hi] as number) : 0));
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    const b = Math.floor((v - min) * scale);
    if (b === lo || b === hi) gathered[m++] = v;
  }
  const a = selectKth(gathered, k - below);
  const b = k + 1 - below < gathered.length ? selectKth(gathered, k + 1 - below) : a;
  return [a, b];
}

/** Median (mean of the two middle values for even lengths), exact. */
export function median(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  if (n === 1) return values[0] as number;
  const [a, b] = middlePair(values, (n - 1) >> 1);
  return n % 2 === 1 ? a : (a + b) / 2;
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
