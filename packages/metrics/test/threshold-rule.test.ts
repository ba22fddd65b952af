import { describe, expect, it } from 'vitest';
import { fitThresholdRule, MetricsError } from '../src/index';

/**
 * Images whose best thresholds are known by construction: a faint image's one spot scores 0.52 and
 * nothing else is found (F1 1 up to 0.52: the best of 0.05, …, 0.95, ties to the higher, is 0.5); a
 * bright image's spot scores 0.93 with a noise peak at 0.71 (F1 1 from 0.75 to 0.9: 0.9).
 */
function image(signal: number | undefined, bright: boolean) {
  const truth = [{ x: 5, y: 5, z: 5 }];
  const detections = bright
    ? [
        { x: 5, y: 5, z: 5, score: 0.93 },
        { x: 20, y: 20, z: 5, score: 0.71 },
      ]
    : [{ x: 5.5, y: 5, z: 5, score: 0.52 }];
  return { truth, detections, ...(signal !== undefined ? { signal } : {}) };
}

describe('fitThresholdRule', () => {
  it('bins images at the quantiles of their signals, a knot at each bin median, its best threshold', () => {
    const images = Array.from({ length: 12 }, (_, i) => image(i + 1, i >= 6));
    images.push(image(undefined, true), image(undefined, false)); // no signal: no part
    const rule = fitThresholdRule(images, { knots: 2 });
    // Signals 1…12: edges 1, 6.5, 12 → bins 1–6 (median 3.5) and 7–12 (median 9.5).
    expect(rule.knots).toEqual([3.5, 9.5]);
    expect(rule.thresholds).toEqual([0.5, 0.9]);
    expect(rule.counts).toEqual([6, 6]);
    expect(rule.zoomSlope).toBe(0);
    // Between the knots thresholds are interpolated: faint signals 4–6 get 0.53–0.6 (F1 0), bright
    // 7–9 get 0.73–0.83 (F1 1): 9 of 12 images at F1 1.
    expect(rule.meanF1).toBe(0.75);
  });

  it('fits one zoom slope over all bins: each image kept at threshold + slope × logZoom', () => {
    // One signal level; enlarged images (logZoom 1) are the bright ones with a noise peak at 0.71
    // (F1 1 for thresholds in (0.71, 0.93]), shrunk ones (logZoom −1) the faint (F1 1 up to 0.52).
    const images = Array.from({ length: 12 }, (_, i) => ({
      ...image(1, i % 2 === 0),
      logZoom: i % 2 === 0 ? 1 : -1,
    }));
    // Without a slope: 0.5, where the bright images score 2/3 (0.833 in all).
    const flat = fitThresholdRule(images, { knots: 1, minImagesPerKnot: 12 });
    expect([flat.thresholds, flat.zoomSlope, flat.meanF1]).toEqual([[0.5], 0, (6 * (2 / 3) + 6) / 12]);
    // Slope 0.1 fits no threshold to both ((0.61, 0.83] and ≤ 0.62 on the grid); 0.15 fits 0.6
    // and 0.65 (ties to the higher), 0.2 also fits but a smaller |slope| wins ties.
    const zoomed = fitThresholdRule(images, {
      knots: 1,
      minImagesPerKnot: 12,
      zoomSlopes: [0, 0.05, 0.1, 0.15, 0.2],
    });
    expect(zoomed.zoomSlope).toBe(0.15);
    expect(zoomed.thresholds).toEqual([0.65]);
    expect(zoomed.meanF1).toBe(1);
  });

  it('interpolates quantiles as NumPy does, an image on an edge counting in both bins', () => {
    // 13 signals 0, 1, …, 12 with K = 2: edges 0, 6, 12; bins 0–6 and 6–12 (7 each), medians 3 and 9.
    const images = Array.from({ length: 13 }, (_, i) => image(i, i > 6));
    const rule = fitThresholdRule(images, { knots: 2 });
    expect(rule.knots).toEqual([3, 9]);
    expect(rule.counts).toEqual([7, 7]);
    // The bright bin holds the faint edge image (signal 6) too, whose F1 is 0 above 0.52: there 0.9
    // (mean F1 6/7) still beats 0.5 ((6·2/3 + 1)/7); with 0.75 it would be the same 6/7, ties to the higher.
    expect(rule.thresholds).toEqual([0.5, 0.9]);
  });

  it('merges bins whose knots coincide', () => {
    const images = Array.from({ length: 12 }, () => image(2, false));
    const rule = fitThresholdRule(images, { knots: 2 });
    expect(rule.knots).toEqual([2]);
    expect(rule.counts).toEqual([12]);
    expect(rule.thresholds).toEqual([0.5]);
  });

  it('fits a fallback for images without a signal by their pooled F1, given enough of them', () => {
    // Without a signal: 3 sparse images of one faint spot (0.52), 3 of four bright spots (0.93)
    // with four noise peaks (0.71). Pooled: at 0.5, 15 found and 12 false (F1 30/42); from 0.75 to
    // 0.9, 12 found, 3 missed, none false (24/27): 0.9, ties to the higher. A mean of per-image F1
    // would have chosen 0.5 ((1 + 2/3)/2 against (0 + 1)/2).
    const four = () => ({
      truth: [0, 1, 2, 3].map((i) => ({ x: 5 + 10 * i, y: 5, z: 5 })),
      detections: [0, 1, 2, 3].flatMap((i) => [
        { x: 5 + 10 * i, y: 5, z: 5, score: 0.93 },
        { x: 5 + 10 * i, y: 30, z: 5, score: 0.71 },
      ]),
    });
    const withSignal = Array.from({ length: 12 }, (_, i) => image(i + 1, i >= 6));
    const sparse = [image(undefined, false), image(undefined, false), image(undefined, false)];
    const rule = fitThresholdRule([...withSignal, ...sparse, four(), four(), four()], { knots: 2 });
    expect(rule.fallback).toBe(0.9);
    expect(rule.fallbackCount).toBe(6);
    // With a baseline it must beat, pooled: 0.5 (30/42) it does, 0.8 (also 24/27) it does not.
    const images = [...withSignal, ...sparse, four(), four(), four()];
    expect(fitThresholdRule(images, { knots: 2, fallbackBaseline: 0.5 }).fallback).toBe(0.9);
    expect(fitThresholdRule(images, { knots: 2, fallbackBaseline: 0.8 }).fallback).toBeUndefined();
    // The rule itself is fitted on the images with a signal alone, as before.
    expect([rule.knots, rule.thresholds]).toEqual([
      [3.5, 9.5],
      [0.5, 0.9],
    ]);
    // Fewer than minFallbackImages (default minImagesPerKnot) images without a signal: none.
    const few = fitThresholdRule([...withSignal, ...sparse], { knots: 2 });
    expect(few.fallback).toBeUndefined();
    expect(few.fallbackCount).toBe(3);
    expect(fitThresholdRule([...withSignal, ...sparse], { knots: 2, minFallbackImages: 3 }).fallback).toBe(
      0.5,
    );
    expect(() => fitThresholdRule(withSignal, { knots: 2, minFallbackImages: 0 })).toThrow(
      /minFallbackImages/,
    );
  });

  describe('crowded branch', () => {
    // Faint sparse images (signals 1.10–2.20): one spot at 0.52 and three noise peaks at 0.4 in a
    // million voxels (F1 0.4 up to 0.4, 1 above, to 0.52): their best threshold is 0.5. Faint
    // crowded ones (signals 1.00–1.05): ten spots at 0.32 in 100,000 voxels (density 100 of maxima
    // ≥ 0.3; F1 1 up to 0.32, 0 above). One knot: 12 sparse outweigh 6 crowded, so the signal rule
    // says 0.5 (mean F1 12 / 18) and the crowded images need a branch of their own.
    const sparse = (signal: number) => ({
      truth: [{ x: 5, y: 5, z: 5 }],
      detections: [
        { x: 5, y: 5, z: 5, score: 0.52 },
        ...[20, 40, 60].map((x) => ({ x, y: 30, z: 5, score: 0.4 })),
      ],
      signal,
      voxels: 1e6,
    });
    const crowded = (signal: number) => {
      const truth = Array.from({ length: 10 }, (_, i) => ({ x: 10 * i, y: 10, z: 5 }));
      return { truth, detections: truth.map((p) => ({ ...p, score: 0.32 })), signal, voxels: 1e5 };
    };
    const images = [
      ...Array.from({ length: 6 }, (_, i) => crowded(1 + 0.01 * i)),
      ...Array.from({ length: 12 }, (_, i) => sparse(1.1 + 0.1 * i)),
    ];
    const options = { knots: 1, minImagesPerKnot: 6 };

    it('finds the faint, crowded images: signal cut, density cut, threshold', () => {
      const rule = fitThresholdRule(images, options);
      expect(rule.thresholds).toEqual([0.5]);
      expect(rule.meanF1).toBeCloseTo(12 / 18, 12);
      // Quantile 0.3 of the 18 signals (index 5.1: between 1.05 and 1.10) is the lowest cut that
      // takes all six; density 100; the highest threshold keeping the ten spots, 0.3.
      const c = rule.crowded;
      expect(c?.below).toBeCloseTo(1.055, 12);
      expect([c?.density, c?.threshold, c?.count, c?.score]).toEqual([100, 0.3, 6, 0.3]);
      expect(c?.meanF1).toBeCloseTo(1, 12);
    });

    it('counts maxima from crowdedScore, and needs minImagesPerKnot images in the branch', () => {
      // Counted from 0.35, the crowded images have no maxima: density 0, the same as the sparse
      // ones' (their spot at 0.52 aside: 1 per million). Below the signal cut only crowded images
      // lie at low quantiles, so the branch still forms, with the density cut 0.
      const from35 = fitThresholdRule(images, { ...options, crowdedScore: 0.35 });
      expect(from35.crowded?.density).toBe(0);
      // Seven needed: below the highest cut tried (quantile 0.3) lie only the six crowded images.
      expect(fitThresholdRule(images, { ...options, minImagesPerKnot: 7 }).crowded).toBeUndefined();
    });

    it('cuts the signal at the first knot at most', () => {
      // 24 images, signals 1–24: crowded at 1–7, sparse above. Four knots: the first bin (1–6, all
      // crowded) takes 0.3 at its knot 3.5, the second (7–12, mostly sparse) 0.5 at 9.5, and the
      // crowded images at 5–7, between the two knots, get 0.35–0.42, above their spots' 0.32. A
      // branch cut at quantile 0.3 (7.9) would win them back, but it would override the rule
      // above its first knot, where the bins have thresholds of their own: not tried. The cuts
      // below the knot (quantiles 0.05 and 0.1: 2.15, 3.3) take fewer than six images.
      const graded = Array.from({ length: 24 }, (_, i) => (i < 7 ? crowded(i + 1) : sparse(i + 1)));
      const rule = fitThresholdRule(graded, { knots: 4, minImagesPerKnot: 6 });
      expect(rule.knots.slice(0, 2)).toEqual([3.5, 9.5]);
      expect(rule.thresholds.slice(0, 2)).toEqual([0.3, 0.5]);
      expect(rule.crowded).toBeUndefined();
    });

    it('is kept only where a branch fitted on half the images gains on the other half', () => {
      // Among the six faint, crowded images, three (ranks 1, 3, 5 by signal) are decoys: ten spots
      // at 0.52 and ten noise peaks at 0.35 in 100,000 voxels (F1 1 at 0.5, 2/3 at 0.3). Over all
      // images the branch still gains (3 × 1 − 3 × 1/3), but fitted on the half with the true
      // crowded images (ranks 0, 2, 4) it loses 1 on the other half, and the other half fits none:
      // a cross-validated gain of −1.
      const decoy = (signal: number) => {
        const truth = Array.from({ length: 10 }, (_, i) => ({ x: 10 * i, y: 10, z: 5 }));
        const noise = truth.map((p) => ({ ...p, y: 40, score: 0.35 }));
        return {
          truth,
          detections: [...truth.map((p) => ({ ...p, score: 0.52 })), ...noise],
          signal,
          voxels: 1e5,
        };
      };
      const mixed = [
        ...[1, 1.02, 1.04].map(crowded),
        ...[1.01, 1.03, 1.05].map(decoy),
        ...Array.from({ length: 12 }, (_, i) => sparse(1.1 + 0.1 * i)),
      ];
      const unchecked = fitThresholdRule(mixed, { ...options, crowdedCrossCheck: false });
      expect(unchecked.thresholds).toEqual([0.5]);
      expect([unchecked.crowded?.count, unchecked.crowded?.threshold]).toEqual([6, 0.3]);
      expect(fitThresholdRule(mixed, options).crowded).toBeUndefined();
      // The consistent branch of the images above passes the check.
      expect(fitThresholdRule(images, options).crowded?.count).toBe(6);
    });

    it('is absent without voxels, or where nothing gains', () => {
      const without = images.map(({ voxels: _, ...im }) => im);
      expect(fitThresholdRule(without, options).crowded).toBeUndefined();
      const sparseOnly = Array.from({ length: 12 }, (_, i) => sparse(1.1 + 0.1 * i));
      expect(fitThresholdRule(sparseOnly, options).crowded).toBeUndefined();
    });

    it('refuses a bad crowdedScore or crowdedQuantiles', () => {
      expect(() => fitThresholdRule(images, { ...options, crowdedScore: 1 })).toThrow(/crowdedScore/);
      expect(() => fitThresholdRule(images, { ...options, crowdedQuantiles: [1.5] })).toThrow(
        /crowdedQuantiles/,
      );
    });
  });

  it('refuses too few images with a signal and bad options', () => {
    const images = Array.from({ length: 11 }, (_, i) => image(i, false));
    expect(() => fitThresholdRule(images, { knots: 2 })).toThrow(/at least 12 images with a signal.*got 11/);
    expect(() => fitThresholdRule(images, { knots: 0 })).toThrow(MetricsError);
    expect(() => fitThresholdRule(images, { knots: 1, minImagesPerKnot: 1.5 })).toThrow(/minImagesPerKnot/);
    expect(() => fitThresholdRule(images, { knots: 1, zoomSlopes: [] })).toThrow(/zoomSlopes must be/);
    expect(() => fitThresholdRule(images, { knots: 1, gate: 0 })).toThrow(/gate must be/);
    expect(fitThresholdRule(images, { knots: 1, minImagesPerKnot: 11 }).knots).toEqual([5]);
  });
});
