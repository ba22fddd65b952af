import { Random } from '@dmdet/simulate';
import { createVolume, type Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import { PIXEL_PATTERN_MIN_SLICES, pixelPattern } from '../src/index';

/** Normal noise about `level` (σ `sigma`), seeded. */
function noise(shape: Vec3, level: number, sigma: number, seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => level + sigma * random.normal());
}

/** Sort-based median of the numbers (NaN left out). */
function sortedMedian(values: number[]): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const n = v.length;
  return n % 2 ? (v[(n - 1) / 2] as number) : ((v[n / 2 - 1] as number) + (v[n / 2] as number)) / 2;
}

/** The mean of the middle half of the numbers (⌊n/4⌋ cut off each end of their sorted order). */
function middleMean(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const cut = Math.floor(v.length / 4);
  const kept = v.slice(cut, v.length - cut);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

/** Brute force of `pixelPattern`, from its definition, with plain arrays and sorting. */
function bruteForce(data: Float32Array, [Z, Y, X]: Vec3) {
  const at = (z: number, y: number, x: number) => data[(z * Y + y) * X + x] as number;
  const level: number[][] = [];
  for (let y = 0; y < Y; y++) {
    level.push([]);
    for (let x = 0; x < X; x++) {
      const col = Array.from({ length: Z }, (_, z) => at(z, y, x)).filter((v) => !Number.isNaN(v));
      (level[y] as number[]).push(2 * col.length >= Z ? middleMean(col) : Number.NaN);
    }
  }
  const dev: number[] = [];
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) dev.push(Math.abs(at(z, y, x) - (level[y]?.[x] as number)));
  const noiseSigma = 1.4826 * sortedMedian(dev);
  const p: number[] = [];
  for (let y = 0; y < Y; y++)
    for (let x = 0; x < X; x++) {
      const own = level[y]?.[x] as number;
      if (Number.isNaN(own)) continue;
      const near: number[] = [];
      for (let j = y - 2; j <= y + 2; j++)
        for (let i = x - 2; i <= x + 2; i++)
          if (j >= 0 && j < Y && i >= 0 && i < X) near.push(level[j]?.[i] as number);
      p.push(own - sortedMedian(near));
    }
  const c = sortedMedian(p);
  const spread = 1.4826 * sortedMedian(p.map((v) => Math.abs(v - c)));
  return { spread, noise: noiseSigma, ratio: spread / ((1.09 * noiseSigma) / Math.sqrt(Z)) };
}

describe('pixelPattern', () => {
  it('equals a brute-force computation from its definition, NaN voxels included', () => {
    const shape: Vec3 = [9, 11, 13];
    const data = noise(shape, 100, 5, 3);
    const random = new Random(4);
    for (let i = 0; i < 11 * 13; i++) {
      const offset = 4 * random.normal();
      for (let z = 0; z < 9; z++) data[z * 143 + i] = (data[z * 143 + i] as number) + offset;
    }
    for (const i of [0, 5, 143 + 5, 2 * 143 + 5, 3 * 143 + 5, 4 * 143 + 5, 600]) data[i] = Number.NaN;
    const got = pixelPattern(createVolume(data, shape));
    const want = bruteForce(data, shape);
    expect(got?.noise).toBeCloseTo(want.noise, 4);
    expect(got?.spread).toBeCloseTo(want.spread, 4);
    expect(got?.ratio).toBeCloseTo(want.ratio, 4);
  });

  it('reads about 1 for noise alone, integer counts too, and smooth light constant in z is no pattern', () => {
    const shape: Vec3 = [16, 64, 64];
    const data = noise(shape, 200, 10, 1);
    const plain = pixelPattern(createVolume(data.slice(), shape));
    expect(plain?.ratio).toBeGreaterThan(0.85);
    expect(plain?.ratio).toBeLessThan(1.2);
    expect(plain?.noise).toBeGreaterThan(9);
    expect(plain?.noise).toBeLessThan(11);
    // counts of a low-noise camera (σ 1.5), rounded, in a thin stack: no steps from the rounding
    const counts: Vec3 = [11, 64, 64];
    const rounded = noise(counts, 100, 1.5, 9).map(Math.round);
    const r = pixelPattern(createVolume(rounded, counts))?.ratio as number;
    expect(r).toBeGreaterThan(0.8);
    expect(r).toBeLessThan(1.3);
    // a broad cell (Gaussian of σ 12 px, 50 counts) in every slice
    for (let z = 0; z < 16; z++)
      for (let y = 0; y < 64; y++)
        for (let x = 0; x < 64; x++)
          data[(z * 64 + y) * 64 + x] =
            (data[(z * 64 + y) * 64 + x] as number) + 50 * Math.exp(-((x - 32) ** 2 + (y - 32) ** 2) / 288);
    const cell = pixelPattern(createVolume(data, shape));
    expect(cell?.ratio).toBeLessThan(1.25);
  });

  it('grows with a per-pixel offset as √(1 + (σp √Z / (1.09 σ))²)', () => {
    const shape: Vec3 = [16, 64, 64];
    for (const [sp, seed] of [
      [2.5, 5],
      [10, 6],
    ] as const) {
      const data = noise(shape, 200, 10, seed);
      const random = new Random(seed + 100);
      for (let i = 0; i < 64 * 64; i++) {
        const offset = sp * random.normal();
        for (let z = 0; z < 16; z++) data[z * 4096 + i] = (data[z * 4096 + i] as number) + offset;
      }
      const r = pixelPattern(createVolume(data, shape))?.ratio as number;
      const want = Math.sqrt(1 + ((sp * 4) / (1.09 * 10)) ** 2);
      expect(Math.abs(r / want - 1)).toBeLessThan(0.15);
    }
  });

  it('reads the noise from a stride of the voxels in large volumes, as well', () => {
    const shape: Vec3 = [17, 512, 512]; // 4.46 M voxels: every 2nd
    const data = noise(shape, 100, 4, 8);
    const r = pixelPattern(createVolume(data, shape));
    // the same noise on its first 16 slices, 4.19 M voxels, every one read
    const all = pixelPattern(createVolume(data.slice(0, 16 * 512 * 512), [16, 512, 512]));
    expect(Math.abs((r?.noise as number) / (all?.noise as number) - 1)).toBeLessThan(0.01);
    expect(r?.ratio).toBeGreaterThan(0.9);
    expect(r?.ratio).toBeLessThan(1.1);
  });

  it('leaves out stacks too thin to tell, constant ones and empty ones', () => {
    const thin: Vec3 = [PIXEL_PATTERN_MIN_SLICES - 1, 16, 16];
    expect(pixelPattern(createVolume(noise(thin, 0, 1, 2), thin))).toBeUndefined();
    const one: Vec3 = [1, 16, 16];
    expect(pixelPattern(createVolume(noise(one, 0, 1, 2), one))).toBeUndefined();
    const flat: Vec3 = [10, 8, 8];
    expect(pixelPattern(createVolume(new Float32Array(640).fill(7), flat))).toBeUndefined();
    expect(pixelPattern(createVolume(new Float32Array(640).fill(Number.NaN), flat))).toBeUndefined();
  });
});
