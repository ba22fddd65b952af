import { Random } from '@dmdet/simulate';
import { createVolume, type Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import { fillMissingInput, missingVoxels, PreprocessError, withMissing } from '../src/index';

/** Camera-like noise about `level` (normal, σ `sigma`), seeded. */
function noise(shape: Vec3, level: number, sigma: number, seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => level + sigma * random.normal());
}

/**
 * Brute force of the padding rule's step (4): a voxel at `value` is padding when some in-plane
 * window×window square (cut at the slice's edges) that holds it is made of `value` alone.
 */
function bruteOpening(data: Float32Array, shape: Vec3, value: number, window: number): Uint8Array {
  const [Z, Y, X] = shape;
  const lo = Math.floor((window - 1) / 2);
  const hi = window - 1 - lo;
  const out = new Uint8Array(data.length);
  for (let z = 0; z < Z; z++)
    for (let cy = 0; cy < Y; cy++)
      for (let cx = 0; cx < X; cx++) {
        let full = true;
        for (let y = Math.max(0, cy - lo); y <= Math.min(Y - 1, cy + hi) && full; y++)
          for (let x = Math.max(0, cx - lo); x <= Math.min(X - 1, cx + hi); x++)
            if (data[(z * Y + y) * X + x] !== value) {
              full = false;
              break;
            }
        if (!full) continue;
        for (let y = Math.max(0, cy - lo); y <= Math.min(Y - 1, cy + hi); y++)
          for (let x = Math.max(0, cx - lo); x <= Math.min(X - 1, cx + hi); x++) out[(z * Y + y) * X + x] = 1;
      }
  return out;
}

const upperMedian = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;

describe('missingVoxels', () => {
  it('reads a wedge of zeros below the data as padding, voxel for voxel, and fills with the median of the rest', () => {
    const shape: Vec3 = [4, 40, 48];
    const data = noise(shape, 100, 3, 1);
    const [Z, Y, X] = shape;
    // A wedge (deskewed), 30 to 12 px wide, and a 12×20 patch inside the data (stitched), at 0.
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++)
          if (x < 30 - 6 * z || (y >= 25 && y < 37 && x >= 35)) data[(z * Y + y) * X + x] = 0;
    const truth = Uint8Array.from(data, (v) => (v === 0 ? 1 : 0));
    const missing = missingVoxels(createVolume(data, shape));
    expect(missing?.paddingValue).toBe(0);
    expect(missing?.nonFinite).toBe(0);
    expect(Array.from(missing?.mask ?? [])).toEqual(Array.from(truth));
    expect(missing?.padding).toBe(truth.reduce((a, b) => a + b, 0));
    expect(missing?.fill).toBe(upperMedian(Array.from(data).filter((_, i) => !truth[i])));
    const filled = withMissing(createVolume(data, shape), missing!, 'fill');
    const nan = withMissing(createVolume(data, shape), missing!, 'nan');
    for (let i = 0; i < data.length; i++) {
      expect(filled.data[i]).toBe(truth[i] ? missing?.fill : data[i]);
      expect(Number.isNaN(nan.data[i])).toBe(truth[i] === 1);
    }
  });

  it('marks exactly the in-plane opening of the lowest value (brute force), at the slices’ edges too', () => {
    const shape: Vec3 = [3, 31, 37];
    const [, Y, X] = shape;
    const random = new Random(7);
    const data = noise(shape, 500, 10, 2);
    // Random rectangles and discs of padding, some touching the edges, and scattered dead pixels.
    for (let k = 0; k < 12; k++) {
      const z = random.int(3);
      const [cy, cx, r] = [random.int(Y), random.int(X), 2 + random.int(7)];
      const disc = random.float() < 0.5;
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++)
          if (
            disc ? (y - cy) ** 2 + (x - cx) ** 2 <= r * r : Math.abs(y - cy) <= r && Math.abs(x - cx) <= r / 2
          )
            data[(z * Y + y) * X + x] = 0;
    }
    for (let k = 0; k < 40; k++) data[random.int(data.length)] = 0;
    const shapeVolume = createVolume(data, shape);
    for (const window of [9, 4, 1]) {
      const missing = missingVoxels(shapeVolume, { window });
      expect(Array.from(missing?.mask ?? []), `window ${window}`).toEqual(
        Array.from(bruteOpening(data, shape, 0, window)),
      );
    }
  });

  it('counts voxels that are not finite numbers as missing, with or without padding', () => {
    const shape: Vec3 = [2, 16, 16];
    const data = noise(shape, 10, 1, 3);
    data[5] = Number.NaN;
    data[17] = Number.POSITIVE_INFINITY;
    data[300] = Number.NEGATIVE_INFINITY;
    const missing = missingVoxels(createVolume(data, shape));
    expect(missing?.nonFinite).toBe(3);
    expect(missing?.padding).toBe(0);
    expect(missing?.paddingValue).toBeUndefined();
    expect([5, 17, 300].map((i) => missing?.mask[i])).toEqual([1, 1, 1]);
    expect(missing?.mask.reduce((a, b) => a + b, 0)).toBe(3);
    // Nothing holds data: the fill is NaN.
    const none = missingVoxels(createVolume(new Float32Array(8).fill(Number.NaN), [2, 2, 2]));
    expect(none?.nonFinite).toBe(8);
    expect(none?.fill).toBeNaN();
  });

  it('leaves alone stacks clipped from below, photon counts, thin strips, dead pixels and clean stacks', () => {
    const shape: Vec3 = [4, 40, 40];
    const [Z, Y, X] = shape;
    // A background subtracted, negatives stored as 0: about half the voxels, values continuing from 0.
    const clipped = Float32Array.from(noise(shape, 0, 3, 4), (v) => Math.max(0, v));
    expect(missingVoxels(createVolume(clipped, shape))).toBeUndefined();
    // The same with a large empty region, all at 0: still values continuing from the clip.
    const dark = Float32Array.from(clipped, (v, i) => (i % X < 20 ? 0 : v));
    expect(missingVoxels(createVolume(dark, shape))).toBeUndefined();
    // Photon counts of 0.3 per voxel: mostly 0, the rest 1 or 2 (their spread is 0).
    const random = new Random(5);
    const photons = Float32Array.from({ length: Z * Y * X }, () => {
      let k = 0;
      for (let p = Math.exp(-0.3), u = random.float(), c = p; u > c; k++) {
        p *= 0.3 / (k + 1);
        c += p;
      }
      return k;
    });
    expect(missingVoxels(createVolume(photons, shape))).toBeUndefined();
    // A strip of zeros 6 px wide inside the slice (thinner than the window) and 2 % dead pixels at 0.
    const strip = noise(shape, 100, 3, 6);
    for (let i = 0; i < strip.length; i++)
      if (Math.abs((i % X) - 22.5) < 3 || random.float() < 0.02) strip[i] = 0;
    expect(missingVoxels(createVolume(strip, shape))).toBeUndefined();
    expect(missingVoxels(createVolume(strip, shape), { window: 5 })?.padding).toBeGreaterThan(6 * Y * Z - 1);
    // Under 1 % of the voxels at the minimum, and a clean stack.
    const few = noise(shape, 100, 3, 7);
    for (let x = 0; x < 7; x++) for (let y = 0; y < 7; y++) few[y * X + x] = 0;
    expect(missingVoxels(createVolume(few, shape))).toBeUndefined();
    expect(missingVoxels(createVolume(noise([1, 8, 8], 100, 3, 8), [1, 8, 8]))).toBeUndefined();
  });

  it('names a bad window', () => {
    const v = createVolume(new Float32Array(8), [2, 2, 2]);
    expect(() => missingVoxels(v, { window: 0 })).toThrow(PreprocessError);
    expect(() => missingVoxels(v, { window: 2.5 })).toThrow(/window/);
  });
});

describe('fillMissingInput', () => {
  it('gives the NaN voxels normal noise of the given σ, the same on every run, and leaves the rest', () => {
    const n = 40000;
    const data = Float32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? i : Number.NaN));
    const a = createVolume(data.slice(), [1, 200, 200]);
    const b = createVolume(data.slice(), [1, 200, 200]);
    expect(fillMissingInput(a, 0.1)).toBe(n - n / 4);
    fillMissingInput(b, 0.1);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const drawn = Array.from(a.data).filter((_, i) => i % 4 !== 0);
    expect(Array.from(a.data).filter((_, i) => i % 4 === 0)).toEqual(
      Array.from(data).filter((_, i) => i % 4 === 0),
    );
    const mean = drawn.reduce((s, v) => s + v, 0) / drawn.length;
    const sd = Math.sqrt(drawn.reduce((s, v) => s + (v - mean) ** 2, 0) / drawn.length);
    // 30,000 draws: the mean within 4 standard errors of 0, σ within 2 %.
    expect(Math.abs(mean)).toBeLessThan((4 * 0.1) / Math.sqrt(drawn.length));
    expect(sd).toBeGreaterThan(0.098);
    expect(sd).toBeLessThan(0.102);
    // Within one σ: 68.3 %.
    expect(drawn.filter((v) => Math.abs(v) < 0.1).length / drawn.length).toBeCloseTo(0.683, 2);
    const zeros = createVolume(data.slice(), [1, 200, 200]);
    fillMissingInput(zeros, 0);
    expect(
      Array.from(zeros.data)
        .filter((_, i) => i % 4 !== 0)
        .every((v) => v === 0),
    ).toBe(true);
    expect(() => fillMissingInput(zeros, -1)).toThrow(/sigma/);
  });
});
