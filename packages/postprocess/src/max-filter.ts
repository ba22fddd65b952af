import type { Radii } from './input';

/** One separable pass: the maximum over ±r along an axis (voxels outside the volume ignored). */
function maxAlongAxis(
  src: Float32Array,
  dst: Float32Array,
  shape: readonly number[],
  axis: number,
  r: number,
): void {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis] as number;
  const outer = src.length / (inner * n);
  if (r === 0) {
    dst.set(src);
    return;
  }
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const base = o * n;
      for (let i = 0; i < n; i++) {
        const hi = Math.min(n - 1, i + r);
        let m = src[base + Math.max(0, i - r)] as number;
        for (let k = Math.max(0, i - r) + 1; k <= hi; k++) {
          const v = src[base + k] as number;
          if (v > m) m = v;
        }
        dst[base + i] = m;
      }
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < n; i++) {
      const lo = Math.max(0, i - r);
      const hi = Math.min(n - 1, i + r);
      const out = base + i * inner;
      dst.set(src.subarray(base + lo * inner, base + lo * inner + inner), out);
      for (let k = lo + 1; k <= hi; k++) {
        const from = base + k * inner;
        for (let j = 0; j < inner; j++) {
          const v = src[from + j] as number;
          if (v > (dst[out + j] as number)) dst[out + j] = v;
        }
      }
    }
  }
}

/**
 * Maximum filter of a `[z, y, x]` volume over a box of radii `[rz, ry, rx]` (separable, voxels
 * outside the volume ignored: the same as scipy.ndimage.maximum_filter with mode 'nearest').
 */
export function maximumFilter(
  data: ArrayLike<number>,
  shape: readonly [number, number, number],
  radii: Radii,
): Float32Array {
  const a = Float32Array.from(data);
  const b = new Float32Array(a.length);
  maxAlongAxis(a, b, shape, 2, radii[2]);
  maxAlongAxis(b, a, shape, 1, radii[1]);
  maxAlongAxis(a, b, shape, 0, radii[0]);
  return b;
}
