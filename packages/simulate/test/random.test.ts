import { describe, expect, it } from 'vitest';
import { deriveSeed, poisson, Random } from '../src/index';
import { logGamma, PoissonTable } from '../src/poisson';
import { erfc, gaussianFactors } from '../src/psf';
import { chiSquareCritical001, reference } from './reference';

describe('Random (xoshiro128**)', () => {
  it.each(Object.entries(reference.uint32))(
    'seed %s matches the Python reference implementation',
    (seed, want) => {
      const rng = new Random(Number(seed));
      expect(want.map(() => rng.uint32())).toEqual(want);
    },
  );

  it('gives uniform floats in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = new Random(9);
    const n = 200000;
    let s = 0;
    let s2 = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.float();
      s += u;
      s2 += u * u;
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(s / n - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(s2 / n - (s / n) ** 2).toBeCloseTo(1 / 12, 3);
  });

  it('gives standard normals', () => {
    const rng = new Random(4);
    const n = 200000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = rng.normal();
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(s2 / n).toBeCloseTo(1, 2);
  });

  it('derives distinct per-sample seeds deterministically', () => {
    const seeds = Array.from({ length: 1000 }, (_, i) => deriveSeed(7, i));
    expect(new Set(seeds).size).toBe(1000);
    expect(deriveSeed(7, 3)).toBe(seeds[3]);
    expect(deriveSeed(8, 3)).not.toBe(seeds[3]);
  });
});

describe('logGamma and erfc', () => {
  it.each(Object.entries(reference.logGamma))('lnΓ(%s) matches scipy', (x, want) => {
    expect(logGamma(Number(x))).toBeCloseTo(want, 9);
  });
  it.each(Object.entries(reference.erfc))('erfc(%s) matches scipy within 1.2e-7 relative', (x, want) => {
    expect(Math.abs(erfc(Number(x)) - want)).toBeLessThanOrEqual(1.2e-7 * Math.abs(want) + 1e-15);
  });
  it('integrated Gaussian factors sum to sqrt(2π)σ, sampled ones peak at 1', () => {
    const f = gaussianFactors(20.3, 1.4, 0, 40, 'integrated');
    expect(f.reduce((a, b) => a + b, 0)).toBeCloseTo(Math.sqrt(2 * Math.PI) * 1.4, 6);
    expect(gaussianFactors(5, 1, 0, 10, 'sampled')[5]).toBe(1);
  });
});

/** Chi-square statistic of `n` draws against exact probabilities, bins with expected count < 5 pooled. */
function chiSquare(draw: () => number, pmf: number[], n: number): { stat: number; df: number } {
  const counts = new Float64Array(pmf.length + 1);
  for (let i = 0; i < n; i++) {
    const k = Math.min(draw(), pmf.length);
    counts[k] = (counts[k] as number) + 1;
  }
  const probs = [...pmf, Math.max(0, 1 - pmf.reduce((a, b) => a + b, 0))];
  let stat = 0;
  let df = -1;
  let poolObs = 0;
  let poolExp = 0;
  probs.forEach((p, k) => {
    poolObs += counts[k] as number;
    poolExp += p * n;
    if (poolExp >= 5) {
      stat += (poolObs - poolExp) ** 2 / poolExp;
      df++;
      poolObs = 0;
      poolExp = 0;
    }
  });
  if (poolExp > 0) stat += (poolObs - poolExp) ** 2 / Math.max(poolExp, 1e-300);
  return { stat, df };
}

describe('Poisson sampling', () => {
  it.each([0.3, 4, 9.99, 10, 18.6, 100, 10000])('mean %d: sample mean and variance both match', (lambda) => {
    const rng = new Random(Math.round(lambda * 100));
    const n = 100000;
    let s = 0;
    let s2 = 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const k = poisson(lambda, rng);
      if (!Number.isInteger(k) || k < 0) bad++;
      s += k;
      s2 += k * k;
    }
    expect(bad).toBe(0);
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean - lambda)).toBeLessThan(4 * Math.sqrt(lambda / n));
    // Var of the sample variance ≈ (2λ² + λ) / n
    expect(Math.abs(variance - lambda)).toBeLessThan(4 * Math.sqrt((2 * lambda * lambda + lambda) / n));
  });

  it.each(Object.entries(reference.poissonPmf))(
    'mean %s: distribution passes chi-square against scipy (p = 0.001)',
    (lam, pmf) => {
      const lambda = Number(lam);
      const rng = new Random(17);
      const n = 200000;
      const direct = chiSquare(() => poisson(lambda, rng), pmf, n);
      expect(direct.stat).toBeLessThan(chiSquareCritical001(direct.df));
      const table = new PoissonTable(lambda);
      const tabled = chiSquare(() => table.sample(rng), pmf, n);
      expect(tabled.stat).toBeLessThan(chiSquareCritical001(tabled.df));
    },
  );

  it('gives 0 for a mean of 0', () => {
    expect(poisson(0, new Random(1))).toBe(0);
  });
});
