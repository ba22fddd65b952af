import { describe, expect, it } from 'vitest';
import { chooseThresholds, type ValidationImage } from '../src/train-detector';

// Validation images whose best thresholds are known by construction (as in @dmdet/metrics' own
// test of fitThresholdRule): faint sparse images (signals 1.10–2.20), one spot at 0.52 and three
// noise peaks at 0.4 in a million voxels, best at 0.5; faint crowded ones (signals 1.00–1.05), ten
// spots at 0.32 in 100,000 voxels (100 maxima ≥ 0.3 per million), best at ≤ 0.3.
const sparse = (signal: number): ValidationImage => ({
  truth: [{ x: 5, y: 5, z: 5 }],
  detections: [
    { x: 5, y: 5, z: 5, score: 0.52 },
    ...[20, 40, 60].map((x) => ({ x, y: 30, z: 5, score: 0.4 })),
  ],
  signal,
  logZoom: 0,
  voxels: 1e6,
});
const crowded = (signal: number): ValidationImage => {
  const truth = Array.from({ length: 10 }, (_, i) => ({ x: 10 * i, y: 10, z: 5 }));
  return { truth, detections: truth.map((p) => ({ ...p, score: 0.32 })), signal, logZoom: 0, voxels: 1e5 };
};
const images = [
  ...Array.from({ length: 6 }, (_, i) => crowded(1 + 0.01 * i)),
  ...Array.from({ length: 12 }, (_, i) => sparse(1.1 + 0.1 * i)),
];

describe('chooseThresholds (trainDetector and tuneThreshold)', () => {
  it("keeps the fit's crowded branch in the rule, and each image's threshold follows it", () => {
    const choice = chooseThresholds(images, { knots: 1, minImagesPerKnot: 6 });
    const rule = choice.thresholdRule;
    expect(rule?.thresholds).toEqual([0.5]);
    expect(rule?.crowded?.below).toBeCloseTo(1.055, 12);
    expect([rule?.crowded?.score, rule?.crowded?.density, rule?.crowded?.threshold]).toEqual([0.3, 100, 0.3]);
    expect(choice.thresholds).toEqual([...Array(6).fill(0.3), ...Array(12).fill(0.5)]);
    expect(choice.meanF1).toBeCloseTo(1, 12);
  });
  it('has no branch where none gains (sparse images only)', () => {
    const choice = chooseThresholds(
      Array.from({ length: 12 }, (_, i) => sparse(1.1 + 0.1 * i)),
      { knots: 1, minImagesPerKnot: 6 },
    );
    expect(choice.thresholdRule?.crowded).toBeUndefined();
  });
  it('fits no branch with crowded: false (the crowded images then take the signal rule)', () => {
    const choice = chooseThresholds(images, { knots: 1, minImagesPerKnot: 6, crowded: false });
    expect(choice.thresholdRule?.thresholds).toEqual([0.5]);
    expect(choice.thresholdRule?.crowded).toBeUndefined();
    expect(choice.thresholds).toEqual(Array(18).fill(0.5));
    expect(choice.meanF1).toBeCloseTo(12 / 18, 12);
  });
  it("keeps the fit's clutter term: grainy images rise above their grains, sparse ones do not", () => {
    // Grainy images: a spot at 0.93 and grains at 0.70–0.74, clutter (maxima in [0.5, 0.8) per one
    // ≥ 0.8) 3, F1 2/5 at 0.5 and 1 above 0.74; the sparse ones' spot at 0.52 gives them clutter 1.
    // One knot: 0.5. The term must leave clutter 1 alone (ratio ≥ 1) and lift 0.5 above 0.74 at
    // clutter 3: slope 0.2 at ratio 1 (0.5 + 0.2 × log2 3 = 0.817) is the smallest slope that does.
    const grainy = (signal: number): ValidationImage => ({
      truth: [{ x: 5, y: 5, z: 5 }],
      detections: [
        { x: 5, y: 5, z: 5, score: 0.93 },
        ...[0.7, 0.72, 0.74].map((score, i) => ({ x: 20 + 10 * i, y: 30, z: 5, score })),
      ],
      signal,
      logZoom: 0,
      voxels: 1e6,
    });
    const mixed = Array.from({ length: 18 }, (_, i) => (i % 3 === 2 ? grainy : sparse)(1.1 + 0.1 * i));
    const choice = chooseThresholds(mixed, { knots: 1, minImagesPerKnot: 6 });
    expect(choice.thresholdRule?.thresholds).toEqual([0.5]);
    expect(choice.thresholdRule?.clutter).toEqual({
      score: 0.5,
      ratio: 1,
      slope: 0.2,
      from: 0.5,
      maxLogZoom: 0.5,
    });
    choice.thresholds.forEach((t, i) => {
      expect(t).toBeCloseTo(i % 3 === 2 ? 0.5 + 0.2 * Math.log2(3) : 0.5, 12);
    });
    expect(choice.meanF1).toBeCloseTo(1, 12);
    const without = chooseThresholds(mixed, { knots: 1, minImagesPerKnot: 6, clutter: false });
    expect(without.thresholdRule?.clutter).toBeUndefined();
    expect(without.meanF1).toBeCloseTo((12 + 6 * 0.4) / 18, 12);
  });
  it('keeps a valley term where the validation volumes gain from it, and drops it where they lose', () => {
    // Images with 8 spots at 0.95, 6 grains at 0.55 and 4 noise peaks at 0.25, signal ≥ 1.1: the
    // density of their scores (σ 0.03) has its deepest point below the spots at 0.75, a raise
    // from the rule's 0.5 (F1 8/11 there) to 1. The sparse images have no valley (their least
    // density lies at 0.2, the grid's first point) and stay at 0.5.
    const term = { from: 0.2, bandwidth: 0.03, topFrom: 0.6, maxDepth: 0.5, raiseFrom: 0.26 };
    const layered =
      (grainsAreSpots: boolean) =>
      (signal: number): ValidationImage => {
        const at = (n: number, score: number, y: number) =>
          Array.from({ length: n }, (_, i) => ({ x: 5 + 6 * i, y, z: 5, score }));
        const spots = at(8, 0.95, 5);
        const grains = at(6, 0.55, 20);
        return {
          truth: [...spots, ...(grainsAreSpots ? grains : [])].map(({ x, y, z }) => ({ x, y, z })),
          detections: [...spots, ...grains, ...at(4, 0.25, 35)],
          signal,
          logZoom: 0,
          voxels: 1e6,
        };
      };
    const fit = { knots: 1, minImagesPerKnot: 6, clutter: false, crowded: false };
    const mixed = (grainsAreSpots: boolean) =>
      Array.from({ length: 18 }, (_, i) => (i % 3 === 2 ? layered(grainsAreSpots) : sparse)(1.1 + 0.1 * i));
    const gains = chooseThresholds(mixed(false), { ...fit, valley: term });
    expect(gains.thresholdRule?.thresholds).toEqual([0.5]);
    expect(gains.thresholdRule?.valley).toEqual(term);
    gains.thresholds.forEach((t, i) => {
      expect(t).toBeCloseTo(i % 3 === 2 ? 0.75 : 0.5, 12);
    });
    expect(gains.meanF1).toBeCloseTo(1, 12);
    expect(gains.valleyNote).toBe(
      `valley term kept: mean F1 on the validation volumes 1.000 with it, ${((12 + (6 * 16) / 22) / 18).toFixed(3)} without`,
    );
    // The grains are spots: the raise loses them (F1 16/22 at 0.75, 1 at 0.5), so the term goes.
    const loses = chooseThresholds(mixed(true), { ...fit, valley: term });
    expect(loses.thresholdRule?.valley).toBeUndefined();
    expect(loses.thresholds).toEqual(Array(18).fill(0.5));
    expect(loses.meanF1).toBeCloseTo(1, 12);
    expect(loses.valleyNote).toMatch(
      /^valley term dropped: mean F1 on the validation volumes 0\.\d{3} with it, 1\.000 without$/,
    );
    // None tried: no note.
    expect(chooseThresholds(mixed(false), fit).valleyNote).toBeUndefined();
  });
});
