import { describe, expect, it } from 'vitest';
import { linearSumAssignment, MetricsError, matchPoints, type Point3 } from '../src/index';
import fixtures from './fixtures/matching.json';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Brute force: every one-to-one partial matching within the gate; most pairs, then least distance. */
function bruteForce(truth: Point3[], dets: Point3[], gate: number): { tp: number; total: number } {
  const dist = (a: Point3, b: Point3) => Math.hypot(a.x - b.x, a.y - b.y, a.z - b.z);
  let best = { tp: 0, total: 0 };
  const used = new Array<boolean>(dets.length).fill(false);
  const walk = (i: number, tp: number, total: number) => {
    if (i === truth.length) {
      if (tp > best.tp || (tp === best.tp && total < best.total - 1e-12)) best = { tp, total };
      return;
    }
    walk(i + 1, tp, total);
    for (let j = 0; j < dets.length; j++) {
      const d = dist(truth[i] as Point3, dets[j] as Point3);
      if (used[j] || d > gate) continue;
      used[j] = true;
      walk(i + 1, tp + 1, total + d);
      used[j] = false;
    }
  };
  walk(0, 0, 0);
  return best;
}

describe('matchPoints against scipy linear_sum_assignment (fixtures/make_fixtures.py)', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const m = matchPoints(c.truth, c.detections, {
      gate: c.gate,
      scale: c.scale as [number, number, number],
    });
    expect(m.tp).toBe(c.tp);
    expect(m.fp).toBe(c.detections.length - c.tp);
    expect(m.fn).toBe(c.truth.length - c.tp);
    const total = m.pairs.reduce((a, p) => a + p.distance, 0);
    expect(total).toBeCloseTo(c.totalDistance, 9);
    // Random coordinates have no ties: the matching itself is the same.
    expect(m.pairs.map((p) => [p.truth, p.detection])).toEqual(c.pairs);
  });
});

describe('matchPoints against brute force on tiny sets', () => {
  it('agrees on 300 random sets of up to 6 × 6 points in a small box', () => {
    const rand = lcg(99);
    for (let k = 0; k < 300; k++) {
      const nt = Math.floor(rand() * 7);
      const nd = Math.floor(rand() * 7);
      const p = () => ({ x: rand() * 8, y: rand() * 8, z: rand() * 3 });
      const truth = Array.from({ length: nt }, p);
      const dets = Array.from({ length: nd }, p);
      const want = bruteForce(truth, dets, 4);
      const got = matchPoints(truth, dets, { gate: 4 });
      expect(got.tp, `set ${k}`).toBe(want.tp);
      expect(got.pairs.reduce((a, q) => a + q.distance, 0)).toBeCloseTo(want.total, 9);
    }
  });

  it('prefers more pairs over a shorter total (not greedy)', () => {
    // Greedy nearest-first would match t0-d0 (distance 1) and leave t1 without a partner.
    const truth = [
      { x: 0, y: 0, z: 0 },
      { x: -4, y: 0, z: 0 },
    ];
    const dets = [
      { x: -1, y: 0, z: 0 },
      { x: 4, y: 0, z: 0 },
    ];
    const m = matchPoints(truth, dets, { gate: 4 });
    expect(m.tp).toBe(2);
    expect(m.pairs).toEqual([
      { truth: 0, detection: 1, distance: 4 },
      { truth: 1, detection: 0, distance: 3 },
    ]);
  });
});

describe('matchPoints edge cases', () => {
  const o = { x: 0, y: 0, z: 0 };
  it('empty truth, empty detections, both empty', () => {
    expect(matchPoints([], [o, o])).toMatchObject({ tp: 0, fp: 2, fn: 0, unmatchedDetections: [0, 1] });
    expect(matchPoints([o], [])).toMatchObject({ tp: 0, fp: 0, fn: 1, unmatchedTruth: [0] });
    expect(matchPoints([], [])).toMatchObject({ tp: 0, fp: 0, fn: 0, pairs: [] });
  });

  it('duplicates: two detections on one particle give one TP and one FP', () => {
    const m = matchPoints([o], [o, o]);
    expect([m.tp, m.fp, m.fn]).toEqual([1, 1, 0]);
  });

  it('a pair exactly at the gate counts; just beyond does not', () => {
    expect(matchPoints([o], [{ x: 3, y: 4, z: 0 }], { gate: 5 }).tp).toBe(1);
    expect(matchPoints([o], [{ x: 3, y: 4.000001, z: 0 }], { gate: 5 }).tp).toBe(0);
  });

  it('scales axes before measuring (µm for anisotropic voxels)', () => {
    const d = { x: 0, y: 0, z: 4 };
    expect(matchPoints([o], [d], { gate: 5 }).tp).toBe(1);
    expect(matchPoints([o], [d], { gate: 2, scale: [0.3, 0.1, 0.1] }).pairs[0]?.distance).toBeCloseTo(
      1.2,
      12,
    );
    expect(matchPoints([o], [d], { gate: 1, scale: [0.3, 0.1, 0.1] }).tp).toBe(0);
  });

  it('rejects NaN and missing coordinates, and bad options, naming them', () => {
    expect(() => matchPoints([o, { x: Number.NaN, y: 0, z: 0 }], [])).toThrow(
      'truth[1].x must be a finite number, got NaN',
    );
    expect(() => matchPoints([], [{ x: 1, y: 2 } as Point3])).toThrow(
      'detections[0].z must be a finite number',
    );
    expect(() => matchPoints([], [], { gate: 0 })).toThrow(/gate must be a positive distance/);
    expect(() => matchPoints([], [], { scale: [1, 1] as never })).toThrow(MetricsError);
  });
});

describe('matchPoints at scale', () => {
  it('matches 10,000 × 10,000 points at PTC-like density (timing: npm run bench:metrics)', () => {
    const rand = lcg(1);
    const truth = Array.from({ length: 10000 }, () => ({
      x: rand() * 2048,
      y: rand() * 2048,
      z: rand() * 10,
    }));
    const dets = truth.map((p) => ({
      x: p.x + (rand() - 0.5) * 2,
      y: p.y + (rand() - 0.5) * 2,
      z: p.z + (rand() - 0.5),
    }));
    const m = matchPoints(truth, dets);
    expect(m.tp).toBeGreaterThan(9900);
    expect(m.tp + m.fn).toBe(10000);
  });
});

describe('linearSumAssignment', () => {
  it('solves a known 3 × 3 and a rectangular problem', () => {
    // scipy: linear_sum_assignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]]) -> cols [1, 0, 2], cost 5
    expect(Array.from(linearSumAssignment(Float64Array.from([4, 1, 3, 2, 0, 5, 3, 2, 2]), 3, 3))).toEqual([
      1, 0, 2,
    ]);
    expect(Array.from(linearSumAssignment(Float64Array.from([5, 1, 9, 2, 7, 0.5]), 2, 3))).toEqual([1, 2]);
    expect(() => linearSumAssignment(new Float64Array(6), 3, 2)).toThrow(/rows <= cols/);
  });
});
