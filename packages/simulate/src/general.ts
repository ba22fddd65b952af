import { createVolume, type Vec3, type Volume } from '@dmdet/volume-io';
import { applyCamera, patternReadNoise } from './camera';
import { checkNumber } from './errors';
import { addBlobs, addSmoothBackground, interpolate } from './general-background';
import { type GeneralParams, validateGeneralParams } from './general-params';
import { addGeneralSpots } from './general-psf';
import { placeParticles } from './positions';
import { deriveSeed, Random } from './random';

/**
 * A spot's amplitude A (photons, peak above the local background) for a local SNR:
 * snr = A / √(B + A + r²) with B the local background (photons) and r = readNoise / gain the read
 * noise in photons, i.e. A = (snr² + √(snr⁴ + 4 snr² (B + r²))) / 2. With r = 0 this is the PTC's
 * SNR = (I_obj − I_bg) / √I_obj with I_obj = B + A.
 */
export function amplitudeForLocalSnr(snr: number, background: number, readNoisePhotons: number): number {
  const s2 = snr * snr;
  return (s2 + Math.sqrt(s2 * s2 + 4 * s2 * (background + readNoisePhotons * readNoisePhotons))) / 2;
}

/**
 * The local SNR of a spot: A / √(B + A + r²), amplitude A above local background B, both in photons,
 * r = readNoise / gain (the inverse of {@link amplitudeForLocalSnr}).
 */
export function localSnr(amplitude: number, background: number, readNoisePhotons: number): number {
  return amplitude / Math.sqrt(background + amplitude + readNoisePhotons * readNoisePhotons);
}

/** A ground-truth spot of a `general` volume. */
export interface GeneralPoint {
  /** Centre, voxels (0-based; the centre of voxel (z, y, x) is at exactly (z, y, x)). */
  x: number;
  y: number;
  z: number;
  /** Amplitude: expected peak above the local background at the centre, photons. */
  intensity: number;
  /** Cluster or pair it belongs to (0, 1, …), −1 when alone. */
  cluster: number;
  /** Its local SNR, A / √(B + A + (r/gain)²), r the read noise with any pixel pattern (`patternReadNoise`). */
  snr: number;
  /** Local background B at its centre, photons (everything but the spots, interpolated). */
  background: number;
}

/** The noiseless expectation of a `general` volume (photons), before the camera. */
export interface GeneralExpectation {
  /** Expected photons per voxel, `[z, y, x]`, x fastest: background plus spots. */
  photons: Float32Array;
  /** Expected background photons per voxel (without the spots). */
  background: Float32Array;
  points: GeneralPoint[];
  /** The core Gaussian's σ: what a detector should resample by. */
  spotSigma: { xy: number; z: number };
}

/** A simulated `general` volume with its ground truth. */
export interface GeneralVolume {
  /** Camera counts, uint16. */
  volume: Volume<Uint16Array>;
  points: GeneralPoint[];
  /** What it was drawn with. */
  params: GeneralParams;
  /** The core Gaussian's σ: what a detector should resample by. */
  spotSigma: { xy: number; z: number };
}

/** Independent random streams of one volume, so one feature's draws never shift another's. */
const STREAM = { cells: 1, haze: 2, blobs: 3, positions: 4, brightness: 5, camera: 6, texture: 7 } as const;

/**
 * Depth attenuation in place: slice z of `data` × (1 − attenuation)^(z / (Z − 1)) (no change for one
 * slice or no attenuation).
 */
function attenuate(data: Float32Array, shape: readonly [number, number, number], attenuation: number): void {
  const [Z, Y, X] = shape;
  if (!(attenuation > 0) || Z < 2 || data.length === 0) return;
  const plane = Y * X;
  for (let z = 1; z < Z; z++) {
    const f = depthFactor(z, Z, attenuation);
    for (let i = z * plane; i < (z + 1) * plane; i++) data[i] = (data[i] as number) * f;
  }
}

/** The depth attenuation's factor at (fractional) slice z of Z. */
function depthFactor(z: number, Z: number, attenuation: number): number {
  return Z < 2 ? 1 : (1 - attenuation) ** (Math.min(Math.max(z, 0), Z - 1) / (Z - 1));
}

function expectation(params: GeneralParams, seed: number, keepBackground: boolean) {
  validateGeneralParams(params);
  checkNumber('seed', seed, Number.isInteger, 'an integer');
  const stream = (k: number) => new Random(deriveSeed(seed, k));
  const shape: [number, number, number] = [params.shape[0], params.shape[1], params.shape[2]];
  const { psf, spots, camera } = params;
  const r = patternReadNoise(camera) / camera.gain;
  const photons = new Float32Array(shape[0] * shape[1] * shape[2]);
  const smooth = addSmoothBackground(
    photons,
    params,
    stream(STREAM.cells),
    stream(STREAM.haze),
    stream(STREAM.texture),
  );
  const reference = amplitudeForLocalSnr(spots.snr, params.background.level, r);
  addBlobs(photons, params, reference, stream(STREAM.blobs));
  const placements = placeParticles(shape, spots.count, stream(STREAM.positions), {
    minSpacing: 0,
    clusters:
      spots.clusterFraction > 0
        ? {
            fraction: spots.clusterFraction,
            size: spots.clusterSize,
            spread: spots.clusterSpread * psf.sigmaXY,
          }
        : undefined,
    pairs:
      spots.pairFraction > 0 ? { fraction: spots.pairFraction, distance: spots.pairDistance } : undefined,
    region: smooth.hasCells ? { fraction: spots.insideCells, inside: smooth.insideCell } : undefined,
    sigmaXY: psf.sigmaXY,
    sigmaZ: psf.sigmaZ,
  });
  const brightness = stream(STREAM.brightness);
  const spread = spots.amplitudeSpread;
  const points: GeneralPoint[] = placements.map((p) => {
    const factor = Math.exp(spread * brightness.normal());
    const b = interpolate(photons, shape, p);
    const snr = spots.snr * factor;
    const amplitude = amplitudeForLocalSnr(snr, b, r);
    return { x: p.x, y: p.y, z: p.z, intensity: amplitude, cluster: p.cluster, snr, background: b };
  });
  const background = keepBackground ? photons.slice() : new Float32Array(0);
  addGeneralSpots(
    photons,
    shape,
    points.map((p) => ({ x: p.x, y: p.y, z: p.z, amplitude: p.intensity })),
    psf,
  );
  const attenuation = params.attenuation ?? 0;
  if (attenuation > 0) {
    attenuate(photons, shape, attenuation);
    attenuate(background, shape, attenuation);
    for (const p of points) {
      const f = depthFactor(p.z, shape[0], attenuation);
      p.intensity *= f;
      p.background *= f;
      p.snr = localSnr(p.intensity, p.background, r);
    }
  }
  return { photons, background, points, spotSigma: { xy: psf.sigmaXY, z: psf.sigmaZ } };
}

/**
 * The noiseless expectation of {@link simulateGeneral}'s volume for the same params and seed:
 * expected photons per voxel with and without the spots, and the ground truth.
 *
 * @example
 * const { photons, background, points } = renderGeneral(GENERAL_CENTRE, 3);
 */
export function renderGeneral(params: GeneralParams, seed: number): GeneralExpectation {
  return expectation(params, seed, true);
}

/**
 * Simulates one `general` volume: the background (flat level, gradient, haze, cells with nuclei,
 * bright blobs; photons), spots of the `general` PSF whose amplitudes give each its local SNR
 * (the volume's `spots.snr` × a lognormal brightness factor of median 1, at its own local
 * background), the texture of the cells and the depth attenuation where the params ask for them,
 * then the camera ({@link applyCamera}: Poisson, EM multiplication, gain, offset, read noise, hot
 * pixels, uint16). Blobs and hot pixels are not in the truth. Same params and seed, same bytes.
 *
 * @example
 * const params = sampleGeneralParams(7);
 * const { volume, points, spotSigma } = simulateGeneral(params, 7);
 */
export function simulateGeneral(params: GeneralParams, seed: number): GeneralVolume {
  const e = expectation(params, seed, false);
  const shape: Vec3 = [params.shape[0], params.shape[1], params.shape[2]];
  const data = applyCamera(e.photons, shape, params.camera, deriveSeed(seed, STREAM.camera));
  return {
    volume: createVolume(data, shape),
    points: e.points,
    params: structuredClone(params),
    spotSigma: e.spotSigma,
  };
}
