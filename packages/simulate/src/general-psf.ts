import type { GeneralPsf } from './general-params';
import type { Spot } from './psf';

/** One Gaussian component of the PSF: relative peak, σ in x/y and z, shift of its centre along z. */
interface Component {
  peak: number;
  sigmaXY: number;
  sigmaZ: number;
  shiftZ: number;
  /** Rendered within this many of its σ. */
  cut: number;
}

/** The PSF's value at the spot centre before normalisation: core + halo + the tail at its offset. */
function centreValue(psf: GeneralPsf): number {
  const t = psf.axialElongation;
  return 1 + psf.halo.amplitude + t.amplitude * Math.exp(-(t.offset * t.offset) / (2 * t.length * t.length));
}

function components(psf: GeneralPsf): Component[] {
  const norm = 1 / centreValue(psf);
  const list: Component[] = [{ peak: norm, sigmaXY: psf.sigmaXY, sigmaZ: psf.sigmaZ, shiftZ: 0, cut: 4 }];
  const h = psf.halo;
  if (h.amplitude > 0)
    list.push({
      peak: h.amplitude * norm,
      sigmaXY: psf.sigmaXY * h.width,
      sigmaZ: psf.sigmaZ * h.width,
      shiftZ: 0,
      cut: 3,
    });
  const t = psf.axialElongation;
  if (t.amplitude > 0)
    list.push({
      peak: t.amplitude * norm,
      sigmaXY: psf.sigmaXY,
      sigmaZ: psf.sigmaZ * t.length,
      shiftZ: t.offset * psf.sigmaZ,
      cut: 3,
    });
  return list;
}

/** The astigmatic stretch of the in-plane σ along the astigmatism's direction at a z offset (slices). */
function stretch(psf: GeneralPsf, dz: number): number {
  const a = psf.astigmatism?.amount ?? 0;
  return a > 0 ? Math.exp((a * dz) / psf.sigmaZ) : 1;
}

/**
 * The `general` PSF's value at an offset (dx, dy, dz) voxels from a spot's centre, normalised to 1
 * at the centre: core Gaussian + halo + axial tail, every component's lateral centre shifted by
 * tilt · dz, and its in-plane σ stretched by the astigmatism (× s along its direction, ÷ s across,
 * s = exp(amount · dz / σz)).
 */
export function generalPsfValue(psf: GeneralPsf, dx: number, dy: number, dz: number): number {
  const s = stretch(psf, dz);
  const angle = psf.astigmatism?.angle ?? 0;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  let v = 0;
  for (const c of components(psf)) {
    const ex = dx - psf.tilt.x * dz;
    const ey = dy - psf.tilt.y * dz;
    const ez = dz - c.shiftZ;
    const u = (ex * cos + ey * sin) / (c.sigmaXY * s);
    const w = (-ex * sin + ey * cos) * (s / c.sigmaXY);
    v += c.peak * Math.exp(-(u * u + w * w) / 2 - (ez * ez) / (2 * c.sigmaZ * c.sigmaZ));
  }
  return v;
}

/**
 * Adds spots of the `general` PSF (sampled at voxel centres) to `out` (`[z, y, x]`, x fastest):
 * each spot's `amplitude` is its value at its centre. Each component is rendered only in a box of
 * ±4 σ (core) or ±3 σ (halo, tail) around its centre, slice by slice (the centre moves with the tilt;
 * with astigmatism the box takes the slice's longer σ).
 */
export function addGeneralSpots(
  out: Float32Array,
  shape: readonly [number, number, number],
  spots: readonly Spot[],
  psf: GeneralPsf,
): void {
  const comps = components(psf);
  if ((psf.astigmatism?.amount ?? 0) > 0) {
    addAstigmaticSpots(out, shape, spots, psf, comps);
    return;
  }
  const [Z, Y, X] = shape;
  let widest = 1;
  for (const c of comps) widest = Math.max(widest, 2 * Math.ceil(c.cut * c.sigmaXY) + 3);
  const gx = new Float64Array(widest);
  const gy = new Float64Array(widest);
  const { x: tx, y: ty } = psf.tilt;
  for (const s of spots) {
    if (!(s.amplitude > 0)) continue;
    for (const c of comps) {
      const zc = s.z + c.shiftZ;
      const rz = c.cut * c.sigmaZ;
      const rxy = c.cut * c.sigmaXY;
      const z0 = Math.max(0, Math.ceil(zc - rz));
      const z1 = Math.min(Z - 1, Math.floor(zc + rz));
      const kz = -1 / (2 * c.sigmaZ * c.sigmaZ);
      const kxy = -1 / (2 * c.sigmaXY * c.sigmaXY);
      for (let z = z0; z <= z1; z++) {
        const fz = s.amplitude * c.peak * Math.exp(kz * (z - zc) * (z - zc));
        const cx = s.x + tx * (z - s.z);
        const cy = s.y + ty * (z - s.z);
        const x0 = Math.max(0, Math.ceil(cx - rxy));
        const x1 = Math.min(X - 1, Math.floor(cx + rxy));
        const y0 = Math.max(0, Math.ceil(cy - rxy));
        const y1 = Math.min(Y - 1, Math.floor(cy + rxy));
        if (x0 > x1 || y0 > y1) continue;
        for (let x = x0; x <= x1; x++) gx[x - x0] = Math.exp(kxy * (x - cx) * (x - cx));
        for (let y = y0; y <= y1; y++) gy[y - y0] = fz * Math.exp(kxy * (y - cy) * (y - cy));
        const plane = z * Y * X;
        for (let y = y0; y <= y1; y++) {
          const fy = gy[y - y0] as number;
          const row = plane + y * X;
          for (let x = x0; x <= x1; x++)
            out[row + x] = (out[row + x] as number) + fy * (gx[x - x0] as number);
        }
      }
    }
  }
}

/** {@link addGeneralSpots} with astigmatism: in-plane Gaussians rotated and stretched per slice (not separable). */
function addAstigmaticSpots(
  out: Float32Array,
  shape: readonly [number, number, number],
  spots: readonly Spot[],
  psf: GeneralPsf,
  comps: readonly Component[],
): void {
  const [Z, Y, X] = shape;
  const { x: tx, y: ty } = psf.tilt;
  const angle = psf.astigmatism?.angle ?? 0;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (const s of spots) {
    if (!(s.amplitude > 0)) continue;
    for (const c of comps) {
      const zc = s.z + c.shiftZ;
      const rz = c.cut * c.sigmaZ;
      const z0 = Math.max(0, Math.ceil(zc - rz));
      const z1 = Math.min(Z - 1, Math.floor(zc + rz));
      const kz = -1 / (2 * c.sigmaZ * c.sigmaZ);
      for (let z = z0; z <= z1; z++) {
        const dz = z - s.z;
        const st = stretch(psf, dz);
        const su = c.sigmaXY * st;
        const sw = c.sigmaXY / st;
        const fz = s.amplitude * c.peak * Math.exp(kz * (z - zc) * (z - zc));
        const cx = s.x + tx * dz;
        const cy = s.y + ty * dz;
        const rxy = c.cut * Math.max(su, sw);
        const x0 = Math.max(0, Math.ceil(cx - rxy));
        const x1 = Math.min(X - 1, Math.floor(cx + rxy));
        const y0 = Math.max(0, Math.ceil(cy - rxy));
        const y1 = Math.min(Y - 1, Math.floor(cy + rxy));
        const ku = -1 / (2 * su * su);
        const kw = -1 / (2 * sw * sw);
        for (let y = y0; y <= y1; y++) {
          const ey = y - cy;
          const row = (z * Y + y) * X;
          for (let x = x0; x <= x1; x++) {
            const ex = x - cx;
            const u = ex * cos + ey * sin;
            const w = -ex * sin + ey * cos;
            out[row + x] = (out[row + x] as number) + fz * Math.exp(ku * u * u + kw * w * w);
          }
        }
      }
    }
  }
}
