import { describe, expect, it } from 'vitest';
import {
  checkThresholdRule,
  checkValleyTerm,
  PostprocessError,
  scoreValley,
  type ValleyTerm,
  valleyThreshold,
} from '../src/index';
import ref from './fixtures/reference.json';

const term: ValleyTerm = { from: 0.2, bandwidth: 0.03, topFrom: 0.6, maxDepth: 0.5, raiseFrom: 0.26 };
const scores = (...groups: [number, number][]) =>
  groups.flatMap(([n, score]) => Array.from({ length: n }, () => ({ score })));

describe('scoreValley against valley_rule.py (fixtures/make_fixtures.py)', () => {
  it.each(ref.valley.map((c, i) => [i, c] as const))('case %i', (_, c) => {
    const got = scoreValley(c.scores, { from: c.from, bandwidth: c.bandwidth, topFrom: c.topFrom });
    if (c.valley === null) expect(got).toBeUndefined();
    else {
      expect(got?.score).toBeCloseTo(c.valley.score, 10);
      expect(got?.depth).toBeCloseTo(c.valley.depth, 8);
    }
  });
});

describe('scoreValley', () => {
  it('finds the midpoint between two equal populations, with the depth by hand', () => {
    // density(x) = 3 g(x − 0.3) + 3 g(x − 0.9), g(u) = exp(−u² / (2 · 0.03²)): the top at 0.9 is
    // 3 (+ 3 e^−200), the least point the midpoint 0.6, 6 e^−50.
    const got = scoreValley([0.3, 0.3, 0.3, 0.9, 0.9, 0.9], term);
    expect(got?.score).toBeCloseTo(0.6, 12);
    expect(got?.depth).toBeCloseTo(2 * Math.exp(-50), 30);
    expect((got?.depth as number) / (2 * Math.exp(-50))).toBeCloseTo(1, 10);
  });
  it('is undefined with fewer than 3 scores from `from`, or without a population on either side', () => {
    expect(scoreValley([], term)).toBeUndefined();
    expect(scoreValley([0.1, 0.15, 0.3, 0.9], term)).toBeUndefined(); // two from 0.2
    expect(scoreValley([0.9, 0.91, 0.92], term)).toBeUndefined(); // least point at `from`
    expect(scoreValley([0.25, 0.3, 0.35], term)).toBeUndefined(); // least point at the mode
  });
  it('leaves NaN out', () => {
    const a = scoreValley([0.3, 0.3, 0.3, 0.9, 0.9, 0.9], term);
    expect(scoreValley([0.3, Number.NaN, 0.3, 0.3, 0.9, 0.9, Number.NaN, 0.9], term)).toEqual(a);
  });
  it('names a bad option', () => {
    expect(() => scoreValley([0.5], { ...term, bandwidth: 0 })).toThrow(PostprocessError);
    expect(() => scoreValley([0.5], { ...term, bandwidth: 0 })).toThrow(
      /bandwidth must be a finite number > 0/,
    );
    expect(() => scoreValley([0.5], { ...term, from: 1 })).toThrow(/from must be in \[0, 1\)/);
    expect(() => scoreValley([0.5], { ...term, topFrom: 0.1 })).toThrow(/topFrom must be in \[from, 1\]/);
  });
});

describe('valleyThreshold', () => {
  const twoGroups = scores([20, 0.3], [20, 0.9]);
  it('lowers a threshold to the valley below it, whatever the signal', () => {
    const cut = valleyThreshold(term, twoGroups, undefined, 0.8);
    expect(cut.threshold).toBeCloseTo(0.6, 12);
    expect(cut.kept).toBeUndefined();
  });
  it('raises one to the valley above it only where the signal is at least raiseFrom', () => {
    expect(valleyThreshold(term, twoGroups, 0.26, 0.4).threshold).toBeCloseTo(0.6, 12);
    expect(valleyThreshold(term, twoGroups, 0.25, 0.4)).toMatchObject({ threshold: 0.4, kept: 'faint' });
    expect(valleyThreshold(term, twoGroups, undefined, 0.4)).toMatchObject({ threshold: 0.4, kept: 'faint' });
  });
  it('raises only in volumes enlarged by at most 2^maxLogZoom, where the term has the gate', () => {
    const gated = { ...term, maxLogZoom: 1 };
    expect(valleyThreshold(gated, twoGroups, 0.5, 0.4, 1).threshold).toBeCloseTo(0.6, 12);
    expect(valleyThreshold(gated, twoGroups, 0.5, 0.4, -2).threshold).toBeCloseTo(0.6, 12);
    expect(valleyThreshold(gated, twoGroups, 0.5, 0.4, 1.01)).toMatchObject({
      threshold: 0.4,
      kept: 'enlarged',
    });
    expect(valleyThreshold(gated, twoGroups, 0.5, 0.4, Number.NaN)).toMatchObject({ kept: 'enlarged' });
    // Lowering is not gated; without the gate any zoom raises.
    expect(valleyThreshold(gated, twoGroups, 0.5, 0.8, 3).threshold).toBeCloseTo(0.6, 12);
    expect(valleyThreshold(term, twoGroups, 0.5, 0.4, 3).threshold).toBeCloseTo(0.6, 12);
  });
  it('lowers only in volumes whose signal is below lowerBelow (or unknown), where the term has it', () => {
    const gated = { ...term, lowerBelow: 2 };
    expect(valleyThreshold(gated, twoGroups, 1.99, 0.8).threshold).toBeCloseTo(0.6, 12);
    expect(valleyThreshold(gated, twoGroups, undefined, 0.8).threshold).toBeCloseTo(0.6, 12);
    expect(valleyThreshold(gated, twoGroups, 2, 0.8)).toMatchObject({ threshold: 0.8, kept: 'bright' });
    expect(valleyThreshold(gated, twoGroups, Number.NaN, 0.8)).toMatchObject({ kept: 'bright' });
    // Raising is not gated by it.
    expect(valleyThreshold(gated, twoGroups, 5, 0.4).threshold).toBeCloseTo(0.6, 12);
  });
  it('does not raise where the raise keeps under a tenth of the maxima', () => {
    // 5 at 0.25, 50 at 0.45, 3 at 0.95: the deepest point lies between 0.45 and 0.95; from 0.4,
    // 53 are kept, from the valley 3 (< 5.3).
    const maxima = scores([5, 0.25], [50, 0.45], [3, 0.95]);
    const cut = valleyThreshold(term, maxima, 0.5, 0.4);
    expect(cut.valley?.score).toBeGreaterThan(0.6);
    expect(cut).toMatchObject({ threshold: 0.4, kept: 'takes-most' });
    // 6 at 0.95 keep 6 of 56: raised.
    const six = valleyThreshold(term, scores([5, 0.25], [50, 0.45], [6, 0.95]), 0.5, 0.4);
    expect(six.threshold).toBe(six.valley?.score);
    expect(six.threshold).toBeGreaterThan(0.6);
  });
  it('keeps the threshold at a valley shallower than maxDepth, or without one', () => {
    expect(valleyThreshold({ ...term, maxDepth: 1e-30 }, twoGroups, 1, 0.8)).toMatchObject({
      threshold: 0.8,
      kept: 'shallow',
    });
    expect(valleyThreshold(term, scores([10, 0.9]), 1, 0.8)).toEqual({ threshold: 0.8 });
  });
});

describe('checkValleyTerm', () => {
  it('passes a good term and names the field of a bad one', () => {
    expect(checkValleyTerm(term)).toBe(term);
    expect(checkValleyTerm({ ...term, raiseFrom: Number.POSITIVE_INFINITY })).toBeDefined();
    expect(checkValleyTerm({ ...term, maxLogZoom: 1 }).maxLogZoom).toBe(1);
    for (const bad of [
      null,
      { ...term, from: -0.1 },
      { ...term, bandwidth: Number.NaN },
      { ...term, topFrom: 0.1 },
      { ...term, maxDepth: 0 },
      { ...term, raiseFrom: Number.NaN },
      { ...term, raiseFrom: '0.3' },
      { ...term, maxLogZoom: Number.NaN },
      { ...term, maxLogZoom: '1' },
      { ...term, lowerBelow: Number.NaN },
    ])
      expect(() => checkValleyTerm(bad, 'model.json valley')).toThrow(/^model.json valley must be \{ from/);
  });
  it('is checked as part of a threshold rule', () => {
    const rule = { kind: 'signal', confidence: 0.8, minSpots: 5, knots: [0, 1], thresholds: [0.4, 0.7] };
    expect(checkThresholdRule({ ...rule, valley: term }).valley).toEqual(term);
    expect(() =>
      checkThresholdRule({ ...rule, valley: { ...term, maxDepth: 2 } }, 'model.json thresholdRule'),
    ).toThrow(/model.json thresholdRule: valley must be/);
  });
});
