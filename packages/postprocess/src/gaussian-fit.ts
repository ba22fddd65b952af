/** A 3D Gaussian spot fitted around a detection. */
export interface GaussianFit {
  x: number;
  y: number;
  z: number;
  /** Peak height above background. */
  amplitude: number;
  background: number;
  sigmaXY: number;
  sigmaZ: number;
  /** Root mean square residual of the fit. */
  residual: number;
}

/** Options of {@link fitGaussian}. */
export interface GaussianFitOptions {
  /**
   * The background under the spot: `'constant'` (default, B) or `'plane'` (B plus a linear gradient
   * along z, y and x, so a spot on a sloping background, e.g. a cell's edge, is not fitted wider).
   */
  background?: 'constant' | 'plane';
}

/** Solves a small dense linear system A x = b in place (Gaussian elimination with partial pivoting). */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++)
      if (Math.abs(A[r * n + c] as number) > Math.abs(A[p * n + c] as number)) p = r;
    if (Math.abs(A[p * n + c] as number) < 1e-300) return undefined;
    if (p !== c) {
      for (let k = 0; k < n; k++)
        [A[c * n + k], A[p * n + k]] = [A[p * n + k] as number, A[c * n + k] as number];
      [b[c], b[p]] = [b[p] as number, b[c] as number];
    }
    for (let r = c + 1; r < n; r++) {
      const f = (A[r * n + c] as number) / (A[c * n + c] as number);
      for (let k = c; k < n; k++) A[r * n + k] = (A[r * n + k] as number) - f * (A[c * n + k] as number);
      b[r] = (b[r] as number) - f * (b[c] as number);
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r] as number;
    for (let k = r + 1; k < n; k++) s -= (A[r * n + k] as number) * (x[k] as number);
    x[r] = s / (A[r * n + r] as number);
  }
  return x;
}

/**
 * Least-squares fit (Levenberg–Marquardt) of B + A·exp(−((x−x0)² + (y−y0)²)/(2σxy²) − (z−z0)²/(2σz²))
 * to the voxels within `radius` `[rz, ry, rx]` of voxel (z, y, x), started at `start` (a refined
 * position). In a volume one slice thick, z0 and σz are not fitted. Returns undefined when the
 * window is too small or the fit leaves the window or fails.
 */
export function fitGaussian(
  data: ArrayLike<number>,
  shape: readonly [number, number, number],
  voxel: readonly [number, number, number],
  start: readonly [number, number, number],
  radius: readonly [number, number, number] = [1, 2, 2],
  options: GaussianFitOptions = {},
): GaussianFit | undefined {
  const plane = options.background === 'plane';
  const [Z, Y, X] = shape;
  const [z, y, x] = voxel;
  const z0w = Math.max(0, z - radius[0]);
  const z1w = Math.min(Z - 1, z + radius[0]);
  const y0w = Math.max(0, y - radius[1]);
  const y1w = Math.min(Y - 1, y + radius[1]);
  const x0w = Math.max(0, x - radius[2]);
  const x1w = Math.min(X - 1, x + radius[2]);
  const count = Math.max(0, z1w - z0w + 1) * Math.max(0, y1w - y0w + 1) * Math.max(0, x1w - x0w + 1);
  // The window's voxels (z, y, x per voxel) and values, in z, y, x order.
  const pts = new Int32Array(3 * count);
  const vals = new Float64Array(count);
  let m = 0;
  for (let a = z0w; a <= z1w; a++)
    for (let b = y0w; b <= y1w; b++)
      for (let c = x0w; c <= x1w; c++) {
        pts[3 * m] = a;
        pts[3 * m + 1] = b;
        pts[3 * m + 2] = c;
        vals[m++] = data[(a * Y + b) * X + c] as number;
      }
  const fitZ = z1w > z0w;
  const free = [
    ...(fitZ ? [0, 1, 2, 3, 4, 5, 6] : [0, 1, 3, 4, 5, 6]),
    ...(plane ? (fitZ ? [7, 8, 9] : [8, 9]) : []),
  ];
  if (count < free.length + 2) return undefined;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const v = vals[i] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // p = [A, B, z0, y0, x0, sxy, sz, gz, gy, gx]: the background is B + g·(voxel − centre voxel).
  let p = [Math.max(hi - lo, 1e-12), lo, start[0], start[1], start[2], 1.5, 1, 0, 0, 0];
  /** Sum of squared residuals, the Jacobian (10 per voxel, row-major) and the residuals at q. */
  const evaluate = (q: number[]) => {
    let sse = 0;
    const J = new Float64Array(10 * count);
    const r = new Float64Array(count);
    const [A, B, z0, y0, x0, sxy, sz, gz, gy, gx] = q as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    for (let i = 0; i < count; i++) {
      const a = pts[3 * i] as number;
      const b = pts[3 * i + 1] as number;
      const c = pts[3 * i + 2] as number;
      const dz = a - z0;
      const dy = b - y0;
      const dx = c - x0;
      const e = Math.exp(-(dx * dx + dy * dy) / (2 * sxy * sxy) - (dz * dz) / (2 * sz * sz));
      const res = B + gz * (a - z) + gy * (b - y) + gx * (c - x) + A * e - (vals[i] as number);
      sse += res * res;
      r[i] = res;
      const o = 10 * i;
      J[o] = e;
      J[o + 1] = 1;
      J[o + 2] = (A * e * dz) / (sz * sz);
      J[o + 3] = (A * e * dy) / (sxy * sxy);
      J[o + 4] = (A * e * dx) / (sxy * sxy);
      J[o + 5] = (A * e * (dx * dx + dy * dy)) / (sxy * sxy * sxy);
      J[o + 6] = (A * e * dz * dz) / (sz * sz * sz);
      J[o + 7] = a - z;
      J[o + 8] = b - y;
      J[o + 9] = c - x;
    }
    return { sse, J, r };
  };
  let cur = evaluate(p);
  let lambda = 1e-3;
  const n = free.length;
  const cols = Int32Array.from(free);
  const ju = new Float64Array(n);
  for (let it = 0; it < 100; it++) {
    const H = new Float64Array(n * n);
    const g = new Float64Array(n);
    for (let i = 0; i < count; i++) {
      const o = 10 * i;
      const ri = cur.r[i] as number;
      for (let u = 0; u < n; u++) ju[u] = cur.J[o + (cols[u] as number)] as number;
      for (let u = 0; u < n; u++) {
        const jv = ju[u] as number;
        g[u] = (g[u] as number) - jv * ri;
        for (let v = u; v < n; v++) H[u * n + v] = (H[u * n + v] as number) + jv * (ju[v] as number);
      }
    }
    // Symmetric: the lower triangle is the upper one's (the same products summed in the same order).
    for (let u = 1; u < n; u++) for (let v = 0; v < u; v++) H[u * n + v] = H[v * n + u] as number;
    const Hd = Float64Array.from(H);
    for (let u = 0; u < n; u++) Hd[u * n + u] = (H[u * n + u] as number) * (1 + lambda) + 1e-12;
    const step = solve(Hd, Float64Array.from(g), n);
    if (!step) break;
    const next = [...p];
    free.forEach((k, u) => {
      next[k] = (next[k] as number) + (step[u] as number);
    });
    next[5] = Math.abs(next[5] as number);
    next[6] = Math.abs(next[6] as number);
    const cand = evaluate(next);
    if (cand.sse < cur.sse) {
      const converged = cur.sse - cand.sse < 1e-12 * (1 + cur.sse);
      p = next;
      cur = cand;
      lambda = Math.max(lambda / 10, 1e-9);
      if (converged) break;
    } else {
      lambda *= 10;
      if (lambda > 1e9) break;
    }
  }
  const [A, B, z0, y0, x0, sxy, sz] = p as [number, number, number, number, number, number, number];
  const inside =
    Math.abs(z0 - z) <= radius[0] + 0.5 && Math.abs(y0 - y) <= radius[1] && Math.abs(x0 - x) <= radius[2];
  if (!inside || !(A > 0) || ![A, B, z0, y0, x0, sxy, sz].every(Number.isFinite)) return undefined;
  return {
    x: x0,
    y: y0,
    z: fitZ ? z0 : z,
    amplitude: A,
    background: B,
    sigmaXY: sxy,
    sigmaZ: fitZ ? sz : Number.NaN,
    residual: Math.sqrt(cur.sse / count),
  };
}
