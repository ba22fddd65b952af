import { createVolume, type Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import { detectSEF3D, laplacianOfGaussian, robustNoise } from '../src/index';
import { logNoiseScale } from '../src/log-noise';

/** Brute force: the LoG's response to a unit impulse at every voxel q; variance at p = Σ_q K(p, q)². */
function bruteVariance(shape: Vec3, sigmaXY: number, sigmaZ: number): Float64Array {
  const n = shape[0] * shape[1] * shape[2];
  const variance = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    const impulse = new Float32Array(n);
    impulse[q] = 1;
    const k = laplacianOfGaussian(createVolume(impulse, shape), { sigmaXY, sigmaZ }).data;
    for (let p = 0; p < n; p++) variance[p] = (variance[p] as number) + (k[p] as number) ** 2;
  }
  return variance;
}

/** A seeded normal generator (Box–Muller on a small LCG). */
function normals(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

describe('logNoiseScale: how strong filtered white noise is at each voxel', () => {
  it('equals the brute-force sum of squared impulse responses, relative to the middle', () => {
    // 9×13×13: the middle voxel is out of reach of every face (kernel radii 4 and 6).
    const shape: Vec3 = [9, 13, 13];
    const brute = bruteVariance(shape, 1.4, 1);
    const middle = brute[(4 * 13 + 6) * 13 + 6] as number;
    const got = logNoiseScale(shape, 1.4, 1);
    let worst = 0;
    for (let i = 0; i < got.length; i++)
      worst = Math.max(worst, Math.abs((got[i] as number) - Math.sqrt((brute[i] as number) / middle)));
    expect(worst).toBeLessThan(1e-5);
    expect(got[(4 * 13 + 6) * 13 + 6]).toBeCloseTo(1, 6);
    expect(got[(0 * 13 + 6) * 13 + 6] as number).toBeGreaterThan(1.05); // a z face
    expect(got[0] as number).toBeGreaterThan(got[(0 * 13 + 6) * 13 + 6] as number); // a corner
  });

  it('matches brute force where the kernel folds more than once (shapes smaller than the kernel)', () => {
    for (const shape of [
      [2, 5, 3],
      [1, 4, 4],
      [3, 1, 7],
    ] as Vec3[]) {
      const brute = bruteVariance(shape, 1.2, 0.8);
      // Relative to a voxel far from every face, from a volume large enough to have one.
      const big: Vec3 = [9, 15, 15];
      const middle = bruteVariance(big, 1.2, 0.8)[(4 * 15 + 7) * 15 + 7] as number;
      const got = logNoiseScale(shape, 1.2, 0.8);
      got.forEach((g, i) => {
        expect(g).toBeCloseTo(Math.sqrt((brute[i] as number) / middle), 5);
      });
    }
  });
});

describe("detectSEF3D's noise level near the faces", () => {
  // Pure white noise: every detection is a false one, and a fair threshold puts them anywhere.
  const shape: Vec3 = [10, 96, 96];
  const volume = createVolume(normals(10 * 96 * 96, 7), shape);
  const plane = 96 * 96;
  const zFaceShare = (ds: { z: number }[]) =>
    ds.filter((d) => Math.round(d.z) === 0 || Math.round(d.z) === 9).length / ds.length;

  it('the filtered noise on a z face is as much stronger as logNoiseScale says', () => {
    const { enhanced } = detectSEF3D(volume, { threshold: 100 });
    const scale = logNoiseScale(shape, 1.4, 1);
    const slice = (z: number) => robustNoise(enhanced.data.subarray(z * plane, (z + 1) * plane)).sigma;
    const interior = (slice(4) + slice(5)) / 2;
    expect(slice(0) / interior).toBeGreaterThan(1.1);
    expect(slice(0) / interior).toBeCloseTo(scale[48 * 96 + 48] as number, 1);
    expect(slice(9) / interior).toBeCloseTo(scale[9 * plane + 48 * 96 + 48] as number, 1);
  });

  it("with noise 'global' the z faces (20 % of the voxels) take over 40 % of the detections", () => {
    const { detections } = detectSEF3D(volume, { threshold: 3, noise: 'global', refine: 'none' });
    expect(detections.length).toBeGreaterThan(50);
    expect(zFaceShare(detections)).toBeGreaterThan(0.4);
  });

  it("with noise 'position' (default) they take under 25 %", () => {
    const { detections } = detectSEF3D(volume, { threshold: 3, refine: 'none' });
    expect(detections.length).toBeGreaterThan(30);
    expect(zFaceShare(detections)).toBeLessThan(0.25);
  });

  it('rejects an unknown noise mode', () => {
    expect(() => detectSEF3D(volume, { noise: 'local' as 'global' })).toThrow(
      /noise must be 'position' or 'global'/,
    );
  });
});
