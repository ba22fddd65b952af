import { createVolume, type Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import {
  backgroundInput,
  brightIsolatedMaxima,
  normalizeBackground,
  PreprocessError,
  spotPeaks,
  typicalSpotPeak,
} from '../src/index';

/** Standard normal draws from a fixed LCG (Box–Muller): the same noise on every run. */
function normals(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/** Unit Gaussian noise plus Gaussian spots (σxy 1.5, σz 1) of the given amplitudes centred on voxels. */
function spotVolume(shape: Vec3, spots: { z: number; y: number; x: number; a: number }[], seed = 7) {
  const [Z, Y, X] = shape;
  const data = normals(Z * Y * X, seed);
  for (const p of spots)
    for (let z = 0; z < Z; z++)
      for (let y = Math.max(0, p.y - 6); y < Math.min(Y, p.y + 7); y++)
        for (let x = Math.max(0, p.x - 6); x < Math.min(X, p.x + 7); x++) {
          const r2 = ((y - p.y) ** 2 + (x - p.x) ** 2) / (2 * 1.5 ** 2) + (z - p.z) ** 2 / 2;
          data[(z * Y + y) * X + x] = (data[(z * Y + y) * X + x] as number) + p.a * Math.exp(-r2);
        }
  return createVolume(data, shape);
}

/** Ten lone spots of amplitudes 20, 30, …, 110 on a grid 18 px apart. */
const LADDER = Array.from({ length: 10 }, (_, i) => ({
  z: 4,
  y: 12 + 20 * Math.floor(i / 5),
  x: 12 + 18 * (i % 5),
  a: 20 + 10 * i,
}));

describe('brightIsolatedMaxima', () => {
  it('keeps lone maxima brightest first, leaves out the brightest tenth and stops at maxSpots', () => {
    const volume = spotVolume([8, 48, 96], LADDER);
    const all = brightIsolatedMaxima(volume, { dropBrightest: 0 });
    expect(all.map((m) => [Math.round(m.z), Math.round(m.y), Math.round(m.x)])).toEqual(
      [...LADDER].reverse().map((p) => [p.z, p.y, p.x]),
    );
    const dropped = brightIsolatedMaxima(volume);
    expect(dropped).toHaveLength(9);
    expect(Math.round(dropped[0]?.x as number)).toBe(LADDER[8]?.x);
    const three = brightIsolatedMaxima(volume, { maxSpots: 3 });
    expect(three.map((m) => Math.round(m.x))).toEqual([LADDER[8], LADDER[7], LADDER[6]].map((p) => p?.x));
  });

  it('drops a maximum with a brighter one within 4 slices and 8 px; pure noise has none', () => {
    const pair = spotVolume(
      [8, 32, 32],
      [
        { z: 4, y: 16, x: 10, a: 50 },
        { z: 4, y: 16, x: 17, a: 30 },
      ],
    );
    const found = brightIsolatedMaxima(pair, { dropBrightest: 0 });
    expect(found.map((m) => [Math.round(m.y), Math.round(m.x)])).toEqual([[16, 10]]);
    expect(brightIsolatedMaxima(spotVolume([8, 32, 32], []))).toEqual([]);
  });

  it('counts NaN voxels as background and works on a single slice', () => {
    const volume = spotVolume([8, 48, 96], LADDER);
    const holed = createVolume(Float32Array.from(volume.data), volume.shape);
    for (let x = 0; x < 96; x++) holed.data[(0 * 48 + 30) * 96 + x] = Number.NaN;
    const a = brightIsolatedMaxima(volume, { dropBrightest: 0 }).map((m) => Math.round(m.x));
    const b = brightIsolatedMaxima(holed, { dropBrightest: 0 }).map((m) => Math.round(m.x));
    expect(b).toEqual(a);
    const plane = spotVolume(
      [1, 48, 96],
      LADDER.map((p) => ({ ...p, z: 0 })),
    );
    expect(brightIsolatedMaxima(plane, { dropBrightest: 0 })).toHaveLength(10);
  });

  it('names a bad option', () => {
    const volume = spotVolume([4, 16, 16], []);
    expect(() => brightIsolatedMaxima(volume, { cut: 0 })).toThrow(/cut must be a number > 0/);
    expect(() => brightIsolatedMaxima(volume, { dropBrightest: 1 })).toThrow(PreprocessError);
    expect(() => brightIsolatedMaxima(volume, { maxSpots: 0.5 })).toThrow(/maxSpots must be an integer/);
  });
});

describe('spotPeaks', () => {
  it('reads the volume at each lone spot, ascending: the ladder without its brightest', () => {
    const peaks = spotPeaks(spotVolume([8, 48, 96], LADDER));
    expect(peaks).toHaveLength(9);
    // Amplitudes 20 … 100, each read with one draw of unit noise.
    peaks.forEach((p, i) => {
      expect(Math.abs(p - (20 + 10 * i))).toBeLessThan(4);
    });
    expect(spotPeaks(spotVolume([8, 48, 96], []))).toEqual([]);
  });
});

describe('typicalSpotPeak', () => {
  it('is the median peak of the lone spots, in the volume’s units', () => {
    // Nine spots of amplitude 50 on unit noise: each peak voxel reads 50 plus one draw of noise.
    const nine = LADDER.slice(0, 9).map((p) => ({ ...p, a: 50 }));
    const peak = typicalSpotPeak(spotVolume([8, 48, 96], nine));
    expect(peak).toBeGreaterThan(48);
    expect(peak).toBeLessThan(52);
    // The ladder without its brightest (110): the median of 20 … 100 is 60.
    const ladder = typicalSpotPeak(spotVolume([8, 48, 96], LADDER)) as number;
    expect(Math.abs(ladder - 60)).toBeLessThan(2);
  });

  it('is undefined with fewer than minSpots spots, and measures a central crop of a large volume', () => {
    expect(typicalSpotPeak(spotVolume([8, 48, 96], LADDER.slice(0, 4)))).toBeUndefined();
    expect(typicalSpotPeak(spotVolume([8, 48, 96], LADDER.slice(0, 4)), { minSpots: 4 })).toBeDefined();
    expect(typicalSpotPeak(spotVolume([8, 48, 96], []))).toBeUndefined();
    // A crop of 8×48×64 around the centre holds the middle three columns of the ladder (x 30, 48,
    // 66): amplitudes 30, 40, 50 and 80, 90, 100, whose median is 65.
    const crop = typicalSpotPeak(spotVolume([8, 48, 96], LADDER), { maxVoxels: 8 * 64 * 64, minSpots: 3 });
    expect(Math.abs((crop as number) - 65)).toBeLessThan(2);
    expect(() => typicalSpotPeak(spotVolume([4, 16, 16], []), { minSpots: 0 })).toThrow(/minSpots/);
  });
});

describe('backgroundInput', () => {
  // A camera offset of 1,000 counts and noise σ 5: spots of 400 counts peak at about 80 σ.
  const nine = LADDER.slice(0, 9).map((p) => ({ ...p, a: 80 }));
  const bright = (() => {
    const v = spotVolume([8, 48, 96], nine);
    return createVolume(
      Float32Array.from(v.data, (x) => 1000 + 5 * x),
      v.shape,
    );
  })();

  it('raises the knee to the spots’ peak over kneeRatio, and is then normalizeBackground at that knee', () => {
    const got = backgroundInput(bright, { kneeRatio: 2 });
    expect(got.spotPeak).toBeGreaterThan(70);
    expect(got.spotPeak).toBeLessThan(90);
    expect(got.knee).toBe((got.spotPeak as number) / 2);
    expect(got.volume.data).toEqual(normalizeBackground(bright, { knee: got.knee }).data);
  });

  it('keeps the knee where the spots are not bright enough to raise it, or without kneeRatio', () => {
    const low = backgroundInput(bright, { kneeRatio: 10 });
    expect(low.knee).toBe(20);
    expect(low.volume.data).toEqual(normalizeBackground(bright).data);
    const fixed = backgroundInput(bright, { knee: 30 });
    expect(fixed).toEqual({ volume: normalizeBackground(bright, { knee: 30 }), knee: 30 });
    const none = backgroundInput(createVolume(Float32Array.from(normals(8 * 32 * 32, 3)), [8, 32, 32]), {
      kneeRatio: 2,
    });
    expect(none.spotPeak).toBeUndefined();
    expect(none.knee).toBe(20);
  });

  it('names a bad kneeRatio', () => {
    for (const bad of [0, -1, Number.NaN, '2'])
      expect(() => backgroundInput(bright, { kneeRatio: bad as number })).toThrow(
        /normalization\.kneeRatio must be a number > 0/,
      );
  });
});
