import { createVolume, type Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import { fitGaussian, localMaxima3D, maximumFilter, PostprocessError, subVoxelOffset } from '../src/index';
import ref from './fixtures/reference.json';

const sortZyx = (a: number[][]) => [...a].sort((p, q) => p[0]! - q[0]! || p[1]! - q[1]! || p[2]! - q[2]!);

/**
 * A Gaussian spot (centre, amplitude A, σxy, σz) on a background B, sloping by `slope` per voxel
 * away from the voxel `slope.at`, sampled on `shape`.
 */
function gaussianSpot(
  shape: Vec3,
  t: { z: number; y: number; x: number; A: number; B: number; sxy: number; sz: number },
  slope: { gz: number; gy: number; gx: number; at: Vec3 } = { gz: 0, gy: 0, gx: 0, at: [0, 0, 0] },
): Float32Array {
  const [Z, Y, X] = shape;
  const data = new Float32Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++)
        data[(z * Y + y) * X + x] =
          t.B +
          slope.gz * (z - slope.at[0]) +
          slope.gy * (y - slope.at[1]) +
          slope.gx * (x - slope.at[2]) +
          t.A *
            Math.exp(
              -((x - t.x) ** 2 + (y - t.y) ** 2) / (2 * t.sxy ** 2) - (z - t.z) ** 2 / (2 * t.sz ** 2),
            );
  return data;
}

describe('localMaxima3D against scipy maximum_filter (fixtures/make_fixtures.py)', () => {
  it.each(
    ref.maxima.map(
      (c) => [`${c.shape.join('x')} footprint ${c.footprint.join('x')} >= ${c.threshold}`, c] as const,
    ),
  )('%s', (_, c) => {
    const v = createVolume(Float32Array.from(c.data), c.shape as unknown as Vec3);
    const got = localMaxima3D(v, {
      threshold: c.threshold,
      footprint: c.footprint as unknown as Vec3,
      refine: 'none',
    });
    expect(sortZyx(got.map((d) => [d.z, d.y, d.x]))).toEqual(sortZyx(c.peaks));
  });
});

/** Brute force: a voxel >= threshold and >= every voxel in its box (in-bounds). */
function bruteMaxima(data: Float32Array, shape: Vec3, r: Vec3, threshold: number): number[][] {
  const [Z, Y, X] = shape;
  const out: number[][] = [];
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const v = data[(z * Y + y) * X + x] as number;
        if (v < threshold) continue;
        let ok = true;
        for (let a = Math.max(0, z - r[0]); a <= Math.min(Z - 1, z + r[0]) && ok; a++)
          for (let b = Math.max(0, y - r[1]); b <= Math.min(Y - 1, y + r[1]) && ok; b++)
            for (let c = Math.max(0, x - r[2]); c <= Math.min(X - 1, x + r[2]); c++)
              if ((data[(a * Y + b) * X + c] as number) > v) {
                ok = false;
                break;
              }
        if (ok) out.push([z, y, x]);
      }
  return out;
}

describe('localMaxima3D', () => {
  it('agrees with brute force for anisotropic minDistance, and sorts by score', () => {
    let s = 5;
    const rand = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const shape: Vec3 = [5, 16, 14];
    const data = Float32Array.from({ length: 5 * 16 * 14 }, rand);
    const got = localMaxima3D(createVolume(data, shape), {
      threshold: 0.4,
      minDistance: { z: 0, xy: 2 },
      refine: 'none',
    });
    expect(sortZyx(got.map((d) => [d.z, d.y, d.x]))).toEqual(bruteMaxima(data, shape, [0, 2, 2], 0.4));
    const scores = got.map((d) => d.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('merges a plateau into one detection at its centroid', () => {
    const data = new Float32Array(3 * 5 * 6);
    for (const x of [1, 2, 3]) data[(1 * 5 + 2) * 6 + x] = 0.9; // a 1×1×3 plateau
    data[(1 * 5 + 2) * 6 + 5] = 0.7; // a lower peak at the border, two voxels away
    const got = localMaxima3D(createVolume(data, [3, 5, 6]), { threshold: 0.5 });
    expect(got).toEqual([
      { x: 2, y: 2, z: 1, score: expect.closeTo(0.9, 6) },
      { x: 5, y: 2, z: 1, score: expect.closeTo(0.7, 6) },
    ]);
  });

  it('keeps one of two equal maxima closer than minDistance (the first in raster order)', () => {
    const data = new Float32Array(1 * 7 * 7);
    data[2 * 7 + 2] = 1;
    data[4 * 7 + 4] = 1;
    const near = localMaxima3D(createVolume(data, [1, 7, 7]), { minDistance: 2, refine: 'none' });
    expect(near.map((d) => [d.y, d.x])).toEqual([[2, 2]]);
    expect(localMaxima3D(createVolume(data, [1, 7, 7]), { minDistance: 1 })).toHaveLength(2);
  });

  it('finds maxima on borders and in a volume one slice thick; excludeBorder drops them', () => {
    const data = new Float32Array(1 * 4 * 4);
    data[0] = 1; // corner
    data[2 * 4 + 3] = 0.8; // right edge
    const v = createVolume(data, [1, 4, 4]);
    expect(localMaxima3D(v).map((d) => [d.z, d.y, d.x])).toEqual([
      [0, 0, 0],
      [0, 2, 3],
    ]);
    expect(localMaxima3D(v, { excludeBorder: { z: 0, xy: 1 } })).toEqual([]);
  });

  it('refines a sampled Gaussian to its sub-voxel centre (parabola and centroid)', () => {
    const shape: Vec3 = [7, 15, 15];
    const c = [3.3, 7.2, 6.6];
    const data = new Float32Array(7 * 15 * 15);
    for (let z = 0; z < 7; z++)
      for (let y = 0; y < 15; y++)
        for (let x = 0; x < 15; x++)
          data[(z * 15 + y) * 15 + x] = Math.exp(
            -((x - c[2]!) ** 2 + (y - c[1]!) ** 2) / (2 * 1.4 ** 2) - (z - c[0]!) ** 2 / 2,
          );
    const [p] = localMaxima3D(createVolume(data, shape), { threshold: 0.1 });
    expect(Math.abs(p!.x - 6.6)).toBeLessThan(0.05);
    expect(Math.abs(p!.y - 7.2)).toBeLessThan(0.05);
    expect(Math.abs(p!.z - 3.3)).toBeLessThan(0.05);
    const [q] = localMaxima3D(createVolume(data, shape), { threshold: 0.1, refine: 'centroid' });
    expect(Math.abs(q!.x - 6.6)).toBeLessThan(0.25);
    // Offsets never leave the voxel.
    for (const o of subVoxelOffset(Float32Array.from([1, 0.999, 0]), [1, 1, 3], 0, 0, 0, 'parabola'))
      expect(Math.abs(o)).toBeLessThanOrEqual(0.5);
  });

  it('fits a Gaussian spot: size, amplitude, background and centre', () => {
    const shape: Vec3 = [7, 17, 17];
    const truth = { z: 3.2, y: 8.4, x: 7.7, A: 50, B: 10, sxy: 1.6, sz: 1.1 };
    const data = gaussianSpot(shape, truth);
    const [d] = localMaxima3D(createVolume(data, shape), { threshold: 20, fitGaussian: true });
    expect(d?.fit).toBeDefined();
    const f = d!.fit!;
    expect(f.x).toBeCloseTo(truth.x, 3);
    expect(f.y).toBeCloseTo(truth.y, 3);
    expect(f.z).toBeCloseTo(truth.z, 3);
    expect(f.amplitude).toBeCloseTo(truth.A, 2);
    expect(f.background).toBeCloseTo(truth.B, 2);
    expect(f.sigmaXY).toBeCloseTo(truth.sxy, 3);
    expect(f.sigmaZ).toBeCloseTo(truth.sz, 3);
    // One slice: z is not fitted.
    const flat = fitGaussian(data.subarray(3 * 289, 4 * 289), [1, 17, 17], [0, 8, 8], [0, 8.4, 7.7]);
    expect(flat?.sigmaZ).toBeNaN();
    expect(flat?.x).toBeCloseTo(7.7, 2);
  });

  it("fits a spot on a sloping background with background: 'plane' (exact), where a constant one fails", () => {
    const shape: Vec3 = [7, 17, 17];
    const t = { z: 3.2, y: 8.4, x: 7.7, A: 50, B: 10, sxy: 1.6, sz: 1.1 };
    const data = gaussianSpot(shape, t, { gz: 3, gy: -4, gx: 6, at: [3, 8, 8] });
    const f = fitGaussian(data, shape, [3, 8, 8], [3, 8, 8], [3, 6, 6], { background: 'plane' });
    expect(f?.sigmaXY).toBeCloseTo(t.sxy, 3);
    expect(f?.sigmaZ).toBeCloseTo(t.sz, 3);
    expect(f?.amplitude).toBeCloseTo(t.A, 2);
    // B is the background at the window's centre voxel.
    expect(f?.background).toBeCloseTo(t.B, 2);
    expect(f?.x).toBeCloseTo(t.x, 3);
    const constant = fitGaussian(data, shape, [3, 8, 8], [3, 8, 8], [3, 6, 6]);
    // A constant background fails here (the fit runs off along the slope) or comes out wider.
    expect(constant === undefined || Math.abs(constant.sigmaXY - t.sxy) > 0.05).toBe(true);
  });

  it('rejects 2D arrays, NaN and bad options with clear errors', () => {
    const bad = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(PostprocessError);
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(bad(() => localMaxima3D({ data: new Float32Array(6), shape: [2, 3] as never }))).toMatch(
      /shape must be \[z, y, x\].*z = 1/,
    );
    expect(bad(() => localMaxima3D(createVolume(Float32Array.from([0, Number.NaN]), [1, 1, 2])))).toMatch(
      /NaN at voxel \(z 0, y 0, x 1\)/,
    );
    const ok = createVolume(new Float32Array(4), [1, 2, 2]);
    expect(bad(() => localMaxima3D(ok, { threshold: Number.POSITIVE_INFINITY }))).toMatch(
      /threshold must be a finite number/,
    );
    expect(bad(() => localMaxima3D(ok, { footprint: [2, 3, 3] }))).toMatch(
      /footprint must be three odd sizes/,
    );
    expect(bad(() => localMaxima3D(ok, { minDistance: -1 }))).toMatch(/minDistance/);
    expect(bad(() => localMaxima3D(ok, { refine: 'spline' as never }))).toMatch(/refine must be/);
  });

  it('maximumFilter equals brute force', () => {
    const data = Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => Math.sin(i * 7.3));
    const mf = maximumFilter(data, [3, 4, 5], [1, 2, 1]);
    for (let z = 0; z < 3; z++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 5; x++) {
          let m = Number.NEGATIVE_INFINITY;
          for (let a = Math.max(0, z - 1); a <= Math.min(2, z + 1); a++)
            for (let b = Math.max(0, y - 2); b <= Math.min(3, y + 2); b++)
              for (let c = Math.max(0, x - 1); c <= Math.min(4, x + 1); c++)
                m = Math.max(m, data[(a * 4 + b) * 5 + c]!);
          expect(mf[(z * 4 + y) * 5 + x]).toBe(m);
        }
  });
});
