/** How a spot is turned into voxel values. */
export type PsfMode = 'sampled' | 'integrated';

/** Complementary error function (Chebyshev fit, fractional error < 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
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
  return x >= 0 ? r : 2 - r;
}

/**
 * Per-voxel factors of a 1D Gaussian of amplitude 1 centred at `c`, for voxels lo..hi:
 * `'sampled'` evaluates it at the voxel centre, `'integrated'` averages it over the voxel
 * [i − 0.5, i + 0.5] (so the factors sum to √(2π)·σ, the integral of the Gaussian).
 */
export function gaussianFactors(
  c: number,
  sigma: number,
  lo: number,
  hi: number,
  mode: PsfMode,
): Float64Array {
  const out = new Float64Array(hi - lo + 1);
  if (mode === 'sampled') {
    const k = -1 / (2 * sigma * sigma);
    for (let i = lo; i <= hi; i++) out[i - lo] = Math.exp(k * (i - c) * (i - c));
  } else {
    const scale = Math.sqrt(2 * Math.PI) * sigma * 0.5;
    const s = 1 / (Math.SQRT2 * sigma);
    for (let i = lo; i <= hi; i++) out[i - lo] = scale * (erfc((i - 0.5 - c) * s) - erfc((i + 0.5 - c) * s));
  }
  return out;
}

/** A spot to render: position in voxels and amplitude above background. */
export interface Spot {
  x: number;
  y: number;
  z: number;
  amplitude: number;
}

/**
 * The noise-free image: `background` plus the sum of every spot's anisotropic Gaussian (amplitude
 * at its centre), evaluated on the voxels whose centres lie within `truncate` sigmas of the spot in
 * the anisotropic metric ((dx² + dy²)/σxy² + dz²/σz² ≤ truncate²); beyond that a spot adds less
 * than exp(−truncate²/2) of its amplitude (default 4: 3.4e-4). Voxels no spot reaches hold exactly
 * `background`.
 */
export function renderSpots(
  shape: readonly [number, number, number],
  spots: readonly Spot[],
  options: { sigmaXY: number; sigmaZ: number; psf: PsfMode; background: number; truncate?: number },
): Float64Array {
  const { sigmaXY, sigmaZ, psf, background, truncate = 4 } = options;
  const [Z, Y, X] = shape;
  const out = new Float64Array(Z * Y * X).fill(background);
  const rxy = truncate * sigmaXY;
  const rz = truncate * sigmaZ;
  const t2 = truncate * truncate;
  for (const s of spots) {
    const z0 = Math.max(0, Math.ceil(s.z - rz));
    const z1 = Math.min(Z - 1, Math.floor(s.z + rz));
    const y0 = Math.max(0, Math.ceil(s.y - rxy));
    const y1 = Math.min(Y - 1, Math.floor(s.y + rxy));
    const x0 = Math.max(0, Math.ceil(s.x - rxy));
    const x1 = Math.min(X - 1, Math.floor(s.x + rxy));
    if (z0 > z1 || y0 > y1 || x0 > x1) continue;
    const gz = gaussianFactors(s.z, sigmaZ, z0, z1, psf);
    const gy = gaussianFactors(s.y, sigmaXY, y0, y1, psf);
    const gx = gaussianFactors(s.x, sigmaXY, x0, x1, psf);
    for (let z = z0; z <= z1; z++) {
      const ez = ((z - s.z) / sigmaZ) ** 2;
      const fz = s.amplitude * (gz[z - z0] as number);
      for (let y = y0; y <= y1; y++) {
        const ezy = ez + ((y - s.y) / sigmaXY) ** 2;
        if (ezy > t2) continue;
        const fzy = fz * (gy[y - y0] as number);
        const row = (z * Y + y) * X;
        for (let x = x0; x <= x1; x++) {
          if (ezy + ((x - s.x) / sigmaXY) ** 2 > t2) continue;
          out[row + x] = (out[row + x] as number) + fzy * (gx[x - x0] as number);
        }
      }
    }
  }
  return out;
}
