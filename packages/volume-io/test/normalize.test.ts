import { describe, expect, it } from 'vitest';
import { createVolume, normalizePercentile, percentiles } from '../src/index';

/** Brute force: sort, then numpy's linear interpolation between neighbouring order statistics. */
function reference(values: number[], p: number): number {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (p / 100) * (s.length - 1);
  const lo = s[Math.floor(pos)] as number;
  const hi = s[Math.ceil(pos)] as number;
  return lo + (hi - lo) * (pos - Math.floor(pos));
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('percentiles', () => {
  it('matches values numpy.percentile gives', () => {
    // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 100]) == [1, 1.75, 2.5, 4]
    expect(percentiles(Float32Array.from([4, 1, 3, 2]), [0, 25, 50, 100])).toEqual([1, 1.75, 2.5, 4]);
    // numpy.percentile([10, 7, 4, 3, 2, 1], 99.8) == 9.97
    expect(percentiles(Uint8Array.from([10, 7, 4, 3, 2, 1]), [99.8])[0]).toBeCloseTo(9.97, 10);
  });

  it('counting (uint8, uint16) and sorting (float32) agree with brute force', () => {
    const rand = lcg(7);
    for (const n of [1, 2, 3, 10, 1001]) {
      const u16 = Uint16Array.from({ length: n }, () => Math.floor(rand() * 65536));
      const u8 = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      const f32 = Float32Array.from({ length: n }, () => (rand() - 0.5) * 1e4);
      for (const data of [u16, u8, f32]) {
        const ps = [0, 1, 33.3, 50, 99.8, 100];
        const got = percentiles(data, ps);
        ps.forEach((p, i) => {
          expect(got[i]).toBeCloseTo(reference(Array.from(data), p), 3);
        });
      }
    }
  });

  it('ignores NaN like numpy.nanpercentile, and is NaN for all-NaN data', () => {
    expect(percentiles(Float32Array.from([Number.NaN, 1, 3, Number.NaN]), [50])).toEqual([2]);
    expect(percentiles(Float32Array.from([Number.NaN]), [50])).toEqual([Number.NaN]);
  });

  it('rejects percentiles outside [0, 100]', () => {
    expect(() => percentiles(Uint8Array.from([1]), [101])).toThrow(/percentile in \[0, 100\], got 101/);
    expect(() => percentiles(Uint8Array.from([1]), [Number.NaN])).toThrow(/INVALID|percentile/);
  });
});

describe('normalizePercentile', () => {
  it('maps the low percentile to 0 and the high one to 1', () => {
    const v = createVolume(
      Uint16Array.from({ length: 101 }, (_, i) => i * 10),
      [1, 1, 101],
      [1, 1, 1],
    );
    const n = normalizePercentile(v, { low: 10, high: 90 });
    expect(n.data).toBeInstanceOf(Float32Array);
    expect(n.voxelSize).toEqual([1, 1, 1]);
    expect(n.data[10]).toBeCloseTo(0, 6);
    expect(n.data[90]).toBeCloseTo(1, 6);
    expect(n.data[0]).toBeCloseTo(-0.125, 6);
    expect(n.data[100]).toBeCloseTo(1.125, 6);
    const c = normalizePercentile(v, { low: 10, high: 90, clip: true });
    expect([c.data[0], c.data[100]]).toEqual([0, 1]);
  });

  it('defaults to 1 % and 99.8 %', () => {
    const data = Float32Array.from({ length: 500 }, (_, i) => i);
    const n = normalizePercentile(createVolume(data, [5, 10, 10]));
    const [lo, hi] = percentiles(data, [1, 99.8]) as [number, number];
    expect(n.data[7]).toBeCloseTo((7 - lo) / (hi - lo), 6);
  });

  it('maps a constant volume to zeros and keeps NaN', () => {
    expect(Array.from(normalizePercentile(createVolume(new Uint8Array(8).fill(5), [2, 2, 2])).data)).toEqual(
      new Array(8).fill(0),
    );
    const n = normalizePercentile(createVolume(Float32Array.from([Number.NaN, 0, 1, 2]), [1, 2, 2]), {
      low: 0,
      high: 100,
    });
    expect(Array.from(n.data)).toEqual([Number.NaN, 0, 0.5, 1]);
  });

  it('rejects low >= high', () => {
    const v = createVolume(new Uint8Array(1), [1, 1, 1]);
    expect(() => normalizePercentile(v, { low: 50, high: 50 })).toThrow(
      /low \(50\) must be below high \(50\)/,
    );
  });
});
