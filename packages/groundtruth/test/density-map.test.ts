import type { Point, Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import { densityMap, GroundtruthError, sigmasFromMicrons } from '../src/index';

/** Brute force: every voxel, every point, the full (untruncated) Gaussian, combined by maximum. */
function bruteForce(points: Point[], shape: Vec3, sxy: number, sz: number): Float64Array {
  const [Z, Y, X] = shape;
  const out = new Float64Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++)
        for (const p of points) {
          const g = Math.exp(
            -((x - p.x) ** 2 + (y - p.y) ** 2) / (2 * sxy * sxy) - (z - p.z) ** 2 / (2 * sz * sz),
          );
          const i = (z * Y + y) * X + x;
          if (g > (out[i] as number)) out[i] = g;
        }
  return out;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('densityMap', () => {
  const rand = lcg(42);
  const shape: Vec3 = [5, 13, 11];
  const points: Point[] = Array.from({ length: 7 }, () => ({
    x: rand() * 11 - 0.5,
    y: rand() * 13 - 0.5,
    z: rand() * 5 - 0.5,
  }));
  // Points on the borders of the grid, and two overlapping.
  points.push(
    { x: -0.5, y: 0, z: 0 },
    { x: 10.5, y: 12.5, z: 4.5 },
    { x: 5, y: 6, z: 2 },
    { x: 5.8, y: 6, z: 2 },
  );

  it.each([
    [1, 1],
    [1.4, 1],
    [0.7, 2.3],
  ])('equals brute force with sigmaXY %d, sigmaZ %d (no truncation)', (sxy, sz) => {
    const got = densityMap(points, shape, { sigmaXY: sxy, sigmaZ: sz, truncate: 100 });
    expect(got.shape).toEqual(shape);
    expect(maxAbsDiff(got.data, bruteForce(points, shape, sxy, sz))).toBeLessThan(1e-6);
  });

  it('with the default truncation (4 sigma) differs from brute force by less than exp(-8)', () => {
    const got = densityMap(points, shape, { sigmaXY: 1.4, sigmaZ: 1 });
    expect(maxAbsDiff(got.data, bruteForce(points, shape, 1.4, 1))).toBeLessThan(Math.exp(-8));
  });

  it('peaks at 1 on a voxel centre, is max (not sum) where two overlap, and stays in [0, 1]', () => {
    const y = densityMap(
      [
        { x: 3, y: 3, z: 1 },
        { x: 4, y: 3, z: 1 },
      ],
      [3, 7, 8],
    );
    const at = (z: number, yy: number, x: number) => y.data[(z * 7 + yy) * 8 + x] as number;
    expect(at(1, 3, 3)).toBe(1);
    expect(at(1, 3, 4)).toBe(1);
    // Between them: max of exp(-0.25/2) from each, not their sum.
    const mid = densityMap(
      [
        { x: 3, y: 3, z: 1 },
        { x: 4, y: 3, z: 1 },
      ],
      [3, 7, 8],
      { truncate: 100 },
    );
    expect(at(1, 3, 3)).toBe(mid.data[(1 * 7 + 3) * 8 + 3]);
    expect(Math.max(...y.data)).toBe(1);
    expect(Math.min(...y.data)).toBeGreaterThanOrEqual(0);
  });

  it('respects anisotropy: one voxel along z falls off by exp(-1/(2σz²)), along x by exp(-1/(2σxy²))', () => {
    const y = densityMap([{ x: 4, y: 4, z: 2 }], [5, 9, 9], { sigmaXY: 2, sigmaZ: 0.5 });
    const at = (z: number, yy: number, x: number) => y.data[(z * 9 + yy) * 9 + x] as number;
    expect(at(3, 4, 4)).toBeCloseTo(Math.exp(-1 / (2 * 0.25)), 6);
    expect(at(2, 4, 5)).toBeCloseTo(Math.exp(-1 / 8), 6);
    expect(at(2, 5, 4)).toBeCloseTo(Math.exp(-1 / 8), 6);
  });

  it('peakNormalize lifts an off-grid point to exactly 1', () => {
    const p = [{ x: 2.5, y: 2.5, z: 1.5 }];
    const plain = densityMap(p, [3, 6, 6]);
    const norm = densityMap(p, [3, 6, 6], { peakNormalize: true });
    expect(Math.max(...plain.data)).toBeCloseTo(Math.exp(-3 / 8), 6);
    expect(Math.max(...norm.data)).toBeCloseTo(1, 6);
  });

  it('handles a volume one slice thick, and no points', () => {
    const y = densityMap([{ x: 1, y: 1, z: 0 }], [1, 3, 3]);
    expect(y.data[4]).toBe(1);
    expect(Array.from(densityMap([], [2, 2, 2]).data)).toEqual(new Array(8).fill(0));
  });

  it('rejects points outside the volume, NaN, a zero side and bad sigmas', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(GroundtruthError);
        return e as GroundtruthError;
      }
      throw new Error('no error');
    };
    expect(err(() => densityMap([{ x: 3, y: 0, z: 0 }], [1, 3, 3])).message).toMatch(
      /point 0: x = 3 is outside/,
    );
    expect(err(() => densityMap([{ x: Number.NaN, y: 0, z: 0 }], [1, 3, 3])).code).toBe('INVALID_POINT');
    expect(err(() => densityMap([], [0, 3, 3])).code).toBe('INVALID_SHAPE');
    expect(err(() => densityMap([], [1, 3, 3], { sigmaXY: 0 })).message).toMatch(
      /sigmaXY must be a positive number/,
    );
    expect(err(() => densityMap([], [1, 3, 3], { sigmaZ: Number.NaN })).code).toBe('INVALID_OPTION');
  });
});

describe('sigmasFromMicrons', () => {
  it('turns a FWHM in µm into sigmas in voxels', () => {
    const s = sigmasFromMicrons({ voxelSize: [0.3, 0.1, 0.1], fwhm: [0.6, 0.3] });
    expect(s.sigmaXY).toBeCloseTo(0.3 / 2.354820045 / 0.1, 6);
    expect(s.sigmaZ).toBeCloseTo(0.6 / 2.354820045 / 0.3, 6);
    expect(sigmasFromMicrons({ voxelSize: [1, 1, 1], fwhm: 2.354820045 }).sigmaXY).toBeCloseTo(1, 6);
  });

  it('refuses non-square pixels and bad sizes', () => {
    expect(() => sigmasFromMicrons({ voxelSize: [0.3, 0.1, 0.2], fwhm: 0.3 })).toThrow(/differ/);
    expect(() => sigmasFromMicrons({ voxelSize: [0.3, 0.1, 0.1], fwhm: -1 })).toThrow(
      /fwhm \(z\) must be a positive/,
    );
    expect(() => sigmasFromMicrons({ voxelSize: [0.3, 0.1] as never, fwhm: 1 })).toThrow(/voxelSize must be/);
  });
});
