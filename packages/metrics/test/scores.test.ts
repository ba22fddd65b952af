import { describe, expect, it } from 'vitest';
import {
  bestThreshold,
  evaluatePoints,
  matchPoints,
  type ScoredPoint,
  scores,
  summarize,
} from '../src/index';

const p = (x: number, y = 0, z = 0) => ({ x, y, z });

describe('scores', () => {
  it('computes precision, recall, F1, Jaccard and RMSE by hand', () => {
    // 3 truth, 4 detections: pairs at distance 1 and 2, one detection far, one truth missed.
    const s = evaluatePoints([p(0), p(10), p(20)], [p(1), p(12), p(50), p(60)]);
    expect([s.tp, s.fp, s.fn]).toEqual([2, 2, 1]);
    expect(s.precision).toBeCloseTo(2 / 4, 12);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
    expect(s.f1).toBeCloseTo(4 / 7, 12);
    expect(s.jaccard).toBeCloseTo(2 / 5, 12);
    expect(s.rmse).toBeCloseTo(Math.sqrt((1 + 4) / 2), 12);
  });

  it('treats an empty image with no detections as perfect, and no pairs as RMSE NaN', () => {
    expect(scores(matchPoints([], []))).toMatchObject({ precision: 1, recall: 1, f1: 1, jaccard: 1 });
    expect(scores(matchPoints([], [])).rmse).toBeNaN();
    expect(evaluatePoints([p(0)], [])).toMatchObject({ precision: 1, recall: 0, f1: 0, jaccard: 0 });
    expect(evaluatePoints([], [p(0)])).toMatchObject({ precision: 0, recall: 1, f1: 0 });
  });
});

describe('summarize', () => {
  it('gives mean ± population std per group and over all', () => {
    const a = evaluatePoints([p(0), p(10)], [p(0)]); // f1 2/3
    const b = evaluatePoints([p(0)], [p(0)]); // f1 1
    const c = evaluatePoints([p(0)], [p(30)]); // f1 0, rmse NaN
    const out = summarize([
      { group: 1, scores: a },
      { group: 1, scores: b },
      { group: 2, scores: c },
    ]);
    expect(out.map((g) => [g.group, g.n])).toEqual([
      [1, 2],
      [2, 1],
      ['all', 3],
    ]);
    expect(out[0]?.f1.mean).toBeCloseTo(5 / 6, 12);
    expect(out[0]?.f1.std).toBeCloseTo(1 / 6, 12); // numpy.std([2/3, 1])
    expect(out[2]?.f1.mean).toBeCloseTo(5 / 9, 12);
    expect(out[1]?.rmse.mean).toBeNaN();
    expect(out[2]?.rmse.mean).toBe(0);
    expect(out[2]).toMatchObject({ tp: 2, fp: 1, fn: 2 });
    expect(summarize([{ scores: a }, { scores: b }], { ddof: 1 })[0]?.f1.std).toBeCloseTo(
      Math.sqrt(2) / 6,
      12,
    );
    expect(() => summarize([], { ddof: 2 })).toThrow(/ddof must be 0 or 1/);
  });
});

describe('bestThreshold', () => {
  function lcg(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  it('agrees with scoring every threshold by hand, and picks the best', () => {
    const rand = lcg(4);
    const images = Array.from({ length: 4 }, () => {
      const truth = Array.from({ length: 30 }, () => p(rand() * 100, rand() * 100, rand() * 5));
      const hits: ScoredPoint[] = truth.map((t) => ({
        x: t.x + rand(),
        y: t.y + rand(),
        z: t.z,
        score: 0.3 + 0.7 * rand(),
      }));
      const false_: ScoredPoint[] = Array.from({ length: 20 }, () => ({
        ...p(rand() * 100, rand() * 100, rand() * 5),
        score: 0.6 * rand(),
      }));
      return { truth, detections: [...hits, ...false_] };
    });
    const result = bestThreshold(images);
    for (const c of result.curve.filter((_, i) => i % 17 === 0)) {
      const byHand =
        images.reduce(
          (a, im) =>
            a +
            evaluatePoints(
              im.truth,
              im.detections.filter((d) => d.score >= c.threshold),
            ).f1,
          0,
        ) / images.length;
      expect(c.meanF1).toBeCloseTo(byHand, 12);
    }
    expect(result.meanF1).toBe(Math.max(...result.curve.map((c) => c.meanF1)));
    expect(result.threshold).toBeGreaterThan(0.3);
    expect(result.threshold).toBeLessThan(0.65);
  });

  it('takes given candidates, limits derived ones, and breaks ties upward', () => {
    const im = { truth: [p(0)], detections: [{ ...p(0), score: 0.5 }] };
    const r = bestThreshold([im], { candidates: [0.1, 0.4, 0.9] });
    expect(r.curve.map((c) => c.meanF1)).toEqual([1, 1, 0]);
    expect(r.threshold).toBe(0.4);
    const many = {
      truth: [p(0)],
      detections: Array.from({ length: 1000 }, (_, i) => ({ ...p(i * 20), score: i / 1000 })),
    };
    expect(bestThreshold([many], { maxCandidates: 50 }).curve).toHaveLength(50);
  });

  it("'lowest-within-one-spot' takes the lowest threshold within one more miss of the best", () => {
    // 5 spots scoring 0.9, 0.8, 0.7, 0.6, 0.2 and noise at 0.5 and 0.3: F1 10/12 at 0.2, 8/11 at
    // 0.3, 8/10 at 0.5, 8/9 at 0.6 (the best), 6/8 at 0.7. One spot of 5: 1/9.
    const im = {
      truth: [0, 1, 2, 3, 4].map((k) => p(k * 20)),
      detections: [
        ...[0.9, 0.8, 0.7, 0.6, 0.2].map((score, k) => ({ ...p(k * 20), score })),
        { ...p(200), score: 0.5 },
        { ...p(240), score: 0.3 },
      ],
    };
    expect(bestThreshold([im]).threshold).toBe(0.6);
    const low = bestThreshold([im], { choose: 'lowest-within-one-spot' });
    expect(low.threshold).toBe(0.2);
    expect(low.meanF1).toBeCloseTo(10 / 12, 12);
    // Three such images: one spot is (3 × 1/9) / 9 of the mean F1, and 10/12 is no longer within it.
    expect(bestThreshold([im, im, im], { choose: 'lowest-within-one-spot' }).threshold).toBe(0.6);
    expect(() => bestThreshold([im], { choose: 'middle' as never })).toThrow(/choose must be/);
  });

  it('rejects missing scores and empty input', () => {
    expect(() => bestThreshold([])).toThrow(/at least one image/);
    expect(() => bestThreshold([{ truth: [], detections: [{ ...p(0), score: Number.NaN }] }])).toThrow(
      'images[0].detections[0].score must be a finite number, got NaN',
    );
  });
});
