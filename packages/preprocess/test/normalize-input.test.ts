import { createVolume, normalizePercentile } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NORMALIZATION, normalizeInput } from '../src/index';

describe('normalizeInput', () => {
  it("'noise': background median to 0, robust σ (1.4826 × MAD) to 1 (hand-computed)", () => {
    // median 3; absolute deviations 2, 1, 0, 1, 97, 1 → MAD 1 → σ 1.4826
    const v = createVolume(new Uint16Array([1, 2, 3, 4, 100, 3]), [1, 2, 3]);
    const out = normalizeInput(v, { method: 'noise' });
    const expected = [1, 2, 3, 4, 100, 3].map((x) => (x - 3) / 1.4826);
    for (const [i, x] of Array.from(out.data).entries()) expect(x).toBeCloseTo(expected[i] as number, 5);
    expect(out.shape).toEqual([1, 2, 3]);
  });

  it("'noise' ignores NaN (which stays NaN) and maps a flat or all-NaN volume to zeros or NaN", () => {
    const v = createVolume(new Float32Array([Number.NaN, 5, 7, 9, Number.NaN, 6]), [1, 2, 3]);
    // finite 5, 6, 7, 9: median 6.5, deviations 1.5, 0.5, 0.5, 2.5 → MAD 1
    const out = Array.from(normalizeInput(v, { method: 'noise' }).data);
    expect(Number.isNaN(out[0])).toBe(true);
    expect(Number.isNaN(out[4])).toBe(true);
    expect(out[1]).toBeCloseTo((5 - 6.5) / 1.4826, 5);
    expect(out[3]).toBeCloseTo((9 - 6.5) / 1.4826, 5);
    expect(
      Array.from(
        normalizeInput(createVolume(new Uint8Array(8).fill(4), [2, 2, 2]), { method: 'noise' }).data,
      ),
    ).toEqual(new Array(8).fill(0));
    const allNaN = normalizeInput(createVolume(new Float32Array(4).fill(Number.NaN), [1, 2, 2]), {
      method: 'noise',
    });
    expect(Array.from(allNaN.data).every(Number.isNaN)).toBe(true);
  });

  it('percentiles, as given or by default, are normalizePercentile', () => {
    const v = createVolume(
      Uint16Array.from({ length: 60 }, (_, i) => (i * 37) % 101),
      [3, 4, 5],
    );
    expect(Array.from(normalizeInput(v, DEFAULT_NORMALIZATION).data)).toEqual(
      Array.from(normalizePercentile(v).data),
    );
    expect(Array.from(normalizeInput(v, { method: 'percentile', low: 5, high: 95 }).data)).toEqual(
      Array.from(normalizePercentile(v, { low: 5, high: 95 }).data),
    );
  });

  it('names an unknown method', () => {
    const v = createVolume(new Uint8Array(8), [2, 2, 2]);
    expect(() => normalizeInput(v, { method: 'zscore' } as never)).toThrow(
      /'percentile', 'noise', 'spots' or 'background', got "zscore"/,
    );
    // a percentile normalisation without its percentiles is refused, not silently defaulted
    expect(() => normalizeInput(v, { low: 1 } as never)).toThrow(
      /percentiles \{ low, high \}.*got \{"low":1\}/,
    );
    expect(() => normalizeInput(v, { low: 5, high: 1 })).toThrow(/low \(5\) must be below high \(1\)/);
  });
});
