import { describe, expect, it } from 'vitest';
import {
  countForDensity,
  peakIntensity,
  type SimulatedParticle,
  SimulateError,
  simulateVolume,
} from '../src/index';

function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
const hashOf = (d: Uint16Array) => fnv1a(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));

/**
 * SNR measured from the output alone: background from voxels far from every particle, amplitude
 * by least squares of (voxel − background) against the sampled Gaussian on the voxels near each
 * particle, then SNR = A / sqrt(A + b).
 */
function measureSnr(
  data: Uint16Array,
  shape: [number, number, number],
  points: SimulatedParticle[],
  sxy: number,
  sz: number,
) {
  const [Z, Y, X] = shape;
  const near = new Uint8Array(data.length);
  for (const p of points)
    for (let z = Math.max(0, Math.ceil(p.z - 5 * sz)); z <= Math.min(Z - 1, p.z + 5 * sz); z++)
      for (let y = Math.max(0, Math.ceil(p.y - 5 * sxy)); y <= Math.min(Y - 1, p.y + 5 * sxy); y++)
        for (let x = Math.max(0, Math.ceil(p.x - 5 * sxy)); x <= Math.min(X - 1, p.x + 5 * sxy); x++)
          near[(z * Y + y) * X + x] = 1;
  let bs = 0;
  let bn = 0;
  data.forEach((v, i) => {
    if (!near[i]) {
      bs += v;
      bn++;
    }
  });
  const b = bs / bn;
  let num = 0;
  let den = 0;
  // Every voxel within 1.5 sigmas of a particle (in the anisotropic metric) contributes.
  for (const p of points)
    for (let z = Math.max(0, Math.ceil(p.z - 1.5 * sz)); z <= Math.min(Z - 1, p.z + 1.5 * sz); z++)
      for (let y = Math.max(0, Math.ceil(p.y - 1.5 * sxy)); y <= Math.min(Y - 1, p.y + 1.5 * sxy); y++)
        for (let x = Math.max(0, Math.ceil(p.x - 1.5 * sxy)); x <= Math.min(X - 1, p.x + 1.5 * sxy); x++) {
          const e = ((x - p.x) ** 2 + (y - p.y) ** 2) / (sxy * sxy) + (z - p.z) ** 2 / (sz * sz);
          if (e > 2.25) continue;
          const g = Math.exp(-e / 2);
          num += ((data[(z * Y + y) * X + x] as number) - b) * g;
          den += g * g;
        }
  const a = num / den;
  return { background: b, amplitude: a, snr: a / Math.sqrt(a + b) };
}

describe('simulateVolume', () => {
  it('uses the PTC virus scenario by default', () => {
    expect(countForDensity('low', [10, 512, 512])).toBe(100);
    expect(countForDensity('medium', [10, 256, 256])).toBe(125);
    expect(countForDensity('high', [10, 512, 512])).toBe(1000);
    // sqrt(I) = (SNR + sqrt(SNR² + 4b)) / 2 solves SNR = (I - b)/sqrt(I)
    for (const snr of [1, 2, 4, 7]) {
      const i = peakIntensity(snr, 10);
      expect((i - 10) / Math.sqrt(i)).toBeCloseTo(snr, 12);
    }
  });

  it.each([1, 2, 4, 7])('the SNR measured from the volume matches the requested SNR %d within 3 %', (snr) => {
    const shape: [number, number, number] = [10, 128, 128];
    const sxy = 1.4;
    const sz = 1;
    const points: SimulatedParticle[] = [];
    const data: Uint16Array[] = [];
    for (let seed = 0; seed < 6; seed++) {
      const s = simulateVolume({
        shape,
        count: 60,
        snr,
        minSpacing: 10,
        seed: 100 * snr + seed,
        sigmaXY: sxy,
        sigmaZ: sz,
      });
      data.push(s.volume.data);
      points.push(...s.points);
    }
    const results = data.map((d, k) => measureSnr(d, shape, points.slice(60 * k, 60 * k + 60), sxy, sz));
    const snrMeasured = results.reduce((a, r) => a + r.snr, 0) / results.length;
    const background = results.reduce((a, r) => a + r.background, 0) / results.length;
    expect(background).toBeCloseTo(10, 1);
    expect(Math.abs(snrMeasured / snr - 1)).toBeLessThan(0.03);
  });

  it('the background is Poisson: mean ≈ variance', () => {
    const s = simulateVolume({ shape: [4, 64, 64], count: 0, background: 37.5, seed: 5 });
    let m = 0;
    let m2 = 0;
    for (const v of s.volume.data) {
      m += v;
      m2 += v * v;
    }
    const n = s.volume.data.length;
    const mean = m / n;
    expect(mean).toBeCloseTo(37.5, 0);
    expect((m2 / n - mean * mean) / mean).toBeCloseTo(1, 1);
  });

  it('same seed, same bytes; another seed, other bytes; frozen across versions and platforms', () => {
    const opts = { shape: [3, 32, 32] as [number, number, number], count: 12, snr: 4, seed: 2024 };
    const a = simulateVolume(opts);
    const b = simulateVolume(opts);
    expect(hashOf(a.volume.data)).toBe(hashOf(b.volume.data));
    expect(a.points).toEqual(b.points);
    expect(hashOf(simulateVolume({ ...opts, seed: 2025 }).volume.data)).not.toBe(hashOf(a.volume.data));
    // Frozen: changing the generator is a deliberate, documented change (new datasets differ).
    expect(hashOf(a.volume.data)).toBe('3c918661');
  });

  it('places points inside the volume, keeps minSpacing and returns uint16 with the voxel size', () => {
    const s = simulateVolume({
      shape: [5, 40, 40],
      count: 40,
      minSpacing: 4,
      voxelSize: [0.3, 0.1, 0.1],
      seed: 1,
    });
    expect(s.volume.data).toBeInstanceOf(Uint16Array);
    expect(s.volume.voxelSize).toEqual([0.3, 0.1, 0.1]);
    expect(s.points).toHaveLength(40);
    for (const p of s.points) {
      expect(p.x).toBeGreaterThanOrEqual(0);
      expect(p.x).toBeLessThanOrEqual(39);
      expect(p.z).toBeGreaterThanOrEqual(0);
      expect(p.z).toBeLessThanOrEqual(4);
      expect(p.cluster).toBe(-1);
    }
    for (let i = 0; i < s.points.length; i++)
      for (let j = 0; j < i; j++) {
        const [p, q] = [s.points[i]!, s.points[j]!];
        expect(Math.hypot(p.x - q.x, p.y - q.y, p.z - q.z)).toBeGreaterThanOrEqual(4);
      }
  });

  it('puts the requested fraction in clusters close to each other', () => {
    const s = simulateVolume({
      shape: [10, 128, 128],
      count: 100,
      clusters: { fraction: 0.3, size: 3, spread: 1.5 },
      seed: 3,
    });
    const clustered = s.points.filter((p) => p.cluster >= 0);
    expect(clustered).toHaveLength(30);
    const byCluster = new Map<number, SimulatedParticle[]>();
    for (const p of clustered) byCluster.set(p.cluster, [...(byCluster.get(p.cluster) ?? []), p]);
    expect(byCluster.size).toBe(10);
    let spread = 0;
    for (const members of byCluster.values()) {
      const cx = members.reduce((a, p) => a + p.x, 0) / members.length;
      spread += members.reduce((a, p) => a + Math.abs(p.x - cx), 0) / members.length;
    }
    expect(spread / byCluster.size).toBeLessThan(3);
  });

  it('varies particle brightness with intensitySpread, keeping the mean', () => {
    const s = simulateVolume({ shape: [4, 64, 64], count: 2000, intensitySpread: 0.3, snr: 4, seed: 8 });
    const mean = s.points.reduce((a, p) => a + p.intensity, 0) / s.points.length;
    expect(mean / s.amplitude).toBeCloseTo(1, 1);
    expect(new Set(s.points.map((p) => p.intensity)).size).toBe(2000);
  });

  it('works on a volume one slice thick with the integrated PSF', () => {
    const s = simulateVolume({ shape: [1, 32, 32], count: 3, psf: 'integrated', seed: 2 });
    expect(s.points.every((p) => p.z === 0)).toBe(true);
    expect(s.volume.shape).toEqual([1, 32, 32]);
  });

  it('explains bad options and impossible spacing', () => {
    const code = (o: Parameters<typeof simulateVolume>[0]) => {
      try {
        simulateVolume(o);
      } catch (e) {
        expect(e).toBeInstanceOf(SimulateError);
        return `${(e as SimulateError).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(code({ shape: [0, 8, 8] })).toMatch(/INVALID_OPTION: shape z must be a positive integer/);
    expect(code({ snr: -1 })).toMatch(/snr must be a number >= 0, got -1/);
    expect(code({ count: 2.5 })).toMatch(/count must be an integer >= 0/);
    expect(code({ density: 'huge' as never })).toMatch(/density must be 'low', 'medium' or 'high'/);
    expect(code({ psf: 'airy' as never })).toMatch(/psf must be 'sampled' or 'integrated'/);
    expect(code({ clusters: { fraction: 2 } })).toMatch(/clusters.fraction must be a fraction/);
    expect(code({ shape: [1, 8, 8], count: 50, minSpacing: 5 })).toMatch(
      /TOO_DENSE: could place only \d+ of 50/,
    );
  });
});
