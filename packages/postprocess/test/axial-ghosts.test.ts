import { describe, expect, it } from 'vitest';
import {
  AXIAL_GHOST_DEFAULTS,
  type AxialGhostRule,
  checkAxialGhostRule,
  findAxialGhosts,
  inAxialGhostReach,
  localContrasts,
  PostprocessError,
} from '../src/index';

/** The rule checked pair by pair, with no sorting (the reference for the sweep). */
function bruteForce(
  points: { z: number; y: number; x: number }[],
  contrasts: number[],
  rule: AxialGhostRule = AXIAL_GHOST_DEFAULTS,
): boolean[] {
  // The side: that of the first brighter spot in z order (ties: input order), as the sweep finds it.
  const order = points.map((_, i) => i).sort((a, b) => (points[a]?.z as number) - (points[b]?.z as number));
  const side = points.map((p, i) => {
    const j = order.find((j) => isPair(points, contrasts, rule, i, j));
    return j === undefined ? 0 : p.z > (points[j]?.z as number) ? 1 : -1;
  });
  if (rule.dominance === undefined) return side.map((v) => v !== 0);
  const up = side.filter((v) => v > 0).length;
  const down = side.filter((v) => v < 0).length;
  const d = rule.dominance;
  const keep = up > down && up >= d * down ? 1 : down > up && down >= d * up ? -1 : 0;
  return side.map((v) => keep !== 0 && v === keep);
}

function isPair(
  points: { z: number; y: number; x: number }[],
  contrasts: number[],
  rule: AxialGhostRule,
  i: number,
  j: number,
): boolean {
  const p = points[i] as { z: number; y: number; x: number };
  return [points[j] as { z: number; y: number; x: number }].some((q) => {
    const c = contrasts[i] as number;
    const cq = contrasts[j] as number;
    const dz = Math.abs(q.z - p.z);
    return (
      j !== i &&
      Number.isFinite(c) &&
      Number.isFinite(cq) &&
      c < rule.ratio * cq &&
      dz >= rule.dz[0] &&
      dz <= rule.dz[1] &&
      Math.hypot(q.y - p.y, q.x - p.x) <= rule.lateral
    );
  });
}

describe('findAxialGhosts', () => {
  it('flags a faint detection 3.5 slices along z from a bright one, not the bright one', () => {
    const points = [
      { z: 5, y: 10, x: 10 },
      { z: 8.5, y: 11, x: 10.5 },
    ];
    expect(findAxialGhosts(points, [100, 20])).toEqual([false, true]);
    // 0.3 of its spot: above the ratio, kept.
    expect(findAxialGhosts(points, [100, 30])).toEqual([false, false]);
  });

  it('keeps neighbours in-plane, too close or too far along z, or beside it', () => {
    // A faint detection beside a spot at (5, 10, 10) ten times brighter.
    const beside = (z: number, y: number, x: number) =>
      findAxialGhosts(
        [
          { z: 5, y: 10, x: 10 },
          { z, y, x },
        ],
        [100, 10],
      );
    expect(beside(5, 13, 10)).toEqual([false, false]); // in-plane
    expect(beside(6.5, 10, 10)).toEqual([false, false]); // 1.5 slices: too close
    expect(beside(11.5, 10, 10)).toEqual([false, false]); // 6.5 slices: too far
    expect(beside(8, 12, 12)).toEqual([false, false]); // 2.8 px aside
    // On the bounds: 2 and 6 slices, 2.5 px in-plane are in.
    expect(beside(7, 10, 10)).toEqual([false, true]);
    expect(beside(11, 12.5, 10)).toEqual([false, true]);
  });

  it('with a dominance, drops candidates only on the side that holds most of them', () => {
    // Pairs at y = 10, 20, 30, 40: a spot (contrast 100) and a faint detection (15) 3.5 slices
    // above it ('+') or below it ('-').
    const scene = (sides: string) =>
      [...sides].flatMap((side, k) => [
        { z: 7, y: 10 * (k + 1), x: 10 },
        { z: side === '+' ? 10.5 : 3.5, y: 10 * (k + 1), x: 10 },
      ]);
    const contrasts = [100, 15, 100, 15, 100, 15, 100, 15];
    const flags = (text: string) => [...text].map((c) => c === '1');
    const rule = { ...AXIAL_GHOST_DEFAULTS, dominance: 3 };
    expect(findAxialGhosts(scene('+++-'), contrasts, rule)).toEqual(flags('01010100'));
    // Without it, both sides.
    expect(findAxialGhosts(scene('+++-'), contrasts, { ...rule, dominance: undefined })).toEqual(
      flags('01010101'),
    );
    // Two above and two below: neither side dominates, none dropped.
    expect(findAxialGhosts(scene('++--'), contrasts, rule)).toEqual(flags('00000000'));
  });

  it('ignores non-finite contrasts and handles no points', () => {
    expect(findAxialGhosts([], [])).toEqual([]);
    const points = [
      { z: 0, y: 0, x: 0 },
      { z: 3, y: 0, x: 0 },
    ];
    expect(findAxialGhosts(points, [Number.NaN, 1])).toEqual([false, false]);
    expect(findAxialGhosts(points, [1, Number.NaN])).toEqual([false, false]);
  });

  it('matches the pairwise rule on random scenes', () => {
    let s = 12345;
    const rand = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31;
    };
    for (let trial = 0; trial < 20; trial++) {
      const n = 150;
      const points = Array.from({ length: n }, () => ({ z: rand() * 16, y: rand() * 12, x: rand() * 12 }));
      const contrasts = points.map(() => (rand() < 0.05 ? Number.NaN : 10 ** (2 * rand())));
      const rule: AxialGhostRule = {
        ratio: 0.1 + 0.8 * rand(),
        dz: [rand() * 2, 2 + rand() * 4] as [number, number],
        lateral: 3 * rand(),
        ...(trial % 2 ? { dominance: 1 + 3 * rand() } : {}),
      };
      const expected = bruteForce(points, contrasts, rule);
      expect(findAxialGhosts(points, contrasts, rule)).toEqual(expected);
      // Measured on demand: the same flags, each point measured at most once, and only points
      // with a neighbour in the rule's reach.
      const calls: number[] = [];
      const lazy = findAxialGhosts(
        points,
        (i) => {
          calls.push(i);
          return contrasts[i] as number;
        },
        rule,
      );
      expect(lazy).toEqual(expected);
      expect(new Set(calls).size).toBe(calls.length);
      const reach = (i: number) =>
        points.some(
          (q, j) =>
            j !== i &&
            Math.abs(q.z - (points[i]?.z as number)) >= rule.dz[0] &&
            Math.abs(q.z - (points[i]?.z as number)) <= rule.dz[1] &&
            Math.hypot(q.y - (points[i]?.y as number), q.x - (points[i]?.x as number)) <= rule.lateral,
        );
      expect(calls.every(reach)).toBe(true);
      expect(inAxialGhostReach(points, rule)).toEqual(points.map((_, i) => reach(i)));
    }
  });

  it('inAxialGhostReach: on the bounds, none alone, none for no points', () => {
    const rule = { ratio: 0.5, dz: [2, 6] as [number, number], lateral: 2.5 };
    const at = (z: number, y = 0, x = 0) => ({ z, y, x });
    expect(inAxialGhostReach([at(0), at(2)], rule)).toEqual([true, true]);
    expect(inAxialGhostReach([at(0), at(6, 1.5, 2)], rule)).toEqual([true, true]);
    expect(inAxialGhostReach([at(0), at(6.01)], rule)).toEqual([false, false]);
    expect(inAxialGhostReach([at(0), at(1.99)], rule)).toEqual([false, false]);
    expect(inAxialGhostReach([at(0), at(3, 2, 2)], rule)).toEqual([false, false]);
    expect(inAxialGhostReach([at(5)], rule)).toEqual([false]);
    expect(inAxialGhostReach([], rule)).toEqual([]);
    expect(() => inAxialGhostReach([at(Number.NaN)], rule)).toThrow(/point.z/);
  });

  it('rejects a bad rule or mismatched contrasts, naming the field', () => {
    expect(() => findAxialGhosts([{ z: 0, y: 0, x: 0 }], [])).toThrow(/one value per point/);
    expect(() => checkAxialGhostRule({ ratio: 1.5, dz: [2, 6], lateral: 2 })).toThrow(/ratio/);
    expect(() => checkAxialGhostRule({ ratio: 0.2, dz: [6, 2], lateral: 2 })).toThrow(/dz/);
    expect(() => checkAxialGhostRule({ ratio: 0.2, dz: [2, 6], lateral: 2, dominance: 0.5 })).toThrow(
      /dominance/,
    );
    expect(() =>
      checkAxialGhostRule({ ratio: 0.2, dz: [2, 6], lateral: -1 }, 'model.json: axialGhosts'),
    ).toThrow(/model.json: axialGhosts: lateral/);
    expect(() => findAxialGhosts([{ z: Number.NaN, y: 0, x: 0 }], [1])).toThrow(PostprocessError);
  });
});

describe('localContrasts', () => {
  it('is the 3×3×3 mean minus the median of the 7×21×21 box, cut at the borders', () => {
    const shape: [number, number, number] = [5, 6, 7];
    const data = new Float32Array(5 * 6 * 7).map((_, i) => (i * 7919) % 13);
    const at = (z: number, y: number, x: number) => data[(z * 6 + y) * 7 + x] as number;
    const expected = (z: number, y: number, x: number) => {
      const core: number[] = [];
      const box: number[] = [];
      for (let k = 0; k < 5; k++)
        for (let j = 0; j < 6; j++)
          for (let i = 0; i < 7; i++) {
            if (Math.abs(k - z) <= 1 && Math.abs(j - y) <= 1 && Math.abs(i - x) <= 1) core.push(at(k, j, i));
            if (Math.abs(k - z) <= 3 && Math.abs(j - y) <= 10 && Math.abs(i - x) <= 10) box.push(at(k, j, i));
          }
      box.sort((a, b) => a - b);
      const n = box.length;
      const med =
        n % 2 ? (box[(n - 1) / 2] as number) : ((box[n / 2 - 1] as number) + (box[n / 2] as number)) / 2;
      return core.reduce((a, b) => a + b, 0) / core.length - med;
    };
    const points = [
      { z: 0, y: 0, x: 0 },
      { z: 2.4, y: 3.6, x: 3 },
      { z: 4, y: 5, x: 6 },
    ];
    const got = localContrasts(data, shape, points);
    expect(got[0]).toBeCloseTo(expected(0, 0, 0), 5);
    expect(got[1]).toBeCloseTo(expected(2, 4, 3), 5);
    expect(got[2]).toBeCloseTo(expected(4, 5, 6), 5);
  });

  it('does not move with an offset, and leaves NaN voxels out', () => {
    const shape: [number, number, number] = [3, 5, 5];
    const data = new Float32Array(75).fill(2);
    data[(1 * 5 + 2) * 5 + 2] = 29; // one bright voxel: 3×3×3 mean 2 + 27/27 = 3
    expect(localContrasts(data, shape, [{ z: 1, y: 2, x: 2 }])[0]).toBeCloseTo(1, 6);
    const shifted = data.map((v) => v + 2000);
    expect(localContrasts(shifted, shape, [{ z: 1, y: 2, x: 2 }])[0]).toBeCloseTo(1, 3);
    const holes = Float32Array.from(data);
    holes[0] = Number.NaN;
    expect(localContrasts(holes, shape, [{ z: 1, y: 2, x: 2 }])[0]).toBeCloseTo(1, 6);
    expect(localContrasts(new Float32Array(75).fill(Number.NaN), shape, [{ z: 1, y: 2, x: 2 }])[0]).toBeNaN();
    expect(() => localContrasts(new Float32Array(10), shape, [])).toThrow(/75/);
  });
});
