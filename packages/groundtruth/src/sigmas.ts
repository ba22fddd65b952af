import type { Vec3 } from '@dmdet/volume-io';
import { checkNumber, GroundtruthError } from './errors';

/** Gaussian widths in voxels: in-plane (x and y) and along z. */
export interface Sigmas {
  sigmaXY: number;
  sigmaZ: number;
}

/** Options of {@link sigmasFromMicrons}. */
export interface SigmasFromMicronsOptions {
  /** Voxel size in µm `[z, y, x]`. */
  voxelSize: Vec3;
  /**
   * Particle size in µm as the full width at half maximum of its spot: one number for all axes,
   * or `[z, xy]` for an elongated (axial) spot.
   */
  fwhm: number | readonly [number, number];
}

const FWHM_PER_SIGMA = 2 * Math.sqrt(2 * Math.LN2);

/**
 * Gaussian sigmas in voxels from a voxel size and a particle size in µm (σ = FWHM / 2.3548 / voxel).
 * The in-plane sigma uses the mean of the x and y voxel sizes; they must agree within 1 %.
 *
 * @example
 * sigmasFromMicrons({ voxelSize: [0.3, 0.1, 0.1], fwhm: [0.6, 0.3] }) // { sigmaXY: 1.27, sigmaZ: 0.85 }
 */
export function sigmasFromMicrons(options: SigmasFromMicronsOptions): Sigmas {
  const { voxelSize, fwhm } = options;
  if (!Array.isArray(voxelSize) || voxelSize.length !== 3) {
    throw new GroundtruthError(
      'INVALID_OPTION',
      `voxelSize must be [z, y, x] in µm, got ${JSON.stringify(voxelSize)}`,
    );
  }
  voxelSize.forEach((v, i) => {
    checkNumber(`voxelSize[${i}]`, v, (x) => x > 0, 'a positive number of µm');
  });
  const [fz, fxy] = typeof fwhm === 'number' ? [fwhm, fwhm] : fwhm;
  checkNumber('fwhm (z)', fz, (x) => x > 0, 'a positive size in µm');
  checkNumber('fwhm (xy)', fxy, (x) => x > 0, 'a positive size in µm');
  const [vz, vy, vx] = voxelSize;
  if (Math.abs(vy - vx) > 0.01 * Math.max(vy, vx)) {
    throw new GroundtruthError(
      'INVALID_OPTION',
      `voxelSize y (${vy}) and x (${vx}) differ; one in-plane sigma needs square pixels (within 1 %)`,
    );
  }
  return { sigmaXY: fxy / FWHM_PER_SIGMA / ((vy + vx) / 2), sigmaZ: fz / FWHM_PER_SIGMA / vz };
}
