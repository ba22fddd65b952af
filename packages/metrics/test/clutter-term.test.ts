import { describe, expect, it } from 'vitest';
import { fitClutterTerm, raisedForClutter } from '../src/clutter-term';
import { fitThresholdRule, MetricsError } from '../src/index';

/** An item whose F1 is `inside` for thresholds in (lo, hi] and `outside` elsewhere. */
function item(
  signal: number,
  own: number,
  clutter: number,
  lo: number,
  hi: number,
  inside = 1,
  outside = 0.5,
) {
  return {
    signal,
    own,
    logZoom: 0,
    clutter,
    counts: (t: number) => ({ f1: t > lo && t <= hi ? inside : outside }),
  };
}
const own = (im: { own: number }) => im.own;
const all = () => true;

describe('raisedForClutter', () => {
  const term = { ratio: 0.5, slope: 0.1, from: 0.45, maxLogZoom: 1 };
  it('adds slope × log2(clutter / ratio) above the ratio, from `from` on, up to 0.95', () => {
    expect(raisedForClutter(term, 0.6, 2, 0)).toBeCloseTo(0.8, 12); // two doublings
    expect(raisedForClutter(term, 0.6, 0.5, 0)).toBe(0.6); // at the ratio: none
    expect(raisedForClutter(term, 0.44, 2, 0)).toBe(0.44); // below from
    expect(raisedForClutter(term, 0.6, 2, 1.5)).toBe(0.6); // zoom gate
    expect(raisedForClutter(term, 0.9, 64, 0)).toBe(0.95); // capped
    expect(raisedForClutter(term, 0.97, 64, 0)).toBe(0.97); // never lowered
    expect(raisedForClutter(term, 0.6, undefined, 0)).toBe(0.6);
  });
});

describe('fitClutterTerm', () => {
  // Grainy items: F1 1 only above 0.75 (their grains score up to 0.75), 0.5 at their own
  // threshold; clean faint ones: clutter 0, F1 1 up to 0.5, never raised.
  const faint = Array.from({ length: 10 }, (_, i) => item(100 + i, 0.45, 0, 0, 0.5, 1, 0));
  const grainy = (n: number, at: number) =>
    Array.from({ length: n }, (_, i) => item(200 + i, at, 4, 0.75, 0.95));

  it('takes the highest `from` within one standard error of the best gain', () => {
    // Ten grainy items at 0.6 and two at 0.45: a term from 0.45 raises all twelve, one from 0.6
    // ten. Two images apart is more than one standard error (paired): from 0.45; the smallest
    // slope that lifts 0.45 above 0.75 is 0.1 (0.1 × log2(4 / 0.35) = 0.35; 0.075 × 4 = 0.3 is
    // not above), with the highest ratio that does, 0.35.
    const two = [...faint, ...grainy(10, 0.6), ...grainy(2, 0.45)];
    const t2 = fitClutterTerm(two, own, all, 0, { crossCheck: false });
    expect(t2).toMatchObject({ from: 0.45, slope: 0.1, ratio: 0.35, maxLogZoom: 0.5, count: 12 });
    expect(t2?.meanF1).toBeCloseTo((12 * 0.5) / 22, 12);
    // One image apart is exactly one standard error: from 0.6, whose smallest slope is 0.05
    // (0.6 + 0.05 × log2(4 / 0.35) = 0.776).
    const one = [...faint, ...grainy(10, 0.6), ...grainy(1, 0.45)];
    expect(fitClutterTerm(one, own, all, 0, { crossCheck: false })).toMatchObject({
      from: 0.6,
      slope: 0.05,
      ratio: 0.35,
      count: 10,
    });
  });

  it('raises no item that is not eligible, and none without a clutter', () => {
    const items = [...faint, ...grainy(6, 0.6)];
    expect(fitClutterTerm(items, own, (im) => im.signal < 200, 0, { crossCheck: false })).toBeUndefined();
    const bare = items.map(({ clutter: _, ...im }) => im);
    expect(fitClutterTerm(bare, own, all, 0)).toBeUndefined();
  });

  it('is kept only where terms fitted on each half gain on the other', () => {
    // By signal rank, the even ranks are grainy (gain 0.5 each when raised), the odd ones
    // look the same (clutter 4, own 0.6) but lose 0.3 when raised: over all a term gains
    // 4 × 0.5 − 3 × 0.3, but fitted on the even half it loses 0.9 on the odd half, and the odd
    // half fits none.
    const hurt = (signal: number) => item(signal, 0.6, 4, 0, 0.6, 1, 0.7);
    const good = (signal: number) => item(signal, 0.6, 4, 0.75, 0.95);
    const items = [good(0), hurt(1), good(2), hurt(3), good(4), hurt(5), good(6)];
    expect(fitClutterTerm(items, own, all, 0, { crossCheck: false })?.count).toBe(7);
    expect(fitClutterTerm(items, own, all, 0)).toBeUndefined();
  });

  it('refuses bad grids', () => {
    const items = [...faint, ...grainy(6, 0.6)];
    expect(() => fitClutterTerm(items, own, all, 0, { slopes: [0] })).toThrow(MetricsError);
    expect(() => fitClutterTerm(items, own, all, 0, { ratios: [] })).toThrow(/clutter.ratios/);
    expect(() => fitClutterTerm(items, own, all, 0, { maxLogZooms: [Number.NaN] })).toThrow(/maxLogZooms/);
  });
});

describe('fitThresholdRule with a clutter term', () => {
  // One knot: twelve faint images (a spot at 0.52, nothing else; clutter 0.5) and six grainy ones
  // (a spot at 0.93 and grains at 0.70–0.74; clutter 3). The signal rule says 0.5 (faint 1, grainy
  // 2/5); raised to above 0.74 the grainy images score 1.
  const faint = (signal: number) => ({
    truth: [{ x: 5, y: 5, z: 5 }],
    detections: [{ x: 5, y: 5, z: 5, score: 0.52 }],
    signal,
    clutter: 0.5,
  });
  const grainy = (signal: number) => ({
    truth: [{ x: 5, y: 5, z: 5 }],
    detections: [
      { x: 5, y: 5, z: 5, score: 0.93 },
      ...[0.7, 0.72, 0.74].map((score, i) => ({ x: 20 + 10 * i, y: 30, z: 5, score })),
    ],
    signal,
    clutter: 3,
  });
  // Interleaved by signal, so both halves of the cross-check hold both kinds.
  const images = Array.from({ length: 18 }, (_, i) => (i % 3 === 2 ? grainy(i) : faint(i)));
  const options = { knots: 1, minImagesPerKnot: 6 };

  it('fits the term that lifts only the grainy images above their grains', () => {
    const rule = fitThresholdRule(images, { ...options, clutter: {} });
    expect(rule.thresholds).toEqual([0.5]);
    expect(rule.meanF1).toBeCloseTo((12 + 6 * 0.4) / 18, 12);
    // 0.5 + slope × log2(3 / ratio) > 0.74 with ratio ≥ 0.5 (the faint images' clutter is not
    // above it): the smallest slope is 0.1 (0.5 + 0.1 × log2(6) = 0.759), its ratio 0.5; every
    // `from` up to 0.5 does the same: the highest, 0.5.
    expect(rule.clutter).toMatchObject({ ratio: 0.5, slope: 0.1, from: 0.5, maxLogZoom: 0.5, count: 6 });
    expect(rule.clutter?.meanF1).toBeCloseTo(1, 12);
  });

  it('fits none unless asked, or without clutter on the images', () => {
    expect(fitThresholdRule(images, options).clutter).toBeUndefined();
    const bare = images.map(({ clutter: _, ...im }) => im);
    expect(fitThresholdRule(bare, { ...options, clutter: {} }).clutter).toBeUndefined();
  });
});
