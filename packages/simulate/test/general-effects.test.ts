import { describe, expect, it } from 'vitest';
import { gaussianField } from '../src/general-background';
import {
  applyCamera,
  GENERAL_CENTRE,
  GENERAL_EFFECT_RANGES,
  type GeneralOverrides,
  type GeneralParams,
  generalPsfValue,
  localSnr,
  mergeGeneralParams,
  renderGeneral,
  sampleGeneralParams,
  simulateGeneral,
} from '../src/index';
import { gamma } from '../src/poisson';
import { Random } from '../src/random';
import { plainGeneral } from './general-helpers';

describe('sampleGeneralParams: effects', () => {
  it('without effects draws every effect off and the other fields as with them', () => {
    for (let seed = 0; seed < 30; seed++) {
      const off = sampleGeneralParams(seed, { size: [64, 64] });
      expect(off.camera.emMultiplication).toBe(false);
      expect(off.background.cells.texture).toBe(0);
      expect(off.psf.astigmatism).toEqual({ amount: 0, angle: 0 });
      expect(off.attenuation).toBe(0);
      const on = sampleGeneralParams(seed, { size: [64, 64], effects: true });
      const strip = (p: GeneralParams) => {
        const q = structuredClone(p);
        delete q.camera.emMultiplication;
        delete q.background.cells.texture;
        delete q.background.cells.textureGrain;
        delete q.psf.astigmatism;
        delete q.attenuation;
        return q;
      };
      expect(strip(on)).toEqual(strip(off));
    }
  });

  it('with effects draws each inside its range, each off about as often as documented', () => {
    const n = 400;
    const counts = { em: 0, texture: 0, astigmatism: 0, attenuation: 0 };
    const R = GENERAL_EFFECT_RANGES;
    for (let seed = 0; seed < n; seed++) {
      const p = sampleGeneralParams(seed, { size: [64, 64], effects: true });
      const inRange = (v: number, r: { min: number; max: number }) =>
        v === 0 || (v >= r.min - 1e-12 && v <= r.max + 1e-12);
      if (p.camera.emMultiplication) counts.em++;
      const t = p.background.cells.texture ?? 0;
      expect(inRange(t, R['background.cells.texture'])).toBe(true);
      if (t > 0) counts.texture++;
      const g = p.background.cells.textureGrain ?? 1;
      expect(g).toBeGreaterThanOrEqual(R['background.cells.textureGrain'].min - 1e-12);
      expect(g).toBeLessThanOrEqual(R['background.cells.textureGrain'].max + 1e-12);
      const a = p.psf.astigmatism?.amount ?? 0;
      expect(inRange(a, R['psf.astigmatism'])).toBe(true);
      if (a > 0) {
        counts.astigmatism++;
        expect(p.psf.astigmatism!.angle).toBeGreaterThanOrEqual(0);
        expect(p.psf.astigmatism!.angle).toBeLessThan(Math.PI);
      }
      const att = p.attenuation ?? 0;
      expect(inRange(att, R.attenuation)).toBe(true);
      if (att > 0) counts.attenuation++;
    }
    // Binomial: 4 standard deviations.
    const near = (k: number, off: number) => {
      const q = 1 - off;
      expect(Math.abs(k - n * q)).toBeLessThan(4 * Math.sqrt(n * q * off));
    };
    near(counts.em, R['camera.emMultiplication'].off!);
    near(counts.texture, R['background.cells.texture'].off!);
    near(counts.astigmatism, R['psf.astigmatism'].off!);
    near(counts.attenuation, R.attenuation.off!);
  });

  it('validates the effects, naming the field; a record without them is valid', () => {
    const bad: [GeneralOverrides, RegExp][] = [
      [{ background: { cells: { texture: -0.1 } } }, /background\.cells\.texture/],
      [{ background: { cells: { textureGrain: 0 } } }, /background\.cells\.textureGrain/],
      [{ psf: { astigmatism: { amount: -1, angle: 0 } } }, /psf\.astigmatism\.amount/],
      [{ attenuation: 1 }, /attenuation/],
      [{ camera: { emMultiplication: 1 as unknown as boolean } }, /camera\.emMultiplication/],
    ];
    for (const [o, re] of bad)
      expect(() => simulateGeneral(mergeGeneralParams(GENERAL_CENTRE, o), 1)).toThrow(re);
    const old = structuredClone(GENERAL_CENTRE) as GeneralParams;
    delete old.attenuation;
    delete old.psf.astigmatism;
    delete old.camera.emMultiplication;
    delete old.background.cells.texture;
    delete old.background.cells.textureGrain;
    const small = mergeGeneralParams(old, { shape: [4, 32, 32], spots: { count: 5 } });
    const same = mergeGeneralParams(GENERAL_CENTRE, { shape: [4, 32, 32], spots: { count: 5 } });
    expect(simulateGeneral(small, 3).volume.data).toEqual(simulateGeneral(same, 3).volume.data);
  });
});

describe('gaussianField', () => {
  it('has mean 0, standard deviation 1 and the autocorrelation of blurred white noise', () => {
    const sigma = 2;
    const g = gaussianField([32, 64, 64], [sigma, sigma, sigma], new Random(5));
    let mean = 0;
    for (const v of g) mean += v;
    mean /= g.length;
    let ss = 0;
    for (const v of g) ss += (v - mean) ** 2;
    expect(Math.abs(mean)).toBeLessThan(1e-6);
    expect(Math.sqrt(ss / g.length)).toBeCloseTo(1, 5);
    // White noise blurred by a Gaussian of σ has autocorrelation exp(−d² / (4σ²)) at lag d.
    for (const d of [1, 2, 4]) {
      let c = 0;
      let k = 0;
      for (let z = 0; z < 32; z++)
        for (let y = 0; y < 64; y++)
          for (let x = 0; x + d < 64; x++) {
            c += g[(z * 64 + y) * 64 + x]! * g[(z * 64 + y) * 64 + x + d]!;
            k++;
          }
      expect(Math.abs(c / k - Math.exp(-(d * d) / (4 * sigma * sigma)))).toBeLessThan(0.04);
    }
  });

  it('handles one slice and a one-voxel axis, and is seeded', () => {
    const a = gaussianField([1, 16, 1], [1, 1, 1], new Random(2));
    expect(a.length).toBe(16);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(gaussianField([3, 8, 8], [1, 1, 1], new Random(2))).toEqual(
      gaussianField([3, 8, 8], [1, 1, 1], new Random(2)),
    );
    expect(gaussianField([1, 1, 1], [1, 1, 1], new Random(2))).toEqual(new Float32Array([0]));
  });
});

describe('simulateGeneral: effects', () => {
  it('texture modulates the cells only: unchanged outside them, same mean inside, grains where it is on', () => {
    const base = mergeGeneralParams(GENERAL_CENTRE, {
      shape: [8, 96, 96],
      background: { cells: { count: 3, radius: 25, brightness: 4 } },
      spots: { count: 0 },
    });
    const smooth = renderGeneral(base, 4).photons;
    const textured = renderGeneral(
      mergeGeneralParams(base, { background: { cells: { texture: 0.3, textureGrain: 1 } } }),
      4,
    ).photons;
    const flat = renderGeneral(
      mergeGeneralParams(base, { background: { cells: { brightness: 0 } } }),
      4,
    ).photons;
    let inside = 0;
    let outside = 0;
    let sumCells = 0;
    let sumTextured = 0;
    let ssRatio = 0;
    for (let i = 0; i < smooth.length; i++) {
      const cell = smooth[i]! - flat[i]!;
      if (cell === 0) {
        outside++;
        expect(textured[i]).toBe(smooth[i]);
        continue;
      }
      if (cell < 1e-3) continue;
      const mod = (textured[i]! - flat[i]!) / cell;
      expect(mod).toBeGreaterThanOrEqual(-1e-4);
      if (cell > 0.5 * 4 * Math.sqrt(10 + 4)) {
        inside++;
        sumCells += cell;
        sumTextured += textured[i]! - flat[i]!;
        ssRatio += (mod - 1) ** 2;
      }
    }
    expect(inside).toBeGreaterThan(1000);
    expect(outside).toBeGreaterThan(1000);
    // E[max(0, 1 + 0.3 g)] = 1 up to the clip (3.3 σ away), the spread 0.3.
    expect(Math.abs(sumTextured / sumCells - 1)).toBeLessThan(0.05);
    expect(Math.sqrt(ssRatio / inside)).toBeGreaterThan(0.2);
    expect(Math.sqrt(ssRatio / inside)).toBeLessThan(0.4);
  });

  it('astigmatism: generalPsfValue by hand, and rendered spots equal it voxel by voxel', () => {
    const psf = mergeGeneralParams(GENERAL_CENTRE, {
      psf: { sigmaXY: 1.5, sigmaZ: 2, astigmatism: { amount: 0.3, angle: Math.PI / 2 } },
    }).psf;
    // In focus: round.
    expect(generalPsfValue(psf, 1, 0, 0)).toBeCloseTo(Math.exp(-1 / (2 * 1.5 ** 2)), 12);
    expect(generalPsfValue(psf, 0, 1, 0)).toBeCloseTo(Math.exp(-1 / (2 * 1.5 ** 2)), 12);
    // One σz above focus: σ along y (the angle, 90°) × e^0.3, along x ÷ e^0.3.
    const zf = Math.exp(-(2 * 2) / (2 * 2 * 2));
    const sy = 1.5 * Math.exp(0.3);
    const sx = 1.5 / Math.exp(0.3);
    expect(generalPsfValue(psf, 0, 2, 2)).toBeCloseTo(zf * Math.exp(-4 / (2 * sy * sy)), 12);
    expect(generalPsfValue(psf, 2, 0, 2)).toBeCloseTo(zf * Math.exp(-4 / (2 * sx * sx)), 12);
    // Below focus the other way round.
    expect(generalPsfValue(psf, 2, 0, -2)).toBeCloseTo(zf * Math.exp(-4 / (2 * sy * sy)), 12);

    const p = plainGeneral({
      shape: [9, 21, 23],
      psf: {
        sigmaXY: 1.5,
        sigmaZ: 1.2,
        halo: { amplitude: 0.2, width: 2 },
        astigmatism: { amount: 0.25, angle: 0.4 },
        tilt: { x: 0.1, y: -0.05 },
      },
      spots: { count: 2, snr: 5 },
    });
    const e = renderGeneral(p, 8);
    const [Z, Y, X] = p.shape;
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          const i = (z * Y + y) * X + x;
          let want = 0;
          for (const s of e.points) want += s.intensity * generalPsfValue(p.psf, x - s.x, y - s.y, z - s.z);
          expect(Math.abs(e.photons[i]! - e.background[i]! - want)).toBeLessThan(
            (Math.exp(-8) + 0.2 * Math.exp(-4.5)) * 2 * e.points[0]!.intensity + 1e-3,
          );
        }
  });

  it('attenuation scales every slice by (1 − a)^(z/(Z−1)), and the truth with it', () => {
    const base = mergeGeneralParams(GENERAL_CENTRE, { shape: [5, 48, 48], spots: { count: 12 } });
    const a = 0.6;
    const plainRender = renderGeneral(base, 9);
    const att = renderGeneral(mergeGeneralParams(base, { attenuation: a }), 9);
    const plane = 48 * 48;
    for (let i = 0; i < plainRender.photons.length; i += 7) {
      const z = Math.floor(i / plane);
      const f = (1 - a) ** (z / 4);
      expect(att.photons[i]).toBeCloseTo(plainRender.photons[i]! * f, 3);
      expect(att.background[i]).toBeCloseTo(plainRender.background[i]! * f, 3);
    }
    const r = base.camera.readNoise / base.camera.gain;
    att.points.forEach((p, k) => {
      const q = plainRender.points[k]!;
      const f = (1 - a) ** (p.z / 4);
      expect(p.intensity).toBeCloseTo(q.intensity * f, 6);
      expect(p.background).toBeCloseTo(q.background * f, 6);
      expect(p.snr).toBeCloseTo(localSnr(p.intensity, p.background, r), 9);
    });
    // One slice: nothing to attenuate.
    const one = mergeGeneralParams(base, { shape: [1, 48, 48] });
    expect(renderGeneral(mergeGeneralParams(one, { attenuation: a }), 9).photons).toEqual(
      renderGeneral(one, 9).photons,
    );
  });

  it('EM multiplication keeps the mean and doubles the shot-noise variance', () => {
    const flat = new Float32Array(1 << 17).fill(20);
    const camera = { offset: 500, gain: 3, readNoise: 5, hotPixelFraction: 0, hotPixelLevel: 0 };
    const counts = applyCamera(flat, [2, 256, 256], { ...camera, emMultiplication: true }, 4);
    const m = counts.reduce((s, v) => s + v, 0) / counts.length;
    const v = counts.reduce((s, c) => s + (c - m) ** 2, 0) / (counts.length - 1);
    expect(Math.abs(m - (500 + 3 * 20))).toBeLessThan(0.1);
    expect(Math.abs(v / (2 * 9 * 20 + 25 + 1 / 12) - 1)).toBeLessThan(0.03);
    // Off: the camera of before, draw for draw.
    expect(applyCamera(flat, [2, 256, 256], { ...camera, emMultiplication: false }, 4)).toEqual(
      applyCamera(flat, [2, 256, 256], camera, 4),
    );
  });
});

describe('gamma', () => {
  it('shape 1 is the unit exponential: P(X < 1) = 1 − 1/e, P(X < 3) = 1 − e⁻³', () => {
    const rng = new Random(11);
    const n = 40000;
    let below1 = 0;
    let below3 = 0;
    for (let i = 0; i < n; i++) {
      const x = gamma(1, rng);
      if (x < 1) below1++;
      if (x < 3) below3++;
    }
    const check = (k: number, p: number) =>
      expect(Math.abs(k / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    check(below1, 1 - Math.exp(-1));
    check(below3, 1 - Math.exp(-3));
  });

  it('has mean and variance equal to its shape', () => {
    for (const shape of [2, 7, 150]) {
      const rng = new Random(shape);
      const n = 30000;
      const xs = Array.from({ length: n }, () => gamma(shape, rng));
      const m = xs.reduce((s, x) => s + x, 0) / n;
      const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1);
      expect(Math.abs(m - shape)).toBeLessThan(4 * Math.sqrt(shape / n));
      expect(Math.abs(v / shape - 1)).toBeLessThan(0.05);
      expect(xs.every((x) => x > 0)).toBe(true);
    }
  });
});
