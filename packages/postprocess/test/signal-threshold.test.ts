import { createVolume } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import {
  checkThresholdRule,
  clutterRaiseHolds,
  isCrowded,
  maximaClutter,
  maximaDensity,
  PostprocessError,
  thresholdForSignal,
  volumeSignal,
} from '../src/index';

describe('volumeSignal', () => {
  // 3×4×5 volume with value = z*100 + y*10 + x: the 3×3×3 mean around an inner voxel is its own
  // value; at a border the box is clipped to the volume.
  const shape: [number, number, number] = [3, 4, 5];
  const data = new Float32Array(60);
  for (let z = 0; z < 3; z++)
    for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) data[(z * 4 + y) * 5 + x] = z * 100 + y * 10 + x;
  const volume = createVolume(data, shape);

  it('is the median of the 3×3×3 means at the confident maxima, boxes clipped at borders', () => {
    const maxima = [
      { z: 1, y: 1, x: 1, score: 0.9 }, // inner: 111
      { z: 1.2, y: 2.4, x: 2.6, score: 0.85 }, // rounds to (1, 2, 3): 123
      { z: 0, y: 0, x: 0, score: 0.95 }, // corner: box z 0–1, y 0–1, x 0–1 → mean 50 + 5 + 0.5 = 55.5
      { z: 2, y: 3, x: 4, score: 0.99 }, // far corner: z 1–2, y 2–3, x 3–4 → 150 + 25 + 3.5 = 178.5
      { z: 1, y: 2, x: 2, score: 0.5 }, // below the confidence: ignored
    ];
    // Sorted means 55.5, 111, 123, 178.5 → median (111 + 123) / 2.
    expect(volumeSignal(volume, maxima, { confidence: 0.8, minSpots: 4 })).toBeCloseTo(117, 5);
    expect(volumeSignal(volume, maxima.slice(0, 3), { confidence: 0.8, minSpots: 3 })).toBeCloseTo(111, 5);
  });

  it('is undefined with fewer confident maxima than minSpots, or none', () => {
    const maxima = [
      { z: 1, y: 1, x: 1, score: 0.9 },
      { z: 1, y: 2, x: 2, score: 0.79 },
    ];
    expect(volumeSignal(volume, maxima, { confidence: 0.8, minSpots: 2 })).toBeUndefined();
    expect(volumeSignal(volume, [], { confidence: 0.8, minSpots: 1 })).toBeUndefined();
    expect(volumeSignal(volume, maxima, { confidence: 0.8, minSpots: 1 })).toBeCloseTo(111, 5);
  });

  it('works on a single slice, and refuses NaN in the input', () => {
    const plane = createVolume(new Float32Array([1, 2, 3, 4]), [1, 2, 2]);
    expect(
      volumeSignal(plane, [{ z: 0, y: 0, x: 0, score: 1 }], { confidence: 0.5, minSpots: 1 }),
    ).toBeCloseTo(2.5, 6);
    const bad = createVolume(new Float32Array([1, Number.NaN, 3, 4]), [1, 2, 2]);
    expect(() => volumeSignal(bad, [], { confidence: 0.5, minSpots: 1 })).toThrow(PostprocessError);
  });
});

describe('thresholdForSignal', () => {
  const rule = { knots: [1, 2, 4], thresholds: [0.4, 0.6, 0.9] };
  it('interpolates linearly between knots and clamps outside', () => {
    expect(thresholdForSignal(rule, 1.5, 0.5)).toBeCloseTo(0.5, 12);
    expect(thresholdForSignal(rule, 3, 0.5)).toBeCloseTo(0.75, 12);
    expect(thresholdForSignal(rule, 2, 0.5)).toBeCloseTo(0.6, 12);
    expect(thresholdForSignal(rule, 0.1, 0.5)).toBe(0.4);
    expect(thresholdForSignal(rule, 40, 0.5)).toBe(0.9);
    expect(thresholdForSignal({ knots: [3], thresholds: [0.7] }, 1, 0.5)).toBe(0.7);
  });
  it('adds zoomSlope × logZoom, kept within [0.01, 0.999]', () => {
    const zoomed = { ...rule, zoomSlope: 0.05 };
    expect(thresholdForSignal(zoomed, 3, 0.5, 2)).toBeCloseTo(0.85, 12);
    expect(thresholdForSignal(zoomed, 3, 0.5, -1)).toBeCloseTo(0.7, 12);
    expect(thresholdForSignal(zoomed, 3, 0.5)).toBeCloseTo(0.75, 12);
    expect(thresholdForSignal(zoomed, 40, 0.5, 4)).toBe(0.999);
    expect(thresholdForSignal(zoomed, 0.1, 0.5, -20)).toBe(0.01);
    // Without a signal the fallback, unshifted.
    expect(thresholdForSignal(zoomed, undefined, 0.5, 2)).toBe(0.5);
  });
  it('falls back without a signal', () => {
    expect(thresholdForSignal(rule, undefined, 0.55)).toBe(0.55);
    expect(thresholdForSignal(rule, Number.NaN, 0.55)).toBe(0.55);
  });
  it("takes the rule's own fallback, where it has one, over the model's threshold", () => {
    const sparse = { ...rule, fallback: 0.6, zoomSlope: 0.05 };
    expect(thresholdForSignal(sparse, undefined, 0.7)).toBe(0.6);
    expect(thresholdForSignal(sparse, undefined, 0.7, 2)).toBe(0.6);
    expect(thresholdForSignal(sparse, 3, 0.7)).toBeCloseTo(0.75, 12);
  });
});

describe('crowded volumes', () => {
  const rule = {
    knots: [1, 2, 4],
    thresholds: [0.4, 0.6, 0.9],
    fallback: 0.6,
    zoomSlope: 0.05,
    crowded: { below: 1.5, score: 0.3, density: 100, threshold: 0.2 },
  };
  it('maximaDensity counts the maxima at or above the score per million voxels', () => {
    const maxima = [{ score: 0.3 }, { score: 0.29 }, { score: 0.9 }, { score: 0.31 }];
    expect(maximaDensity(maxima, 0.3, 30_000)).toBeCloseTo(100, 9); // 3 of 4 in 0.03 M voxels
    expect(maximaDensity(maxima, 0.95, 30_000)).toBe(0);
    expect(maximaDensity([], 0.3, 1000)).toBe(0);
    expect(maximaDensity(maxima, 0.3, 0)).toBe(0);
  });
  it('a faint volume at or above the density takes the branch threshold, unshifted by the zoom', () => {
    expect(thresholdForSignal(rule, 1.2, 0.7, 2, 100)).toBe(0.2);
    expect(thresholdForSignal(rule, 0.5, 0.7, 0, 5000)).toBe(0.2);
  });
  it('a faint sparse volume, a brighter crowded one, or one without a density takes the knots', () => {
    expect(thresholdForSignal(rule, 1.2, 0.7, 0, 99.9)).toBeCloseTo(0.44, 12);
    expect(thresholdForSignal(rule, 1.5, 0.7, 0, 5000)).toBeCloseTo(0.5, 12);
    expect(thresholdForSignal(rule, 1.2, 0.7)).toBeCloseTo(0.44, 12);
  });
  it('a volume without a signal takes the fallback, however crowded', () => {
    expect(thresholdForSignal(rule, undefined, 0.7, 0, 5000)).toBe(0.6);
  });
  it('isCrowded: signal below the cut and density at least the branch', () => {
    expect(isCrowded(rule, 1.2, 100)).toBe(true);
    expect(isCrowded(rule, 1.5, 100)).toBe(false);
    expect(isCrowded(rule, 1.2, 99)).toBe(false);
    expect(isCrowded(rule, undefined, 100)).toBe(false);
    expect(isCrowded(rule, 1.2, undefined)).toBe(false);
    expect(isCrowded({}, 1.2, 100)).toBe(false);
  });
});

describe('cluttered volumes', () => {
  const rule = {
    knots: [1, 2],
    thresholds: [0.4, 0.6],
    fallback: 0.65,
    zoomSlope: 0.05,
    clutter: { score: 0.5, ratio: 0.5, slope: 0.1, from: 0.45 },
  };
  it('clutterRaiseHolds: the raised threshold keeps at least a tenth of what the unraised one keeps', () => {
    const maxima = [0.95, 0.72, 0.7, 0.7, 0.68, 0.66, 0.65, 0.64, 0.62, 0.61, 0.3].map((score) => ({
      score,
    }));
    // 10 maxima at ≥ 0.6; at 0.9 one of them: exactly a tenth holds, none does not.
    expect(clutterRaiseHolds(maxima, 0.9, 0.6)).toBe(true);
    expect(clutterRaiseHolds(maxima.slice(1), 0.9, 0.6)).toBe(false);
    expect(clutterRaiseHolds(maxima, 0.9, 0.6, 0.2)).toBe(false); // 1 of 10 < 0.2
    expect(clutterRaiseHolds(maxima, 0.71, 0.6, 0.2)).toBe(true); // 2 of 10
    // Nothing at the unraised threshold: nothing to take away.
    expect(clutterRaiseHolds([{ score: 0.3 }], 0.9, 0.6)).toBe(true);
    expect(clutterRaiseHolds([], 0.9, 0.6)).toBe(true);
  });

  it('maximaClutter: maxima in [score, confidence) per confident one', () => {
    const maxima = [0.49, 0.5, 0.6, 0.79, 0.8, 0.95, 0.3].map((score) => ({ score }));
    expect(maximaClutter(maxima, 0.5, 0.8)).toBe(1.5); // 0.5, 0.6, 0.79 over 0.8, 0.95
    expect(maximaClutter(maxima, 0.25, 0.8)).toBe(2.5);
    expect(maximaClutter([{ score: 0.6 }, { score: 0.7 }], 0.5, 0.8)).toBe(2); // none confident: the count
    expect(maximaClutter([{ score: 0.9 }], 0.5, 0.8)).toBe(0);
    expect(maximaClutter([], 0.5, 0.8)).toBe(0);
  });
  it('raises a threshold of at least `from` by slope × log2(clutter / ratio), to at most 0.95', () => {
    // Signal 2: 0.6; clutter 2 = 4 × the ratio → + 0.1 × 2.
    expect(thresholdForSignal(rule, 2, 0.7, 0, undefined, 2)).toBeCloseTo(0.8, 12);
    // With the zoom term first: 0.6 + 0.05 × 1 = 0.65, then + 0.1 × log2(3) .
    expect(thresholdForSignal(rule, 2, 0.7, 1, undefined, 1.5)).toBeCloseTo(0.65 + 0.1 * Math.log2(3), 12);
    // Capped at 0.95: 0.6 + 0.1 × log2(1024) = 1.6.
    expect(thresholdForSignal(rule, 2, 0.7, 0, undefined, 512)).toBe(0.95);
  });
  it('leaves a volume enlarged more than maxLogZoom alone', () => {
    const gated = { ...rule, clutter: { ...rule.clutter, maxLogZoom: 1 } };
    expect(thresholdForSignal(gated, 2, 0.7, 1, undefined, 2)).toBeCloseTo(0.65 + 0.2, 12); // at the gate
    expect(thresholdForSignal(gated, 2, 0.7, 1.01, undefined, 2)).toBeCloseTo(0.6 + 0.05 * 1.01, 12);
    expect(thresholdForSignal(gated, 2, 0.7, -2, undefined, 2)).toBeCloseTo(0.5 + 0.2, 12); // shrunk
  });
  it('leaves a threshold below `from`, clutter at or below the ratio, no clutter and no signal alone', () => {
    expect(thresholdForSignal(rule, 1, 0.7, 0, undefined, 8)).toBeCloseTo(0.4, 12); // 0.4 < from
    expect(thresholdForSignal(rule, 1.25, 0.7, 0, undefined, 2)).toBeCloseTo(0.45 + 0.2, 12); // 0.45: at from
    expect(thresholdForSignal(rule, 2, 0.7, 0, undefined, 0.5)).toBeCloseTo(0.6, 12);
    expect(thresholdForSignal(rule, 2, 0.7, 0, undefined, 0)).toBeCloseTo(0.6, 12);
    expect(thresholdForSignal(rule, 2, 0.7)).toBeCloseTo(0.6, 12);
    expect(thresholdForSignal(rule, undefined, 0.7, 0, undefined, 8)).toBe(0.65);
    expect(
      thresholdForSignal({ ...rule, clutter: { ...rule.clutter, from: 0.97 } }, 2, 0.7, 7, undefined, 8),
    ).toBeCloseTo(0.95, 12); // 0.6 + 0.35 = 0.95 < from: the zoomed threshold alone
  });
});

describe('checkThresholdRule', () => {
  const good = { kind: 'signal', confidence: 0.8, minSpots: 5, knots: [1, 2], thresholds: [0.5, 0.7] };
  const crowded = { below: 0.15, score: 0.3, density: 130, threshold: 0.25 };
  const clutter = { score: 0.5, ratio: 0.35, slope: 0.1, from: 0.45 };
  it('accepts a valid rule and names the field at fault otherwise', () => {
    expect(checkThresholdRule(good)).toEqual(good);
    expect(checkThresholdRule({ ...good, fallback: 0.6 })).toEqual({ ...good, fallback: 0.6 });
    expect(checkThresholdRule({ ...good, crowded })).toEqual({ ...good, crowded });
    expect(checkThresholdRule({ ...good, clutter })).toEqual({ ...good, clutter });
    const gated = { ...clutter, maxLogZoom: 1 };
    expect(checkThresholdRule({ ...good, clutter: gated })).toEqual({ ...good, clutter: gated });
    const bad: [unknown, RegExp][] = [
      [{ ...good, kind: 'snr' }, /kind must be 'signal'/],
      [null, /kind must be 'signal'/],
      [{ ...good, confidence: 1 }, /confidence must be a number in \(0, 1\)/],
      [{ ...good, minSpots: 0 }, /minSpots must be a positive integer/],
      [{ ...good, knots: [2, 2] }, /knots must be strictly increasing/],
      [{ ...good, knots: [1, Number.NaN] }, /knots must be a non-empty list of finite numbers/],
      [{ ...good, knots: [] }, /knots must be a non-empty list/],
      [{ ...good, thresholds: [0.5] }, /thresholds must be one number in \(0, 1\) per knot/],
      [{ ...good, thresholds: [0.5, 1.2] }, /thresholds must be one number in \(0, 1\) per knot/],
      [{ ...good, zoomSlope: 'steep' }, /zoomSlope must be a finite number when given/],
      [{ ...good, fallback: 0 }, /fallback must be a number in \(0, 1\) when given/],
      [{ ...good, fallback: '0.6' }, /fallback must be a number in \(0, 1\) when given/],
      [{ ...good, crowded: { ...crowded, score: 1 } }, /crowded must be \{ below/],
      [{ ...good, crowded: { ...crowded, threshold: 0 } }, /crowded must be \{ below/],
      [{ ...good, crowded: { ...crowded, density: -1 } }, /crowded must be \{ below/],
      [{ ...good, crowded: { ...crowded, below: Number.NaN } }, /crowded must be \{ below/],
      [{ ...good, crowded: null }, /crowded must be \{ below/],
      [{ ...good, clutter: { ...clutter, score: 0.8 } }, /clutter must be \{ score: \(0, confidence\)/],
      [{ ...good, clutter: { ...clutter, ratio: 0 } }, /clutter must be \{ score/],
      [{ ...good, clutter: { ...clutter, slope: -0.1 } }, /clutter must be \{ score/],
      [{ ...good, clutter: { ...clutter, from: Number.NaN } }, /clutter must be \{ score/],
      [{ ...good, clutter: null }, /clutter must be \{ score/],
      [{ ...good, clutter: { ...clutter, maxLogZoom: '1' } }, /clutter must be \{ score/],
    ];
    for (const [rule, message] of bad) {
      expect(() => checkThresholdRule(rule, 'model.json thresholdRule')).toThrow(message);
      expect(() => checkThresholdRule(rule, 'model.json thresholdRule')).toThrow(
        /^model\.json thresholdRule: /,
      );
    }
  });
});
