import { describe, expect, it } from 'vitest';
import {
  CENSORED_FROM,
  CENSORED_UP_TO,
  censoredNormalFit,
  imputeBelowClip,
  normalCdf,
  normalQuantile,
} from '../src/censored-normal';

/** Seeded standard normal draws (Park–Miller uniform, Box–Muller). */
function normals(n: number, seed: number): Float64Array {
  let s = seed;
  const uniform = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return Float64Array.from(
    { length: n },
    () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()),
  );
}

describe('normalQuantile', () => {
  it('matches scipy.stats.norm.ppf to 1e-8 (relative), in the centre and both tails', () => {
    // /usr/bin/python3 -c "from scipy.stats import norm; print([norm.ppf(p) for p in (...)])"
    const scipy: [number, number][] = [
      [0.975, 1.959963984540054],
      [0.75, 0.6744897501960817],
      [0.6, 0.2533471031357997],
      [0.1, -1.2815515655446004],
      [0.01, -2.3263478740408408],
      [1e-6, -4.753424308822899],
      [0.99999, 4.264890793923841],
    ];
    for (const [p, q] of scipy) expect(Math.abs(normalQuantile(p) - q)).toBeLessThan(1e-8 * Math.abs(q));
    expect(normalQuantile(0.5)).toBe(0);
  });

  it('is ±Infinity at 0 and 1 and NaN outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(Number.NaN)).toBeNaN();
  });
});

describe('censoredNormalFit', () => {
  const z = normals(200_000, 12345);
  // The clip as stored in float32, as a volume holds it (the transform takes it from the data).
  const draw = (mean: number, sigma: number, clip: number) =>
    Float32Array.from(z, (v) => Math.max(Math.fround(clip), mean + sigma * v));
  const fit = (mean: number, sigma: number, clip: number) =>
    censoredNormalFit(draw(mean, sigma, clip), Math.fround(clip));

  it('recovers the mean and σ of a normal clipped at its 30th to 75th percentile', () => {
    // Clip at mean + σ·k: clipped fractions Φ(k) = 0.31, 0.50, 0.69, 0.75.
    for (const k of [-0.5, 0, 0.5, 0.674]) {
      const normal = fit(40, 3, 40 + 3 * k);
      expect(normal).toBeDefined();
      expect(Math.abs((normal?.mean as number) - 40)).toBeLessThan(0.03 * 3);
      expect(Math.abs((normal?.sigma as number) - 3)).toBeLessThan(0.03 * 3);
    }
  });

  it('where the median absolute deviation is wrong: a normal clipped at its median has a MAD of 0', () => {
    const v = draw(0, 2, 0);
    const sorted = Float32Array.from(v).sort();
    const median = sorted[sorted.length >> 1] as number;
    const mad = Float32Array.from(sorted, (x) => Math.abs(x - median)).sort()[sorted.length >> 1] as number;
    expect(mad).toBe(0);
    expect(censoredNormalFit(v, 0)?.sigma).toBeCloseTo(2, 1);
  });

  it(`leaves alone blocks clipped at most ${CENSORED_FROM}, above ${CENSORED_UP_TO}, or with equal quartiles`, () => {
    expect(fit(0, 1, -0.8)).toBeUndefined(); // Φ(−0.8) = 0.21 clipped
    expect(fit(0, 1, 1.4)).toBeUndefined(); // Φ(1.4) = 0.92 clipped
    expect(fit(0, 1, 1.2)?.sigma).toBeCloseTo(1, 1); // Φ(1.2) = 0.885: still fitted
    // Photon counting, 0.3 photon per voxel: 74 % zeros and the rest nearly all 1 (both quartiles 1).
    const counts = Float32Array.from({ length: 1000 }, (_, i) => (i < 740 ? 0 : i < 963 ? 1 : 2));
    expect(censoredNormalFit(counts, 0)).toBeUndefined();
    expect(censoredNormalFit(new Float32Array(0), 0)).toBeUndefined();
  });

  it('takes values at or below the clip as clipped', () => {
    // 4 of 8 at or below 0: p0 = 0.5, quartiles of the rest at a = 0.625 and b = 0.875 (positions 4.375 and 6.125).
    const v = Float32Array.from([-1, 0, 0, 0, 1, 2, 3, 4]);
    const fit = censoredNormalFit(v, 0);
    const qa = 1 + 0.375 * 1;
    const qb = 3 + 0.125 * 1;
    const sigma = (qb - qa) / (1.1503493803760079 - 0.31863936396437514); // scipy norm.ppf(0.875), (0.625)
    expect(fit?.sigma).toBeCloseTo(sigma, 7);
    expect(fit?.mean).toBeCloseTo(qa - sigma * 0.31863936396437514, 7);
  });
});

describe('normalCdf', () => {
  it('matches scipy.stats.norm.cdf to 2e-7 (relative), deep in the lower tail too', () => {
    // /usr/bin/python3 -c "from scipy.stats import norm; print([norm.cdf(x) for x in (...)])"
    const scipy: [number, number][] = [
      [-8, 6.22096057427174e-16],
      [-5, 2.866515718791933e-7],
      [-2.5, 0.006209665325776132],
      [-1, 0.15865525393145707],
      [-0.3, 0.3820885778110474],
      [0, 0.5],
      [0.5, 0.6914624612740131],
      [1.7, 0.955434537241457],
      [3, 0.9986501019683699],
      [6, 0.9999999990134123],
    ];
    for (const [x, p] of scipy) expect(Math.abs(normalCdf(x) - p)).toBeLessThan(2e-7 * p);
  });

  it('inverts normalQuantile', () => {
    for (const p of [1e-9, 0.003, 0.2, 0.5, 0.77, 0.999])
      expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 6);
  });
});

describe('imputeBelowClip', () => {
  it('gives the clipped voxels the normal below the clip: the whole volume is the normal again', () => {
    const n = 100_000;
    const z = normals(n, 777);
    const clip = 10;
    const data = Float32Array.from(z, (v) => Math.max(clip, 10 + 4 * v)); // clipped at the mean: half
    const { data: out, drawn } = imputeBelowClip(
      data,
      { background: new Float32Array(n).fill(10), noise: new Float32Array(n).fill(4) },
      clip,
      new Float32Array(n).fill(1),
    );
    let sum = 0;
    let sq = 0;
    let below = 0;
    for (let i = 0; i < n; i++) {
      const r = ((out[i] as number) - 10) / 4;
      sum += r;
      sq += r * r;
      if ((data[i] as number) > clip) expect(out[i]).toBe(data[i]);
      else {
        expect(out[i]).toBeLessThanOrEqual(clip);
        if (r < -1) below++;
      }
    }
    expect(drawn).toBe(data.filter((v) => v <= clip).length);
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(Math.sqrt(sq / n - (sum / n) ** 2) - 1)).toBeLessThan(0.02);
    expect(Math.abs(below / n - normalCdf(-1))).toBeLessThan(0.01);
    // The same input gives the same copy.
    const { data: again } = imputeBelowClip(
      data,
      { background: new Float32Array(n).fill(10), noise: new Float32Array(n).fill(4) },
      clip,
      new Float32Array(n).fill(1),
    );
    expect(again).toEqual(out);
  });

  it('leaves voxels of weight below 0.5, of zero noise, and above the clip as they are', () => {
    const data = Float32Array.from([0, 0, 0, 5]);
    const { data: out, drawn } = imputeBelowClip(
      data,
      { background: [1, 1, 1, 1], noise: [2, 0, 2, 2] },
      0,
      [0.4, 1, 0.5, 1],
    );
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    expect(out[2]).toBeLessThan(0);
    expect(out[3]).toBe(5);
    expect(drawn).toBe(1);
  });
});
