import { simulateVolume } from '@dmdet/simulate';
import { createVolume, percentiles, type Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import { normalizeInput, spotReference } from '../src/index';

/** Brute force: the 3D Gaussian smoothing as one triple sum (scipy 'reflect', radius ⌊4σ + 0.5⌋). */
function smoothBrute(data: ArrayLike<number>, [Z, Y, X]: Vec3, sigma: number): Float64Array {
  const r = Math.floor(4 * sigma + 0.5);
  const w = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = w.reduce((a, b) => a + b, 0);
  const reflect = (i: number, n: number) => {
    let m = ((i % (2 * n)) + 2 * n) % (2 * n);
    if (m >= n) m = 2 * n - 1 - m;
    return m;
  };
  const out = new Float64Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        let acc = 0;
        for (let a = -r; a <= r; a++)
          for (let b = -r; b <= r; b++)
            for (let c = -r; c <= r; c++)
              acc +=
                ((w[a + r] as number) *
                  (w[b + r] as number) *
                  (w[c + r] as number) *
                  (data[(reflect(z + a, Z) * Y + reflect(y + b, Y)) * X + reflect(x + c, X)] as number)) /
                sum ** 3;
        out[(z * Y + y) * X + x] = acc;
      }
  return out;
}

const sorted = (a: ArrayLike<number>) => Array.from(a).sort((p, q) => p - q);
const medianOf = (a: number[]) => {
  const s = sorted(a);
  const n = s.length;
  return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
};

/** Brute force of spotReference: sorts for the medians, scans each voxel's ±1 / ±2 / ±2 window for maxima. */
function referenceBrute(data: ArrayLike<number>, shape: Vec3, sigma: number, cut: number) {
  const [Z, Y, X] = shape;
  const s = smoothBrute(data, shape, sigma);
  const m = medianOf(Array.from(s));
  const sd = 1.4826 * medianOf(Array.from(s, (v) => Math.abs(v - m)));
  const floor = m + cut * sd;
  const peaks: number[] = [];
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const v = s[(z * Y + y) * X + x] as number;
        if (v < floor) continue;
        let top = true;
        for (let a = Math.max(0, z - 1); a <= Math.min(Z - 1, z + 1) && top; a++)
          for (let b = Math.max(0, y - 2); b <= Math.min(Y - 1, y + 2) && top; b++)
            for (let c = Math.max(0, x - 2); c <= Math.min(X - 1, x + 2); c++)
              if ((s[(a * Y + b) * X + c] as number) > v) {
                top = false;
                break;
              }
        if (top) peaks.push(v);
      }
  const reference = peaks.length ? Math.max(medianOf(peaks), floor) : floor;
  return { offset: medianOf(Array.from(data)), scale: reference - m, peaks: peaks.length };
}

describe("spotReference ('spots' normalisation)", () => {
  it('matches a brute-force version on simulated volumes (sparse, dense, no spots, one slice)', () => {
    const cases = [
      { shape: [5, 24, 28] as Vec3, count: 3, snr: 4, seed: 1 },
      { shape: [5, 24, 28] as Vec3, count: 25, snr: 2, seed: 2 },
      { shape: [4, 20, 20] as Vec3, count: 0, snr: 2, seed: 3 },
      { shape: [1, 30, 30] as Vec3, count: 4, snr: 7, seed: 4 },
    ];
    for (const c of cases) {
      const { volume } = simulateVolume(c);
      for (const [sigma, cut] of [
        [1, 7],
        [1.5, 4],
      ] as const) {
        const want = referenceBrute(volume.data, c.shape, sigma, cut);
        const got = spotReference(volume, { sigma, cut });
        expect(got.offset).toBe(want.offset);
        expect(got.scale).toBeCloseTo(want.scale, 4);
        if (c.count === 0 && cut === 7) expect(want.peaks).toBe(0); // the floor case is covered
      }
    }
  });

  it('does not move with the particle count (a 99.99th percentile does)', () => {
    const shape: Vec3 = [10, 64, 64];
    const ref = (count: number, seed: number) => {
      const { volume } = simulateVolume({ shape, count, snr: 4, seed });
      const [median, p9999] = percentiles(volume.data, [50, 99.99]) as [number, number];
      return { spots: spotReference(volume).scale, percentile: p9999 - median };
    };
    const sparse = [1, 2, 3, 4].map((s) => ref(3, s));
    const dense = [1, 2, 3, 4].map((s) => ref(40, s));
    const ratio = (key: 'spots' | 'percentile') =>
      sparse.reduce((a, r) => a + r[key], 0) / dense.reduce((a, r) => a + r[key], 0);
    expect(Math.abs(ratio('spots') - 1)).toBeLessThan(0.08);
    expect(ratio('percentile')).toBeLessThan(0.8);
  });

  it('normalizeInput maps the offset to 0 and offset + scale to 1; NaN stays NaN; flat → zeros', () => {
    const { volume } = simulateVolume({ shape: [4, 20, 24], count: 6, snr: 4, seed: 5 });
    const { offset, scale } = spotReference(volume);
    const out = normalizeInput(volume, { method: 'spots' });
    for (let i = 0; i < 50; i++)
      expect(out.data[i]).toBeCloseTo(((volume.data[i] as number) - offset) / scale, 5);
    const flat = normalizeInput(createVolume(new Uint16Array(2 * 3 * 4).fill(9), [2, 3, 4]), {
      method: 'spots',
    });
    expect(Array.from(flat.data)).toEqual(new Array(24).fill(0));
    const withNaN = Float32Array.from(volume.data);
    withNaN[7] = Number.NaN;
    const n = normalizeInput(createVolume(withNaN, volume.shape), { method: 'spots' });
    expect(Number.isNaN(n.data[7])).toBe(true);
    expect(n.data.filter(Number.isNaN).length).toBe(1);
    expect(() => normalizeInput(volume, { method: 'spots', cut: 0 })).toThrow(
      /normalization.cut must be a number > 0/,
    );
    expect(() => normalizeInput(volume, { method: 'spots', sigma: Number.NaN })).toThrow(
      /normalization.sigma/,
    );
  });
});
