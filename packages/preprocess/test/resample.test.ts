import { localMaxima3D } from '@dmdet/postprocess';
import { simulateVolume } from '@dmdet/simulate';
import { createVolume, type Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import {
  fromResampled,
  isIdentity,
  PreprocessError,
  resampleVolume,
  resamplingFor,
  spotScaleFactors,
  toResampled,
} from '../src/index';

describe('resamplingFor and the position maps', () => {
  it('rounds each axis, at least one voxel', () => {
    expect(resamplingFor([10, 512, 500], [1, 0.5, 0.5])).toEqual({
      from: [10, 512, 500],
      to: [10, 256, 250],
    });
    expect(resamplingFor([1, 3, 3], [0.2, 1 / 3, 2.5]).to).toEqual([1, 1, 8]);
    expect(isIdentity(resamplingFor([4, 5, 6], [1, 1, 1]))).toBe(true);
    expect(() => resamplingFor([4, 5, 6], [1, 0, 1])).toThrow(/factors\[1\] must be a zoom factor > 0/);
    expect(() => resamplingFor([4, 5.5, 6] as Vec3, [1, 1, 1])).toThrow(PreprocessError);
  });

  it('maps positions exactly there and back (voxel edges to voxel edges)', () => {
    const r = resamplingFor([7, 33, 40], [1.7, 0.45, 0.45]);
    const pts = [
      { x: 0, y: 0, z: 0, id: 'a' },
      { x: 39, y: 32, z: 6, id: 'b' },
      { x: -0.5, y: -0.5, z: -0.5, id: 'edge' },
      { x: 12.34, y: 7.89, z: 3.21, id: 'c' },
    ];
    for (const p of pts) {
      const q = fromResampled(toResampled(p, r), r);
      expect(q.id).toBe(p.id);
      expect(q.x).toBeCloseTo(p.x, 12);
      expect(q.y).toBeCloseTo(p.y, 12);
      expect(q.z).toBeCloseTo(p.z, 12);
    }
    // The outer voxel edge −0.5 stays −0.5 and n − 0.5 becomes n' − 0.5 (hand-computed).
    expect(toResampled({ x: -0.5, y: -0.5, z: -0.5 }, r)).toEqual({ x: -0.5, y: -0.5, z: -0.5 });
    const end = toResampled({ x: 39.5, y: 32.5, z: 6.5 }, r);
    expect(end.x).toBeCloseTo(r.to[2] - 0.5, 12);
    expect(end.y).toBeCloseTo(r.to[1] - 0.5, 12);
    expect(end.z).toBeCloseTo(r.to[0] - 0.5, 12);
  });
});

describe('resampleVolume', () => {
  it('reproduces a linear function exactly when upsampling (trilinear, inside the volume)', () => {
    const from: Vec3 = [4, 6, 5];
    const f = (z: number, y: number, x: number) => 3 + 2 * z - 0.5 * y + 1.25 * x;
    const data = new Float32Array(4 * 6 * 5);
    for (let z = 0; z < 4; z++)
      for (let y = 0; y < 6; y++) for (let x = 0; x < 5; x++) data[(z * 6 + y) * 5 + x] = f(z, y, x);
    const r = resamplingFor(from, [2, 1.5, 3]);
    const out = resampleVolume(createVolume(data, from, [0.4, 0.2, 0.3]), r);
    expect(out.shape).toEqual([8, 9, 15]);
    expect(out.voxelSize?.[0]).toBeCloseTo(0.2, 12);
    expect(out.voxelSize?.[1]).toBeCloseTo(0.2 / 1.5, 12);
    expect(out.voxelSize?.[2]).toBeCloseTo(0.1, 12);
    const [Z, Y, X] = out.shape;
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          const s = fromResampled({ x, y, z }, r);
          const clamp = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
          expect(out.data[(z * Y + y) * X + x]).toBeCloseTo(
            f(clamp(s.z, 4), clamp(s.y, 6), clamp(s.x, 5)),
            4,
          );
        }
  });

  it('identity leaves values unchanged; a wrong source shape is refused', () => {
    const v = createVolume(
      Uint16Array.from({ length: 60 }, (_, i) => i * 7),
      [3, 4, 5],
    );
    expect(Array.from(resampleVolume(v, resamplingFor([3, 4, 5], [1, 1, 1])).data)).toEqual(
      Array.from(v.data),
    );
    expect(() => resampleVolume(v, { from: [3, 4, 6], to: [3, 4, 6] })).toThrow(
      /from 3×4×6 but the volume is 3×4×5/,
    );
  });

  it('a spot found in the resampled volume maps back to where it was (down- and upsampling)', () => {
    for (const [factors, sigmaXY, sigmaZ] of [
      [[1, 0.5, 0.5], 2.8, 1],
      [[0.5, 1, 1], 1.4, 2],
      [[1.5, 2, 2], 0.7, 0.7],
    ] as [Vec3, number, number][]) {
      const sim = simulateVolume({
        shape: [12, 48, 48],
        count: 3,
        minSpacing: 14,
        snr: 200,
        background: 10,
        sigmaXY,
        sigmaZ,
        seed: 9,
      });
      const r = resamplingFor(sim.volume.shape, factors);
      const small = resampleVolume(sim.volume, r);
      const found = localMaxima3D(small, { threshold: 100, minDistance: 2, excludeBorder: 1 }).map((d) =>
        fromResampled(d, r),
      );
      const inside = sim.points.filter((p) => p.z > 2 && p.z < 9);
      for (const p of inside) {
        const d =
          found.map((q) => Math.hypot(q.x - p.x, q.y - p.y, q.z - p.z)).sort((a, b) => a - b)[0] ?? 99;
        expect(d).toBeLessThan(0.5);
      }
    }
  });

  it('one slice, and shrinking an axis to one voxel', () => {
    const v = createVolume(new Float32Array(2 * 8 * 8).fill(3), [2, 8, 8]);
    const out = resampleVolume(v, resamplingFor([2, 8, 8], [0.5, 0.5, 0.5]));
    expect(out.shape).toEqual([1, 4, 4]);
    for (const x of out.data) expect(x).toBeCloseTo(3, 5);
  });
});

describe('spotScaleFactors', () => {
  it('zooms each axis by model / spot, or 1 within the tolerance', () => {
    expect(spotScaleFactors({ xy: 2.8, z: 1 }, { xy: 1.4, z: 1 })).toEqual([1, 0.5, 0.5]);
    expect(spotScaleFactors({ xy: 1.5, z: 2 }, { xy: 1.4, z: 1 })).toEqual([0.5, 1, 1]);
    expect(spotScaleFactors({ xy: 0.7, z: 0.7 }, { xy: 1.4, z: 1 }, 0)).toEqual([1 / 0.7, 2, 2]);
    expect(() => spotScaleFactors({ xy: 0, z: 1 }, { xy: 1.4, z: 1 })).toThrow(/spot\.xy must be a spot σ/);
  });

  it('enlarges at most by maxZoom on each axis, and never caps a reduction', () => {
    const scale = { xy: 1.4, z: 1, maxZoom: { xy: 1.5 } };
    // 0.7 px spots: 2× wanted in-plane, 1.5× allowed; z (1/0.7) has no cap.
    expect(spotScaleFactors({ xy: 0.7, z: 0.7 }, scale, 0)).toEqual([1 / 0.7, 1.5, 1.5]);
    // Below the cap, and shrinking, as without one.
    expect(spotScaleFactors({ xy: 1, z: 1 }, scale, 0)).toEqual([1, 1.4, 1.4]);
    expect(spotScaleFactors({ xy: 2.8, z: 2 }, scale)).toEqual([0.5, 0.5, 0.5]);
    // Within the tolerance: 1, cap or not.
    expect(spotScaleFactors({ xy: 1.3, z: 1 }, scale)).toEqual([1, 1, 1]);
    expect(spotScaleFactors({ xy: 0.5, z: 0.5 }, { xy: 1.4, z: 1, maxZoom: { xy: 2, z: 1.25 } })).toEqual([
      1.25, 2, 2,
    ]);
    // voxels: 2 × 2 × 2 = 8× wanted, 4× allowed: each enlarging factor f → f^(2/3) (log 4 / log 8).
    const v = spotScaleFactors({ xy: 0.7, z: 0.5 }, { xy: 1.4, z: 1, maxZoom: { voxels: 4 } }, 0);
    for (const f of v) expect(f).toBeCloseTo(2 ** (2 / 3), 12);
    expect(v[0] * v[1] * v[2]).toBeCloseTo(4, 12);
    // A shrinking axis stays and does not count: z 0.5, in-plane 2 × 2 = 4, within 4.
    expect(spotScaleFactors({ xy: 0.7, z: 2 }, { xy: 1.4, z: 1, maxZoom: { voxels: 4 } }, 0)).toEqual([
      0.5, 2, 2,
    ]);
    // In-plane 2 × 2 × z 1.5 = 6 > 3: only the enlarging axes give way (a = log 3 / log 6).
    const w = spotScaleFactors({ xy: 0.7, z: 1 / 1.5 }, { xy: 1.4, z: 1, maxZoom: { voxels: 3 } }, 0);
    const a = Math.log(3) / Math.log(6);
    expect(w[0]).toBeCloseTo(1.5 ** a, 12);
    expect(w[1]).toBeCloseTo(2 ** a, 12);
    expect(w[0] * w[1] * w[2]).toBeCloseTo(3, 12);
    // Per-axis limits first, then the product.
    expect(
      spotScaleFactors({ xy: 0.7, z: 0.5 }, { xy: 1.4, z: 1, maxZoom: { xy: 1.5, voxels: 9 } }, 0),
    ).toEqual([2, 1.5, 1.5]);
    expect(() => spotScaleFactors({ xy: 1, z: 1 }, { xy: 1.4, z: 1, maxZoom: { voxels: 0.5 } })).toThrow(
      /model\.maxZoom\.voxels must be a zoom >= 1, got 0\.5/,
    );
    expect(() => spotScaleFactors({ xy: 1, z: 1 }, { xy: 1.4, z: 1, maxZoom: { xy: 0.8 } })).toThrow(
      /model\.maxZoom\.xy must be a zoom >= 1, got 0\.8/,
    );
  });
});
