import { createVolume, type Volume } from '@dmdet/volume-io';
import { gaussianKernel1d, reflectIndex } from './convolve';
import { checkNumber } from './errors';
import { checkVolume } from './input';

/** Options of {@link laplacianOfGaussian}. */
export interface LaplacianOfGaussianOptions {
  /** Gaussian sigma in x and y, voxels. */
  sigmaXY: number;
  /** Gaussian sigma in z, voxels. */
  sigmaZ: number;
  /** Kernel radius in sigmas (scipy's `truncate`). Default 4. */
  truncate?: number;
}

/** Half of a symmetric kernel: [w0, w1, …, wr] with w(−k) = w(k). */
const half = (k: Float64Array) => k.slice((k.length - 1) / 2);

const CHUNK = 2048;

/**
 * z pass, fused: A = Gz * V and B = G''z * V in one read of V, in chunks of a plane that stay in cache.
 */
function passZ(
  src: Float32Array,
  shape: readonly [number, number, number],
  g: Float64Array,
  d: Float64Array,
): [Float32Array, Float32Array] {
  const [Z, Y, X] = shape;
  const plane = Y * X;
  const A = new Float32Array(src.length);
  const B = new Float32Array(src.length);
  const accA = new Float64Array(CHUNK);
  const accB = new Float64Array(CHUNK);
  const r = g.length - 1;
  for (let z = 0; z < Z; z++) {
    for (let j0 = 0; j0 < plane; j0 += CHUNK) {
      const len = Math.min(CHUNK, plane - j0);
      const c = z * plane + j0;
      const g0 = g[0] as number;
      const d0 = d[0] as number;
      for (let j = 0; j < len; j++) {
        const v = src[c + j] as number;
        accA[j] = g0 * v;
        accB[j] = d0 * v;
      }
      for (let k = 1; k <= r; k++) {
        const lo = reflectIndex(z - k, Z) * plane + j0;
        const hi = reflectIndex(z + k, Z) * plane + j0;
        const gk = g[k] as number;
        const dk = d[k] as number;
        for (let j = 0; j < len; j++) {
          const s = (src[lo + j] as number) + (src[hi + j] as number);
          accA[j] = (accA[j] as number) + gk * s;
          accB[j] = (accB[j] as number) + dk * s;
        }
      }
      A.set(accA.subarray(0, len), c);
      B.set(accB.subarray(0, len), c);
    }
  }
  return [A, B];
}

/**
 * y and x passes of one z-plane, fused: S = Gy * A and W = G''y * A + Gy * B (row by row), then
 * out = G''x * S + Gx * W (line by line through reflect-padded buffers). Working on one plane at a
 * time keeps S and W in cache.
 */
function passesYX(
  A: Float32Array,
  B: Float32Array,
  out: Float32Array,
  z: number,
  shape: readonly [number, number, number],
  g: Float64Array,
  d: Float64Array,
  work: { S: Float64Array; W: Float64Array; lineS: Float64Array; lineW: Float64Array; pad: Int32Array },
): void {
  const [, Y, X] = shape;
  const base = z * Y * X;
  const r = g.length - 1;
  const { S, W, lineS, lineW, pad } = work;
  const g0 = g[0] as number;
  const d0 = d[0] as number;
  for (let y = 0; y < Y; y++) {
    const c = base + y * X;
    const o = y * X;
    for (let x = 0; x < X; x++) {
      const a = A[c + x] as number;
      S[o + x] = g0 * a;
      W[o + x] = d0 * a + g0 * (B[c + x] as number);
    }
    for (let k = 1; k <= r; k++) {
      const lo = base + reflectIndex(y - k, Y) * X;
      const hi = base + reflectIndex(y + k, Y) * X;
      const gk = g[k] as number;
      const dk = d[k] as number;
      for (let x = 0; x < X; x++) {
        const sa = (A[lo + x] as number) + (A[hi + x] as number);
        const sb = (B[lo + x] as number) + (B[hi + x] as number);
        S[o + x] = (S[o + x] as number) + gk * sa;
        W[o + x] = (W[o + x] as number) + dk * sa + gk * sb;
      }
    }
  }
  for (let y = 0; y < Y; y++) {
    const o = y * X;
    for (let i = 0; i < X + 2 * r; i++) {
      const p = o + (pad[i] as number);
      lineS[i] = S[p] as number;
      lineW[i] = W[p] as number;
    }
    const c = base + o;
    for (let i = 0; i < X; i++) {
      const m = i + r;
      let acc = d0 * (lineS[m] as number) + g0 * (lineW[m] as number);
      for (let k = 1; k <= r; k++) {
        acc += (d[k] as number) * ((lineS[m - k] as number) + (lineS[m + k] as number));
        acc += (g[k] as number) * ((lineW[m - k] as number) + (lineW[m + k] as number));
      }
      out[c + i] = acc;
    }
  }
}

/**
 * The Laplacian of Gaussian of a volume, ∂²/∂z² + ∂²/∂y² + ∂²/∂x² of the Gaussian-smoothed image, as
 * scipy.ndimage.gaussian_laplace (sigma `[σz, σxy, σxy]`, mode 'reflect', the same kernels). It is
 * separable: Gz·Gy·G''x + Gx·(Gz·G''y + G''z·Gy), computed in a fused z pass and fused y + x passes
 * plane by plane, reading each intermediate once. Bright spots give negative values.
 *
 * @example
 * const log = laplacianOfGaussian(volume, { sigmaXY: 1.4, sigmaZ: 1 });
 */
export function laplacianOfGaussian(
  volume: Volume,
  options: LaplacianOfGaussianOptions,
): Volume<Float32Array> {
  const shape = checkVolume(volume);
  const { sigmaXY, sigmaZ, truncate = 4 } = options;
  checkNumber('sigmaXY', sigmaXY, (v) => v > 0, 'a positive number of voxels');
  checkNumber('sigmaZ', sigmaZ, (v) => v > 0, 'a positive number of voxels');
  checkNumber('truncate', truncate, (v) => v > 0, 'a positive number');
  const src = volume.data instanceof Float32Array ? volume.data : Float32Array.from(volume.data);
  const gz = half(gaussianKernel1d(sigmaZ, 0, truncate));
  const dz = half(gaussianKernel1d(sigmaZ, 2, truncate));
  const gxy = half(gaussianKernel1d(sigmaXY, 0, truncate));
  const dxy = half(gaussianKernel1d(sigmaXY, 2, truncate));
  const [A, B] = passZ(src, shape, gz, dz);
  const [Z, Y, X] = shape;
  const r = gxy.length - 1;
  const work = {
    S: new Float64Array(Y * X),
    W: new Float64Array(Y * X),
    lineS: new Float64Array(X + 2 * r),
    lineW: new Float64Array(X + 2 * r),
    pad: Int32Array.from({ length: X + 2 * r }, (_, i) => reflectIndex(i - r, X)),
  };
  const out = new Float32Array(src.length);
  for (let z = 0; z < Z; z++) passesYX(A, B, out, z, shape, gxy, dxy, work);
  return createVolume(out, shape, volume.voxelSize);
}
