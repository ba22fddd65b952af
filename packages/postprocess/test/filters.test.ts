import { createVolume, type Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import { reflectIndex } from '../src/convolve';
import {
  detectSEF3D,
  gaussianFilter3D,
  gaussianKernel1d,
  laplacianOfGaussian,
  median,
  robustNoise,
} from '../src/index';
import ref from './fixtures/reference.json';

describe('laplacianOfGaussian against scipy gaussian_laplace', () => {
  it.each(ref.log.map((c) => [`${c.shape.join('x')} sigma ${c.sigma.join(',')}`, c] as const))(
    '%s',
    (_, c) => {
      const v = createVolume(Float32Array.from(c.data), c.shape as unknown as Vec3);
      const got = laplacianOfGaussian(v, { sigmaZ: c.sigma[0]!, sigmaXY: c.sigma[1]! }).data;
      let worst = 0;
      const scale = Math.max(...c.log.map(Math.abs));
      c.log.forEach((want, i) => {
        worst = Math.max(worst, Math.abs((got[i] as number) - want));
      });
      expect(worst / scale).toBeLessThan(2e-6);
    },
  );

  it('uses scipy kernels and reflect indexing', () => {
    const k = gaussianKernel1d(1, 0);
    expect(k).toHaveLength(9);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const d2 = gaussianKernel1d(1.5, 2);
    expect(d2).toHaveLength(13);
    expect(d2[6]).toBeLessThan(0);
    expect([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => reflectIndex(i, 3))).toEqual([
      2, 1, 0, 0, 1, 2, 2, 1, 0, 0,
    ]);
    expect(reflectIndex(-7, 1)).toBe(0);
  });
});

describe('gaussianFilter3D against scipy gaussian_filter', () => {
  it.each(ref.gauss.map((c) => [`${c.shape.join('x')} sigma ${c.sigma.join(',')}`, c] as const))(
    '%s',
    (_, c) => {
      const data = Float32Array.from(c.data);
      const v = createVolume(data, c.shape as unknown as Vec3);
      const got = gaussianFilter3D(v, { sigmaZ: c.sigma[0]!, sigmaXY: c.sigma[1]! }).data;
      let worst = 0;
      c.smooth.forEach((want, i) => {
        worst = Math.max(worst, Math.abs((got[i] as number) - want));
      });
      expect(worst).toBeLessThan(1e-6);
      expect(v.data).toEqual(Float32Array.from(c.data)); // the input is left alone
    },
  );

  it('keeps a constant volume, spreads NaN, and refuses a bad sigma', () => {
    const flat = gaussianFilter3D(createVolume(new Float32Array(2 * 3 * 4).fill(7), [2, 3, 4]), {
      sigmaXY: 1,
      sigmaZ: 1,
    });
    for (const v of flat.data) expect(v).toBeCloseTo(7, 5);
    const withNaN = new Float32Array(1 * 1 * 9);
    withNaN[4] = Number.NaN;
    const out = gaussianFilter3D(createVolume(withNaN, [1, 1, 9]), { sigmaXY: 0.5, sigmaZ: 0 }).data;
    expect(Number.isNaN(out[4])).toBe(true);
    expect(Number.isNaN(out[3])).toBe(true); // radius ⌊4·0.5 + 0.5⌋ = 2
    expect(Number.isNaN(out[1])).toBe(false);
    const unit = createVolume(new Float32Array(8), [2, 2, 2]);
    expect(() => gaussianFilter3D(unit, { sigmaXY: -1, sigmaZ: 1 })).toThrow(
      /sigmaXY must be a finite number >= 0/,
    );
    expect(() => gaussianFilter3D(unit, { sigmaXY: 1, sigmaZ: Number.NaN })).toThrow(/sigmaZ/);
  });
});

describe('median and robustNoise', () => {
  it('match hand values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    // values 1..9: median 5, |dev| = 4,3,2,1,0,1,2,3,4 -> MAD 2
    expect(robustNoise([1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual({ median: 5, sigma: 1.4826 * 2 });
  });

  it('quickselect agrees with sorting on random data with duplicates', () => {
    let s = 1;
    const rand = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return Math.floor((s / 2 ** 32) * 50);
    };
    // Below 16,384 values a select on a copy, from there a histogram: both, and the boundary.
    for (const n of [1, 2, 7, 100, 1001, 16383, 16384, 20000, 20001]) {
      const a = Array.from({ length: n }, (_, i) => (i % 3 ? rand() : rand() + rand() / 64));
      const before = [...a];
      const sorted = [...a].sort((x, y) => x - y);
      const want =
        n % 2 ? sorted[(n - 1) / 2] : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
      expect(median(a)).toBe(want);
      expect(median(Float32Array.from(a))).toBe(want);
      expect(a).toEqual(before); // the input is not reordered
    }
  });
});

describe('detectSEF3D against the same pipeline in scipy', () => {
  const c = ref.sef;
  const volume = createVolume(Uint16Array.from(c.data), c.shape as unknown as Vec3);

  it('finds the same maxima with the same scores, and the same noise level', () => {
    const { detections, noise, enhanced } = detectSEF3D(volume, {
      sigmaXY: 1.4,
      sigmaZ: 1,
      threshold: c.threshold,
      refine: 'none',
      noise: 'global',
    });
    expect(noise.median).toBeCloseTo(c.median, 4);
    expect(noise.sigma / c.sigma).toBeCloseTo(1, 4);
    expect(enhanced.shape).toEqual(volume.shape);
    const got = detections
      .map((d) => [d.z, d.y, d.x])
      .sort((p, q) => p[0]! - q[0]! || p[1]! - q[1]! || p[2]! - q[2]!);
    expect(got).toEqual(c.peaks);
    const scoreOf = new Map(detections.map((d) => [`${d.z},${d.y},${d.x}`, d.score]));
    c.peaks.forEach((p, i) => {
      expect(scoreOf.get(p.join(','))).toBeCloseTo(c.scores[i]!, 3);
    });
  });

  it('finds the simulated spots (refined positions within a voxel)', () => {
    const { detections } = detectSEF3D(volume, { threshold: 4 });
    const found = c.spots.filter(([z, y, x]) =>
      detections.some((d) => Math.hypot(d.z - z!, d.y - y!, d.x - x!) < 1.5),
    );
    expect(found.length).toBeGreaterThanOrEqual(c.spots.length - 3);
  });
});
