import {
  createVolume,
  type Point,
  type Vec3,
  type Volume,
  VolumeIoError,
  validateShape,
} from '@dmdet/volume-io';
import { checkNumber, SimulateError } from './errors';
import { PoissonTable, poisson } from './poisson';
import { type ClusterOptions, placeParticles } from './positions';
import { type PsfMode, renderSpots } from './psf';
import { Random } from './random';
import { countForDensity, type DensityLevel, PTC_DENSITY_COUNTS, PTC_SHAPE, peakIntensity } from './scenario';

/** Options of {@link simulateVolume}; defaults give one PTC virus-scenario volume (docs/method.md). */
export interface SimulateVolumeOptions {
  /** Volume shape `[z, y, x]`. Default `[10, 512, 512]`. */
  shape?: Vec3;
  /** Number of particles. Overrides `density`. */
  count?: number;
  /** PTC density level (100 / 500 / 1000 particles per 10×512×512, scaled to `shape`). Default `'medium'`. */
  density?: DensityLevel;
  /** Signal-to-noise ratio (I_obj − I_bg) / √I_obj. Default 2. */
  snr?: number;
  /** Background I_bg, photons per voxel. Default 10. */
  background?: number;
  /** Spot sigma in x and y, voxels. Default 1.4. */
  sigmaXY?: number;
  /** Spot sigma in z, voxels. Default 1. */
  sigmaZ?: number;
  /** Gaussian PSF sampled at voxel centres (default) or integrated over each voxel. */
  psf?: PsfMode;
  /** Relative spread of particle brightness (lognormal with mean 1 and this σ of its log). Default 0. */
  intensitySpread?: number;
  /** Minimum distance between particles, voxels. Default 0. */
  minSpacing?: number;
  /** Put a fraction of the particles in clusters. Default none. */
  clusters?: ClusterOptions;
  /** Voxel size in µm `[z, y, x]` to attach to the volume. */
  voxelSize?: Vec3;
  /** Seed (integer). Same seed and options, same bytes. Default 0. */
  seed?: number;
}

/** The defaults of {@link simulateVolume}: the PTC virus scenario with the benchmark's spot size (docs/method.md). */
export const SIMULATE_DEFAULTS = {
  shape: PTC_SHAPE as Vec3,
  density: 'medium' as DensityLevel,
  snr: 2,
  background: 10,
  sigmaXY: 1.4,
  sigmaZ: 1,
  psf: 'sampled' as PsfMode,
  intensitySpread: 0,
  minSpacing: 0,
  seed: 0,
} as const;

/** A ground-truth particle: position in voxels, its peak intensity above background, its cluster (−1: none). */
export interface SimulatedParticle extends Point {
  intensity: number;
  cluster: number;
}

/** A simulated volume, its ground truth, and the numbers it was made with. */
export interface SimulatedVolume {
  volume: Volume<Uint16Array>;
  points: SimulatedParticle[];
  /** Peak intensity I_obj of a particle of mean brightness, photons. */
  peakIntensity: number;
  /** I_obj − I_bg. */
  amplitude: number;
}

function validate(
  o: Required<Omit<SimulateVolumeOptions, 'count' | 'clusters' | 'voxelSize'>> & SimulateVolumeOptions,
) {
  try {
    validateShape(o.shape, o.voxelSize);
  } catch (e) {
    if (e instanceof VolumeIoError) throw new SimulateError('INVALID_OPTION', e.message, { cause: e });
    throw e;
  }
  if (o.count !== undefined)
    checkNumber('count', o.count, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');
  if (!(o.density in PTC_DENSITY_COUNTS)) {
    throw new SimulateError(
      'INVALID_OPTION',
      `density must be 'low', 'medium' or 'high', got ${JSON.stringify(o.density)}`,
    );
  }
  checkNumber('snr', o.snr, (v) => v >= 0, 'a number >= 0');
  checkNumber('background', o.background, (v) => v >= 0, 'a number of photons >= 0');
  checkNumber('sigmaXY', o.sigmaXY, (v) => v > 0, 'a positive number of voxels');
  checkNumber('sigmaZ', o.sigmaZ, (v) => v > 0, 'a positive number of voxels');
  checkNumber('intensitySpread', o.intensitySpread, (v) => v >= 0, 'a number >= 0');
  checkNumber('minSpacing', o.minSpacing, (v) => v >= 0, 'a number of voxels >= 0');
  checkNumber('seed', o.seed, (v) => Number.isInteger(v), 'an integer');
  if (o.psf !== 'sampled' && o.psf !== 'integrated') {
    throw new SimulateError(
      'INVALID_OPTION',
      `psf must be 'sampled' or 'integrated', got ${JSON.stringify(o.psf)}`,
    );
  }
  const c = o.clusters;
  if (c !== undefined) {
    checkNumber('clusters.fraction', c.fraction, (v) => v >= 0 && v <= 1, 'a fraction in [0, 1]');
    if (c.size !== undefined)
      checkNumber('clusters.size', c.size, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
    if (c.spread !== undefined)
      checkNumber('clusters.spread', c.spread, (v) => v >= 0, 'a number of voxels >= 0');
    if (c.spreadZ !== undefined)
      checkNumber('clusters.spreadZ', c.spreadZ, (v) => v >= 0, 'a number of voxels >= 0');
  }
}

/**
 * Simulates one 3D fluorescence volume with known particle positions, as the Particle Tracking
 * Challenge's virus scenario: particles at uniformly random sub-voxel positions (optionally clustered
 * and/or spaced), each an anisotropic Gaussian spot of peak I_obj − I_bg above a constant background
 * I_bg, with I_obj set by SNR = (I_obj − I_bg)/√I_obj; then Poisson noise on every voxel, stored as
 * uint16 (counts above 65535 are clipped). Seeded and deterministic.
 *
 * @example
 * const { volume, points } = simulateVolume({ snr: 2, density: 'low', seed: 1 });
 */
export function simulateVolume(options: SimulateVolumeOptions = {}): SimulatedVolume {
  const given = Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  ) as SimulateVolumeOptions;
  const o = { ...SIMULATE_DEFAULTS, ...given };
  validate(o);
  const shape: Vec3 = [o.shape[0], o.shape[1], o.shape[2]];
  const count = o.count ?? countForDensity(o.density, shape);
  const rng = new Random(o.seed);
  const placements = placeParticles(shape, count, rng, {
    minSpacing: o.minSpacing,
    clusters: o.clusters,
    sigmaXY: o.sigmaXY,
    sigmaZ: o.sigmaZ,
  });
  const peak = peakIntensity(o.snr, o.background);
  const amplitude = peak - o.background;
  const s = o.intensitySpread;
  const points: SimulatedParticle[] = placements.map((p) => ({
    x: p.x,
    y: p.y,
    z: p.z,
    intensity: s > 0 ? amplitude * Math.exp(s * rng.normal() - (s * s) / 2) : amplitude,
    cluster: p.cluster,
  }));
  const expected = renderSpots(
    shape,
    points.map((p) => ({ x: p.x, y: p.y, z: p.z, amplitude: p.intensity })),
    { sigmaXY: o.sigmaXY, sigmaZ: o.sigmaZ, psf: o.psf, background: o.background },
  );
  const data = new Uint16Array(expected.length);
  const backgroundDraws = new PoissonTable(o.background);
  for (let i = 0; i < expected.length; i++) {
    const mean = expected[i] as number;
    const count = mean === o.background ? backgroundDraws.sample(rng) : poisson(mean, rng);
    data[i] = Math.min(count, 65535);
  }
  return { volume: createVolume(data, shape, o.voxelSize), points, peakIntensity: peak, amplitude };
}
