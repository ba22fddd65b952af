import { describe, expect, it } from 'vitest';
import { PostprocessError, pointsApart } from '../src/index';
import { random } from './seeded-random';

type P = { x: number; y: number; z: number; id?: number };

/** Every pair checked (the reference). */
function bruteForce(extra: P[], base: P[], separation: number): P[] {
  return extra.filter(
    (p) =>
      [p.x, p.y, p.z].every(Number.isFinite) &&
      base.every((q) => !(Math.hypot(p.x - q.x, p.y - q.y, p.z - q.z) <= separation)),
  );
}

describe('pointsApart', () => {
  it('keeps the points farther than the separation from every base point', () => {
    const base = [{ x: 5, y: 5, z: 2 }];
    const extra = [
      { x: 5.5, y: 5, z: 2 }, // 0.5 away
      { x: 8, y: 5, z: 2 }, // exactly 3 away: not apart
      { x: 8.01, y: 5, z: 2 }, // just beyond
      { x: 5, y: 5, z: 5.5 }, // 3.5 away in z
      { x: 7, y: 7, z: 3 }, // √9 = 3: not apart
    ];
    expect(pointsApart(extra, base, 3)).toEqual([
      { x: 8.01, y: 5, z: 2 },
      { x: 5, y: 5, z: 5.5 },
    ]);
  });

  it('matches the brute-force check on random points, across cell borders and negative coordinates', () => {
    const rnd = random(7);
    for (const separation of [0.5, 2, 3, 7.5]) {
      const pts = (n: number) =>
        Array.from({ length: n }, (_, id) => ({
          x: rnd() * 40 - 5,
          y: rnd() * 40 - 5,
          z: rnd() * 10 - 2,
          id,
        }));
      const base = pts(separation > 5 ? 8 : 120);
      const extra = pts(200);
      const got = pointsApart(extra, base, separation);
      const want = bruteForce(extra, base, separation);
      expect(got.map((p) => p.id)).toEqual(want.map((p) => p.id));
      // Both outcomes occur, so the check can fail either way.
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThan(extra.length);
    }
  });

  it('keeps every point without a base, none of an empty extra, and drops non-finite ones', () => {
    const extra = [
      { x: 1, y: 1, z: 1 },
      { x: Number.NaN, y: 1, z: 1 },
      { x: 1, y: Number.POSITIVE_INFINITY, z: 0 },
    ];
    expect(pointsApart(extra, [], 3)).toEqual([{ x: 1, y: 1, z: 1 }]);
    expect(pointsApart([], extra, 3)).toEqual([]);
    // A NaN base point is near nothing.
    expect(pointsApart([{ x: 1, y: 1, z: 1 }], [{ x: Number.NaN, y: 1, z: 1 }], 3)).toEqual([
      { x: 1, y: 1, z: 1 },
    ]);
  });

  it('refuses a separation that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => pointsApart([], [], bad)).toThrow(PostprocessError);
    expect(() => pointsApart([], [], 0)).toThrow(/separation must be a number > 0/);
  });
});
