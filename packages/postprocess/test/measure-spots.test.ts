import { describe, expect, it } from 'vitest';
import { measureSpots } from '../src/index';

const shape = [11, 24, 26] as const;
const [Z, Y, X] = shape;
const spot = { x: 10.3, y: 12, z: 5.4 };
const A = 500;
const B = 100;
const sxy = 1.5;
const sz = 1.2;

/** A Gaussian spot on a flat background with a ±1 checkerboard (so the shell has a MAD). */
function volume(): Float32Array {
  const d = new Float32Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const g =
          A *
          Math.exp(
            -((x - spot.x) ** 2 + (y - spot.y) ** 2) / (2 * sxy * sxy) - (z - spot.z) ** 2 / (2 * sz * sz),
          );
        d[(z * Y + y) * X + x] = B + g + ((x + y + z) % 2 === 0 ? 1 : -1);
      }
  return d;
}

/** Brute force over every voxel of the volume (no window), sorting for the median. */
function reference(d: Float32Array, p: { x: number; y: number; z: number }) {
  const ring: number[] = [];
  const core: number[] = [];
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const r = Math.hypot((x - p.x) / sxy, (y - p.y) / sxy, (z - p.z) / sz);
        const v = d[(z * Y + y) * X + x] as number;
        if (r <= 2) core.push(v);
        else if (r >= 3 && r <= 5) ring.push(v);
      }
  const med = (a: number[]) => {
    const s = [...a].sort((u, v) => u - v);
    return s.length % 2
      ? (s[(s.length - 1) / 2] as number)
      : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  };
  const background = med(ring);
  const noise = 1.4826 * med(ring.map((v) => Math.abs(v - background)));
  const intensity = d[(Math.round(p.z) * Y + Math.round(p.y)) * X + Math.round(p.x)] as number;
  return {
    intensity,
    background,
    noise,
    integrated: core.reduce((s, v) => s + v - background, 0),
    snr: (intensity - background) / noise,
  };
}

describe('measureSpots', () => {
  it('matches a brute-force reference, inside and at the border', () => {
    const d = volume();
    for (const p of [spot, { x: 0.2, y: 23, z: 0 }, { x: 25, y: 0, z: 10 }]) {
      const [m] = measureSpots(d, shape, [p], { spotSize: { xy: sxy, z: sz } });
      const want = reference(d, p);
      for (const k of ['intensity', 'background', 'noise', 'integrated', 'snr'] as const)
        expect(m?.[k]).toBeCloseTo(want[k], 3);
    }
  });

  it('measures what the spot is: background near B, integrated near 74 % of its mass, the fitted σ', () => {
    const [m] = measureSpots(volume(), shape, [spot], { spotSize: { xy: sxy, z: sz }, fit: true });
    expect(m?.background).toBeGreaterThan(B);
    expect(m?.background).toBeLessThan(B + 0.01 * A);
    const mass = A * (2 * Math.PI) ** 1.5 * sxy * sxy * sz;
    expect((m?.integrated as number) / mass).toBeGreaterThan(0.7);
    expect((m?.integrated as number) / mass).toBeLessThan(0.78);
    expect(m?.fitSigmaXY).toBeCloseTo(sxy, 1);
    expect(m?.fitSigmaZ).toBeCloseTo(sz, 1);
    expect((m?.fitAmplitude as number) / A).toBeGreaterThan(0.97);
    expect((m?.fitAmplitude as number) / A).toBeLessThan(1.03);
    expect(m?.snr).toBeGreaterThan(200);
  });

  it('edge cases: no points, a point outside, a flat volume, one slice, bad options', () => {
    const d = volume();
    expect(measureSpots(d, shape, [], { spotSize: { xy: 1, z: 1 } })).toEqual([]);
    const [out] = measureSpots(d, shape, [{ x: -5, y: 3, z: 2 }], { spotSize: { xy: 1, z: 1 }, fit: true });
    expect(out?.intensity).toBeNaN();
    expect(out?.fitSigmaXY).toBeNaN();
    const flat = new Float32Array(Z * Y * X).fill(7);
    const [f] = measureSpots(flat, shape, [spot], { spotSize: { xy: 1, z: 1 } });
    expect(f).toMatchObject({ intensity: 7, background: 7, noise: 0, integrated: 0 });
    expect(f?.snr).toBeNaN(); // 0 / 0
    const plane = new Float32Array(30 * 30).fill(3);
    plane[15 * 30 + 15] = 10;
    const [q] = measureSpots(plane, [1, 30, 30], [{ x: 15, y: 15, z: 0 }], { spotSize: { xy: 1, z: 1 } });
    expect(q).toMatchObject({ intensity: 10, background: 3 });
    const tiny = measureSpots(new Float32Array(8), [2, 2, 2], [{ x: 0, y: 0, z: 0 }], {
      spotSize: { xy: 1, z: 1 },
    });
    expect(tiny[0]?.background).toBeNaN();
    expect(() => measureSpots(d, shape, [spot], { spotSize: { xy: 0, z: 1 } })).toThrow(/spotSize/);
    expect(() => measureSpots(d, [1, 2, 3], [spot], { spotSize: { xy: 1, z: 1 } })).toThrow(/values/);
    expect(() => measureSpots(d, shape, [spot], { spotSize: { xy: 1, z: 1 }, shell: [1, 4] })).toThrow(
      /inner/,
    );
  });
});
