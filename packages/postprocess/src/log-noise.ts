import { gaussianKernel1d, reflectIndex } from './convolve';

/**
 * Per-position inner products of one axis's folded kernels: near a border the 'reflect' boundary
 * folds the kernel onto the voxels inside, so the same noise voxel enters twice and the filtered
 * noise is stronger there. `gg[i]`, `gd[i]`, `dd[i]` are ⟨g_i, g_i⟩, ⟨g_i, d_i⟩, ⟨d_i, d_i⟩ of the
 * folded Gaussian g_i and second derivative d_i at position i.
 */
interface AxisProducts {
  gg: Float64Array;
  gd: Float64Array;
  dd: Float64Array;
}

function axisProducts(n: number, sigma: number, truncate: number): AxisProducts {
  const g = gaussianKernel1d(sigma, 0, truncate);
  const d = gaussianKernel1d(sigma, 2, truncate);
  const r = (g.length - 1) / 2;
  const out = { gg: new Float64Array(n), gd: new Float64Array(n), dd: new Float64Array(n) };
  const gf = new Float64Array(n);
  const df = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    gf.fill(0);
    df.fill(0);
    for (let k = -r; k <= r; k++) {
      const q = reflectIndex(i + k, n);
      gf[q] = (gf[q] as number) + (g[k + r] as number);
      df[q] = (df[q] as number) + (d[k + r] as number);
    }
    let gg = 0;
    let gd = 0;
    let dd = 0;
    for (let q = Math.max(0, i - r); q <= Math.min(n - 1, i + r); q++) {
      const a = gf[q] as number;
      const b = df[q] as number;
      gg += a * a;
      gd += a * b;
      dd += b * b;
    }
    out.gg[i] = gg;
    out.gd[i] = gd;
    out.dd[i] = dd;
  }
  return out;
}

/**
 * How strong white noise is after `laplacianOfGaussian` (same sigmas, truncate, 'reflect'
 * boundary) at every voxel, relative to the volume's middle: the response's standard deviation at
 * (z, y, x) divided by that far from every border (1 inside, up to ~1.5 on a face). Exact for
 * independent noise of equal variance: the LoG is Σₐ D_a ⊗ G_b ⊗ G_c, so its variance at a voxel is
 * Σₐ Σ_b of products of per-axis inner products of the folded kernels.
 */
export function logNoiseScale(
  shape: readonly [number, number, number],
  sigmaXY: number,
  sigmaZ: number,
  truncate = 4,
): Float32Array {
  const [Z, Y, X] = shape;
  const pz = axisProducts(Z, sigmaZ, truncate);
  const py = axisProducts(Y, sigmaXY, truncate);
  const px = axisProducts(X, sigmaXY, truncate);
  const variance = (
    z: AxisProducts,
    iz: number,
    y: AxisProducts,
    iy: number,
    x: AxisProducts,
    ix: number,
  ) => {
    const [zgg, zgd, zdd] = [z.gg[iz] as number, z.gd[iz] as number, z.dd[iz] as number];
    const [ygg, ygd, ydd] = [y.gg[iy] as number, y.gd[iy] as number, y.dd[iy] as number];
    const [xgg, xgd, xdd] = [x.gg[ix] as number, x.gd[ix] as number, x.dd[ix] as number];
    return (
      zdd * ygg * xgg +
      zgg * ydd * xgg +
      zgg * ygg * xdd +
      2 * (zgd * ygd * xgg + zgd * ygg * xgd + zgg * ygd * xgd)
    );
  };
  // The unfolded kernels' products: the variance far from every border.
  const free = (sigma: number) => axisProducts(2 * Math.floor(truncate * sigma + 0.5) + 1, sigma, truncate);
  const fz = free(sigmaZ);
  const fxy = free(sigmaXY);
  const cz = (fz.gg.length - 1) / 2;
  const cxy = (fxy.gg.length - 1) / 2;
  const inner = variance(fz, cz, fxy, cxy, fxy, cxy);
  // Grouped by the x products: V = xgg·a + xdd·b + xgd·c with a, b, c fixed along each x line.
  const out = new Float32Array(Z * Y * X);
  let i = 0;
  for (let z = 0; z < Z; z++) {
    const [zgg, zgd, zdd] = [pz.gg[z] as number, pz.gd[z] as number, pz.dd[z] as number];
    for (let y = 0; y < Y; y++) {
      const [ygg, ygd, ydd] = [py.gg[y] as number, py.gd[y] as number, py.dd[y] as number];
      const a = (zdd * ygg + zgg * ydd + 2 * zgd * ygd) / inner;
      const b = (zgg * ygg) / inner;
      const c = (2 * (zgd * ygg + zgg * ygd)) / inner;
      for (let x = 0; x < X; x++)
        out[i++] = Math.sqrt((px.gg[x] as number) * a + (px.dd[x] as number) * b + (px.gd[x] as number) * c);
    }
  }
  return out;
}
