import { describe, expect, it } from 'vitest';
import {
  checkDecoyTerm,
  checkThresholdRule,
  DECOY_STEP,
  decoyThreshold,
  PostprocessError,
} from '../src/index';
import { random } from './seeded-random';

const TERM = { fdr: 0.2, minDecoys: 3, maxThreshold: 0.95 };
const s = (...scores: number[]) => scores.map((score) => ({ score }));

/** The reference: every step tried in turn, counting with filters. */
function reference(
  term: typeof TERM,
  real: number[],
  decoy: number[],
  threshold: number,
): { threshold: number; decoys: number; maxima: number; dropped?: number } {
  const above = (xs: number[], t: number) => xs.filter((x) => x >= t).length;
  const counts = { decoys: above(decoy, threshold), maxima: above(real, threshold) };
  let raised = Math.max(threshold, term.maxThreshold);
  for (let k = 0; threshold + k * DECOY_STEP < term.maxThreshold; k++) {
    const t = threshold + k * DECOY_STEP;
    const d = above(decoy, t);
    if (d < term.minDecoys || d <= term.fdr * above(real, t)) {
      raised = t;
      break;
    }
  }
  // Not applied where it keeps under a tenth of the maxima kept at the threshold given.
  if (raised > threshold && counts.maxima > 0 && above(real, raised) < 0.1 * counts.maxima)
    return { threshold, ...counts, dropped: raised - threshold };
  return { threshold: raised, ...counts };
}

describe('decoyThreshold', () => {
  it('keeps a threshold where the decoys above it are few, or few against the real maxima', () => {
    // 3 decoys above 0.5 against 20 real maxima: 0.15 ≤ 0.2.
    const real = s(...Array.from({ length: 20 }, (_, i) => 0.5 + i * 0.02));
    expect(decoyThreshold(TERM, real, s(0.55, 0.6, 0.7, 0.1), 0.5)).toEqual({
      threshold: 0.5,
      decoys: 3,
      maxima: 20,
    });
    // 2 decoys (fewer than minDecoys) against 1 real maximum: kept.
    expect(decoyThreshold(TERM, s(0.9), s(0.6, 0.7), 0.5).threshold).toBe(0.5);
  });

  it('raises past the decoys until they are few enough (hand-computed)', () => {
    // Real maxima at 0.515, 0.555, 0.8, 0.9; decoys at 0.505, 0.525, 0.535, 0.545.
    // t = 0.50: 4 decoys against 4 real (1 > 0.2). t = 0.51: 3 against 4 (0.75).
    // t = 0.52: 3 against 3. t = 0.53: 2 decoys, fewer than 3: stop.
    const cut = decoyThreshold(TERM, s(0.515, 0.555, 0.8, 0.9), s(0.505, 0.525, 0.535, 0.545), 0.5);
    expect(cut.threshold).toBeCloseTo(0.53, 12);
    expect(cut.decoys).toBe(4);
    expect(cut.maxima).toBe(4);
  });

  it('drops a raise that would keep under a tenth of the maxima kept at the threshold given', () => {
    // 30 real maxima from 0.409 to 0.699 and 30 decoys there too; any decoy raises (fdr 0): the
    // raise goes past them all, to 0.70, where 2 real maxima (0.9, 0.95) are left of 32: under a
    // tenth, so not applied.
    const term = { ...TERM, fdr: 0, minDecoys: 1 };
    const spread = Array.from({ length: 30 }, (_, i) => 0.41 + i * 0.01 - 0.001);
    const dropped = decoyThreshold(term, s(...spread, 0.9, 0.95), s(...spread), 0.4);
    expect(dropped.threshold).toBe(0.4);
    expect(dropped.dropped).toBeCloseTo(0.3, 12);
    // With 2 more real maxima above (4 of 34 kept, above a tenth) it holds.
    const held = decoyThreshold(term, s(...spread, 0.9, 0.95, 0.97, 0.98), s(...spread), 0.4);
    expect(held.threshold).toBeCloseTo(0.7, 12);
    expect(held.dropped).toBeUndefined();
  });

  it('stops at maxThreshold, and leaves a threshold above it as it is', () => {
    const decoys = s(...Array.from({ length: 10 }, () => 0.99));
    expect(decoyThreshold(TERM, s(0.99), decoys, 0.5).threshold).toBe(0.95);
    expect(decoyThreshold(TERM, s(0.99), decoys, 0.97).threshold).toBe(0.97);
  });

  it('agrees with trying every step on random scores', () => {
    const rnd = random(7);
    for (let trial = 0; trial < 300; trial++) {
      const term = {
        fdr: [0, 0.1, 0.2, 0.5, 1][trial % 5] as number,
        minDecoys: 1 + (trial % 4),
        maxThreshold: 0.6 + 0.4 * rnd(),
      };
      const real = Array.from({ length: Math.floor(rnd() * 60) }, () => rnd());
      const decoy = Array.from({ length: Math.floor(rnd() * 40) }, () => rnd() ** 2);
      const threshold = 0.1 + 0.8 * rnd();
      const got = decoyThreshold(term, s(...real), s(...decoy), threshold);
      const want = reference(term, real, decoy, threshold);
      expect(got.decoys).toBe(want.decoys);
      expect(got.maxima).toBe(want.maxima);
      expect(got.threshold).toBeCloseTo(want.threshold, 12);
      expect(got.dropped === undefined).toBe(want.dropped === undefined);
      if (want.dropped !== undefined) expect(got.dropped).toBeCloseTo(want.dropped, 12);
      expect(got.threshold).toBeGreaterThanOrEqual(threshold);
    }
  });

  it('leaves NaN scores out and handles empty inputs', () => {
    expect(decoyThreshold(TERM, [], [], 0.4)).toEqual({ threshold: 0.4, decoys: 0, maxima: 0 });
    expect(decoyThreshold(TERM, s(0.9), s(Number.NaN, Number.NaN, Number.NaN, 0.6), 0.4).threshold).toBe(0.4);
    // Three decoys and no real maximum: raised past them.
    expect(decoyThreshold(TERM, [], s(0.605, 0.615, 0.625), 0.4).threshold).toBeCloseTo(0.61, 12);
  });

  it('refuses a malformed term or a NaN threshold, naming the field', () => {
    expect(() => decoyThreshold({ ...TERM, fdr: 1.5 }, [], [], 0.4)).toThrow(PostprocessError);
    expect(() => decoyThreshold(TERM, [], [], Number.NaN)).toThrow(/threshold must be a number/);
    expect(() =>
      checkDecoyTerm({ fdr: 0.2, minDecoys: 0, maxThreshold: 0.9 }, 'model.json thresholdRule.decoy'),
    ).toThrow(/model\.json thresholdRule\.decoy must be \{ fdr/);
    expect(() => checkDecoyTerm(null)).toThrow(/decoy must be/);
    expect(() => checkDecoyTerm({ fdr: 0.2, minDecoys: 3, maxThreshold: 0 })).toThrow(/maxThreshold/);
    expect(() => checkDecoyTerm({ ...TERM, fromClutter: -1 })).toThrow(/fromClutter\?: a number >= 0/);
    expect(checkDecoyTerm(TERM)).toBe(TERM);
    expect(checkDecoyTerm({ ...TERM, fromClutter: 1 })).toEqual({ ...TERM, fromClutter: 1 });
  });

  it('is checked as part of a threshold rule; fromClutter needs the clutter term', () => {
    const rule = { kind: 'signal', confidence: 0.8, minSpots: 1, knots: [0], thresholds: [0.5] };
    expect(checkThresholdRule({ ...rule, decoy: TERM }).decoy).toEqual(TERM);
    expect(() =>
      checkThresholdRule({ ...rule, decoy: { ...TERM, fdr: -1 } }, 'm.json thresholdRule'),
    ).toThrow(/m\.json thresholdRule: decoy must be/);
    expect(() => checkThresholdRule({ ...rule, decoy: { ...TERM, fromClutter: 1 } })).toThrow(
      /decoy\.fromClutter needs the rule's clutter term/,
    );
    const clutter = { score: 0.5, ratio: 0.35, slope: 0.1, from: 0.6 };
    expect(
      checkThresholdRule({ ...rule, clutter, decoy: { ...TERM, fromClutter: 1 } }).decoy?.fromClutter,
    ).toBe(1);
  });
});
