import { describe, expect, it } from 'vitest';
import { evaluate, evaluateMany } from '../src/index';

describe('evaluate', () => {
  const truth = [
    { x: 0, y: 0, z: 0 },
    { x: 10, y: 10, z: 2 },
    { x: 20, y: 0, z: 1 },
  ];
  it('matches within the gate (default 5) and scores by hand', () => {
    // one exact, one 3 voxels off (a match), one 6 off (not within 5), one missing
    const s = evaluate(truth, [
      { x: 0, y: 0, z: 0 },
      { x: 13, y: 10, z: 2 },
      { x: 26, y: 0, z: 1 },
    ]);
    expect([s.tp, s.fp, s.fn]).toEqual([2, 1, 1]);
    expect(s.f1).toBeCloseTo(4 / 6, 12);
    expect(s.rmse).toBeCloseTo(Math.sqrt(9 / 2), 12);
    expect(evaluate(truth, [{ x: 26, y: 0, z: 1 }], { gate: 7 }).tp).toBe(1);
  });
  it('summarises per group, mean ± population std', () => {
    const { rows, groups } = evaluateMany([
      { id: 'a', group: 1, truth, detections: truth },
      { id: 'b', group: 1, truth, detections: [] },
      { id: 'c', group: 2, truth, detections: truth },
    ]);
    expect(rows.map((r) => r.scores.f1)).toEqual([1, 0, 1]);
    const g1 = groups.find((g) => g.group === 1);
    expect(g1?.f1.mean).toBe(0.5);
    expect(g1?.f1.std).toBe(0.5);
    expect(groups.find((g) => g.group === 2)?.n).toBe(1);
  });
});
