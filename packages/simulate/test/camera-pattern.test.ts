import { describe, expect, it } from 'vitest';
import {
  applyCamera,
  GENERAL_CAMERA_PATTERN_RANGES,
  GENERAL_CENTRE,
  type GeneralCamera,
  type GeneralParams,
  localSnr,
  mergeGeneralParams,
  patternReadNoise,
  sampleGeneralParams,
  simulateGeneral,
} from '../src/index';
import { plainGeneral } from './general-helpers';

const plain: GeneralCamera = { offset: 300, gain: 2, readNoise: 4, hotPixelFraction: 0, hotPixelLevel: 0 };

/** Per pixel (x, y) of a [Z, Y, X] stack: its mean and standard deviation over z. */
function perPixel(counts: Uint16Array, Z: number, plane: number) {
  const mean = new Float64Array(plane);
  const sd = new Float64Array(plane);
  for (let p = 0; p < plane; p++) {
    let s = 0;
    for (let z = 0; z < Z; z++) s += counts[z * plane + p] as number;
    const m = s / Z;
    let ss = 0;
    for (let z = 0; z < Z; z++) ss += ((counts[z * plane + p] as number) - m) ** 2;
    mean[p] = m;
    sd[p] = Math.sqrt(ss / (Z - 1));
  }
  return { mean, sd };
}

const meanOf = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  return s / a.length;
};
const sdOf = (a: ArrayLike<number>) => {
  const m = meanOf(a);
  let ss = 0;
  for (let i = 0; i < a.length; i++) ss += ((a[i] as number) - m) ** 2;
  return Math.sqrt(ss / (a.length - 1));
};
const median = (a: ArrayLike<number>) => {
  const s = Array.from(a).sort((x, y) => x - y);
  return s[s.length >> 1] as number;
};

describe('applyCamera: an sCMOS pixel pattern', () => {
  const Z = 200;
  const [Y, X] = [48, 48];
  const plane = Y * X;

  it('gives each pixel its own offset and read noise, the same in every slice', () => {
    // No photons: a pixel's counts are its offset plus its own read noise.
    const dark = new Float32Array(Z * plane);
    const pattern = { offset: 6, gain: 0, readNoise: 0.4 };
    const counts = applyCamera(dark, [Z, Y, X], { ...plain, pattern }, 7);
    const { mean, sd } = perPixel(counts, Z, plane);
    // Offsets spread by 6 counts about 300 (the per-pixel means carry 4 / √200 of noise besides).
    expect(Math.abs(meanOf(mean) - 300)).toBeLessThan(0.5);
    expect(Math.abs(sdOf(mean) - Math.sqrt(36 + (16 * Math.exp(2 * 0.16)) / Z))).toBeLessThan(0.4);
    // Read noise lognormal: median 4 (+ the rounding's 1/12 of variance), σ of its log 0.4.
    expect(Math.abs(median(sd) - Math.sqrt(16 + 1 / 12))).toBeLessThan(0.15);
    const logs = Array.from(sd, (s) => Math.log(s));
    // The sampling error of each pixel's σ over 200 slices adds (1/(2·199)) to the log's variance.
    expect(Math.abs(sdOf(logs) - Math.sqrt(0.16 + 1 / 398))).toBeLessThan(0.03);
  });

  it('gives each pixel its own gain', () => {
    // 400 photons everywhere: a pixel's mean is its offset + its gain · 400; no offset spread, so the
    // means spread by gain · 400 · pattern.gain (√(gain² · 400 + readNoise²) / √Z of noise besides).
    const flat = new Float32Array(Z * plane).fill(400);
    const counts = applyCamera(
      flat,
      [Z, Y, X],
      { ...plain, pattern: { offset: 0, gain: 0.02, readNoise: 0 } },
      3,
    );
    const { mean } = perPixel(counts, Z, plane);
    expect(Math.abs(meanOf(mean) - (300 + 2 * 400))).toBeLessThan(0.5);
    const expected = Math.sqrt((2 * 400 * 0.02) ** 2 + (4 * 400 + 16) / Z);
    expect(Math.abs(sdOf(mean) / expected - 1)).toBeLessThan(0.06);
  });

  it('a pattern of zeros is no pattern, draw for draw; hot pixels still add', () => {
    const photons = new Float32Array(4 * 32 * 32).map((_, i) => (i % 97) / 3);
    const none = applyCamera(photons, [4, 32, 32], plain, 5);
    expect(
      applyCamera(photons, [4, 32, 32], { ...plain, pattern: { offset: 0, gain: 0, readNoise: 0 } }, 5),
    ).toEqual(none);
    const hot = { ...plain, hotPixelFraction: 0.01, hotPixelLevel: 5000 };
    const a = applyCamera(photons, [4, 32, 32], { ...hot, pattern: { offset: 3, gain: 0, readNoise: 0 } }, 5);
    const b = applyCamera(
      photons,
      [4, 32, 32],
      { ...plain, pattern: { offset: 3, gain: 0, readNoise: 0 } },
      5,
    );
    let above = 0;
    for (let i = 0; i < a.length; i++) if ((a[i] as number) > (b[i] as number) + 500) above++;
    expect(above).toBeGreaterThanOrEqual(4 * Math.round(0.01 * 1024) - 8);
  });

  it('patternReadNoise: the read noise a spot sees', () => {
    expect(patternReadNoise(plain)).toBe(4);
    // No pattern: the read noise itself, to the last bit.
    for (const r of [0.1, 2.3, 7.7, 9.95])
      expect(
        patternReadNoise({ ...plain, readNoise: r, pattern: { offset: 0, gain: 0.01, readNoise: 0 } }),
      ).toBe(r);
    expect(patternReadNoise({ ...plain, pattern: { offset: 3, gain: 0.01, readNoise: 0 } })).toBeCloseTo(
      5,
      12,
    );
    expect(patternReadNoise({ ...plain, pattern: { offset: 0, gain: 0, readNoise: 0.5 } })).toBeCloseTo(
      4 * Math.exp(0.25),
      12,
    );
  });
});

describe('sampleGeneralParams: cameraPattern', () => {
  it('without it every pixel is alike, and it changes no other field', () => {
    for (let seed = 0; seed < 30; seed++) {
      for (const effects of [false, true]) {
        const off = sampleGeneralParams(seed, { size: [64, 64], effects });
        expect(off.camera.pattern).toEqual({ offset: 0, gain: 0, readNoise: 0 });
        const on = sampleGeneralParams(seed, { size: [64, 64], effects, cameraPattern: true });
        expect({ ...on, camera: { ...on.camera, pattern: off.camera.pattern } }).toEqual(off);
      }
    }
  });

  it('draws it in its ranges, on in about half the volumes, its offset a multiple of the read noise', () => {
    const R = GENERAL_CAMERA_PATTERN_RANGES;
    const n = 400;
    let on = 0;
    for (let seed = 0; seed < n; seed++) {
      const p = sampleGeneralParams(seed, { size: [64, 64], cameraPattern: true });
      const q = p.camera.pattern!;
      if (q.offset === 0) {
        expect(q).toEqual({ offset: 0, gain: 0, readNoise: 0 });
        continue;
      }
      on++;
      const k = q.offset / p.camera.readNoise;
      expect(k).toBeGreaterThanOrEqual(R['camera.pattern.offset'].min - 1e-9);
      expect(k).toBeLessThanOrEqual(R['camera.pattern.offset'].max + 1e-9);
      expect(q.gain).toBeGreaterThanOrEqual(R['camera.pattern.gain'].min - 1e-12);
      expect(q.gain).toBeLessThanOrEqual(R['camera.pattern.gain'].max + 1e-12);
      expect(q.readNoise).toBeGreaterThanOrEqual(R['camera.pattern.readNoise'].min - 1e-12);
      expect(q.readNoise).toBeLessThanOrEqual(R['camera.pattern.readNoise'].max + 1e-12);
    }
    const off = R['camera.pattern.offset'].off as number;
    expect(Math.abs(on - n * (1 - off))).toBeLessThan(4 * Math.sqrt(n * off * (1 - off)));
  });

  it("'always' draws it in every volume: the same pattern where true has one, no other field changed", () => {
    const R = GENERAL_CAMERA_PATTERN_RANGES;
    let differ = 0;
    for (let seed = 0; seed < 200; seed++) {
      const half = sampleGeneralParams(seed, { size: [64, 64], cameraPattern: true });
      const always = sampleGeneralParams(seed, { size: [64, 64], cameraPattern: 'always', offScale: 0.5 });
      const q = always.camera.pattern!;
      const k = q.offset / always.camera.readNoise;
      expect(k).toBeGreaterThanOrEqual(R['camera.pattern.offset'].min - 1e-9);
      expect(k).toBeLessThanOrEqual(R['camera.pattern.offset'].max + 1e-9);
      if (half.camera.pattern!.offset > 0) expect(q).toEqual(half.camera.pattern);
      else differ++;
      const plain = sampleGeneralParams(seed, { size: [64, 64], offScale: 0.5 });
      expect({ ...always, camera: { ...always.camera, pattern: plain.camera.pattern } }).toEqual(plain);
    }
    // about half the volumes had none with true
    expect(differ).toBeGreaterThan(60);
    expect(differ).toBeLessThan(140);
  });

  it('scales the offset spread with the read noise an override sets', () => {
    let seed = 0;
    while (sampleGeneralParams(seed, { size: [32, 32], cameraPattern: true }).camera.pattern!.offset === 0)
      seed++;
    const a = sampleGeneralParams(seed, { size: [32, 32], cameraPattern: true });
    const b = sampleGeneralParams(seed, {
      size: [32, 32],
      cameraPattern: true,
      overrides: { camera: { readNoise: 2 * a.camera.readNoise } },
    });
    expect(b.camera.pattern!.offset).toBeCloseTo(2 * a.camera.pattern!.offset, 9);
    const c = sampleGeneralParams(seed, {
      size: [32, 32],
      cameraPattern: true,
      overrides: { camera: { pattern: { offset: 1.5 } } },
    });
    expect(c.camera.pattern!.offset).toBe(1.5);
  });
});

describe('simulateGeneral with a pixel pattern', () => {
  it('sets each spot amplitude for its local SNR against the read noise with the pattern', () => {
    const base = plainGeneral({ shape: [6, 48, 48], spots: { count: 10 } });
    const pattern = { offset: 5, gain: 0.01, readNoise: 0.3 };
    const withPattern = mergeGeneralParams(base, { camera: { pattern } });
    const sim = simulateGeneral(withPattern, 4);
    const r = patternReadNoise(withPattern.camera) / withPattern.camera.gain;
    expect(r).toBeGreaterThan(base.camera.readNoise / base.camera.gain);
    for (const p of sim.points) expect(localSnr(p.intensity, p.background, r)).toBeCloseTo(p.snr, 9);
    // Brighter than the same spots without the pattern, which keep their records as before.
    const without = simulateGeneral(base, 4);
    for (let i = 0; i < sim.points.length; i++)
      expect(sim.points[i]!.intensity).toBeGreaterThan(without.points[i]!.intensity);
  });

  it('validates the pattern, naming the field; a camera without one is valid', () => {
    for (const [pattern, re] of [
      [{ offset: -1, gain: 0, readNoise: 0 }, /camera\.pattern\.offset/],
      [{ offset: 0, gain: 0.6, readNoise: 0 }, /camera\.pattern\.gain/],
      [{ offset: 0, gain: 0, readNoise: Number.NaN }, /camera\.pattern\.readNoise/],
    ] as const)
      expect(() => simulateGeneral(mergeGeneralParams(GENERAL_CENTRE, { camera: { pattern } }), 1)).toThrow(
        re,
      );
    const old = structuredClone(GENERAL_CENTRE) as GeneralParams;
    delete old.camera.pattern;
    const small = mergeGeneralParams(old, { shape: [4, 32, 32], spots: { count: 5 } });
    const same = mergeGeneralParams(GENERAL_CENTRE, { shape: [4, 32, 32], spots: { count: 5 } });
    expect(simulateGeneral(small, 3).volume.data).toEqual(simulateGeneral(same, 3).volume.data);
  });
});
