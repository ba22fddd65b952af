import { simulateVolume } from '@dmdet/simulate';
import { createVolume, type Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import {
  backgroundInput,
  backgroundNoiseMaps,
  drawBelowClip,
  normalizeBackground,
  normalizeInput,
  PreprocessError,
} from '../src/index';

const sortedMedian = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
};

/** Brute force of one map: block statistic by sorting, 3×3 in-plane median of blocks (point-reflected at the edges), trilinear between block centres (linear beyond) written out per voxel. */
function bruteMap(values: (block: number[]) => number, data: ArrayLike<number>, shape: Vec3, block: Vec3) {
  const nb = shape.map((n, i) => Math.max(1, Math.round(n / (block[i] as number)))) as unknown as Vec3;
  const edge = (a: number, k: number) => Math.floor((k * (shape[a] as number)) / (nb[a] as number));
  const raw: number[][][] = [];
  for (let k = 0; k < nb[0]; k++) {
    raw.push([]);
    for (let j = 0; j < nb[1]; j++) {
      raw[k]?.push([]);
      for (let i = 0; i < nb[2]; i++) {
        const vals: number[] = [];
        for (let z = edge(0, k); z < edge(0, k + 1); z++)
          for (let y = edge(1, j); y < edge(1, j + 1); y++)
            for (let x = edge(2, i); x < edge(2, i + 1); x++) {
              const v = data[(z * shape[1] + y) * shape[2] + x] as number;
              if (Number.isFinite(v)) vals.push(v);
            }
        raw[k]?.[j]?.push(values(vals));
      }
    }
  }
  const sm = raw.map((plane) =>
    plane.map((row, j) =>
      row.map((_, i) => {
        const near: number[] = [];
        for (let dj = -1; dj <= 1; dj++)
          for (let di = -1; di <= 1; di++) {
            const v = plane[j + dj]?.[i + di];
            const mirror = plane[j - dj]?.[i - di];
            if (v !== undefined) near.push(v);
            else if (mirror !== undefined) near.push(2 * (row[i] as number) - mirror);
          }
        return sortedMedian(near);
      }),
    ),
  );
  const centres = (a: number) =>
    Array.from({ length: nb[a] as number }, (_, k) => (edge(a, k) + edge(a, k + 1) - 1) / 2);
  const cz = centres(0);
  const cy = centres(1);
  const cx = centres(2);
  const locate = (c: number[], v: number): [number, number, number] => {
    if (c.length === 1) return [0, 0, 0];
    let k = 0;
    while (k < c.length - 2 && v > (c[k + 1] as number)) k++;
    return [k, k + 1, (v - (c[k] as number)) / ((c[k + 1] as number) - (c[k] as number))];
  };
  const out = new Float64Array(shape[0] * shape[1] * shape[2]);
  for (let z = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++) {
        const [z0, z1, tz] = locate(cz, z);
        const [y0, y1, ty] = locate(cy, y);
        const [x0, x1, tx] = locate(cx, x);
        const g = (a: number, b: number, c: number) => sm[a]?.[b]?.[c] as number;
        let acc = 0;
        for (const [a, wa] of [
          [z0, 1 - tz],
          [z1, tz],
        ] as const)
          for (const [b, wb] of [
            [y0, 1 - ty],
            [y1, ty],
          ] as const)
            for (const [c, wc] of [
              [x0, 1 - tx],
              [x1, tx],
            ] as const)
              acc += wa * wb * wc * g(a, b, c);
        out[(z * shape[1] + y) * shape[2] + x] = acc;
      }
  return out;
}

describe('backgroundNoiseMaps', () => {
  it('equals the brute-force block medians, 3×3 median of blocks and trilinear interpolation', () => {
    const sim = simulateVolume({ shape: [7, 37, 45], count: 20, snr: 4, background: 30, seed: 5 });
    const shape = sim.volume.shape;
    const block: Vec3 = [3, 8, 9];
    const { background, noise } = backgroundNoiseMaps(sim.volume, block);
    const bg = bruteMap(sortedMedian, sim.volume.data, shape, block);
    for (let i = 0; i < bg.length; i++) expect(background[i]).toBeCloseTo(bg[i] as number, 3);
    const dev = Array.from(sim.volume.data, (v, i) => Math.abs(v - (background[i] as number)));
    const sd = bruteMap((v) => 1.4826 * sortedMedian(v), dev, shape, block);
    for (let i = 0; i < sd.length; i++) expect(noise[i]).toBeCloseTo(sd[i] as number, 3);
  });

  it('one block per axis is a constant map; NaN is left out; a flat volume has zero noise', () => {
    const data = new Float32Array([1, 2, 3, Number.NaN, 5, 6, 7, 100]);
    const { background, noise } = backgroundNoiseMaps(createVolume(data, [2, 2, 2]), [4, 4, 4]);
    expect(Array.from(background)).toEqual(new Array(8).fill(5));
    // |x − 5| of the finite values: 4 3 2 0 1 2 95 → median 2 → σ 2.9652
    for (const s of noise) expect(s).toBeCloseTo(2 * 1.4826, 4);
    const flat = backgroundNoiseMaps(createVolume(new Uint16Array(27).fill(9), [3, 3, 3]), [1, 1, 1]);
    expect(Array.from(flat.noise)).toEqual(new Array(27).fill(0));
    expect(
      Array.from(normalizeBackground(createVolume(new Uint16Array(27).fill(9), [3, 3, 3])).data),
    ).toEqual(new Array(27).fill(0));
  });

  it('photon counting (most blocks with a MAD of 0): the clipped RMS of the residuals (hand-computed)', () => {
    // 2×2×2 blocks of 4×16×16; in each, every fifth voxel counts 1 photon, the rest 0 (205 of 1024):
    // median 0 and MAD 0, so the noise is the RMS of the lowest 99 % (1013 values, 194 of them 1).
    const shape: Vec3 = [8, 32, 32];
    const data = new Float32Array(8 * 32 * 32);
    for (let z = 0; z < 8; z++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const local = ((z % 4) * 16 + (y % 16)) * 16 + (x % 16);
          data[(z * 32 + y) * 32 + x] = local % 5 === 0 ? 1 : 0;
        }
    const { background, noise } = backgroundNoiseMaps(createVolume(data, shape), [4, 16, 16]);
    expect(Math.max(...background)).toBe(0);
    const expected = Math.sqrt(194 / 1013);
    for (const v of noise) expect(v).toBeCloseTo(expected, 6);
    // Blocks with a MAD of 0 among as many without (a median block above 0): they keep the floor
    // (5 % of that median), not the RMS, as a flat or clipped patch does.
    const mixed = Float32Array.from(data, (v, i) => (i < data.length / 2 ? v : v + ((i * 7919) % 13) - 6));
    const m = backgroundNoiseMaps(createVolume(mixed, shape), [4, 16, 16]);
    const centre = (1 * 32 + 8) * 32 + 8;
    expect(m.noise[centre]).toBeGreaterThan(0);
    expect(m.noise[centre]).toBeLessThan(expected / 2);
  });

  it('clipped from below (an offset subtracted, negatives stored as 0): the normal fitted above the clip', () => {
    // Background 5 ± 4 (σ) clipped at 0 in 3 of 8 block columns (11 % clipped: median and MAD are
    // right there), background −2 ± 4 in the other 5 (69 % clipped: the median is 0 and the MAD far
    // too small), so most blocks are clipped. Seeded Box–Muller draws.
    const shape: Vec3 = [8, 64, 128];
    let s = 99;
    const uniform = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    const data = new Float32Array(8 * 64 * 128);
    for (let i = 0; i < data.length; i++) {
      const x = i % 128;
      const g = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      data[i] = Math.max(0, (x < 48 ? 5 : -2) + 4 * g);
    }
    const { background, noise } = backgroundNoiseMaps(createVolume(data, shape), [4, 16, 16]);
    const at = (x: number) => (4 * 64 + 32) * 128 + x;
    for (const x of [8, 24]) {
      expect(background[at(x)]).toBeCloseTo(5, 0);
      expect(Math.abs((noise[at(x)] as number) - 4)).toBeLessThan(0.3);
    }
    for (const x of [104, 120]) {
      expect(Math.abs((background[at(x)] as number) + 2)).toBeLessThan(0.4);
      expect(Math.abs((noise[at(x)] as number) - 4)).toBeLessThan(0.4);
    }
    const once = Float32Array.from(data);
    once[0] = -1;
    const maps = backgroundNoiseMaps(createVolume(data, shape), [4, 16, 16]);
    expect(maps.clipped?.value).toBe(0);
    expect(maps.clipped?.weight[at(8)]).toBe(0);
    expect(maps.clipped?.weight[at(120)]).toBe(1);
    // backgroundInput says so: the clip and the share of voxels drawn (x ≥ 48, where the weight is at
    // least 0.5: 80 of 128 columns, Φ(0.5) = 0.69 of them at 0, so 0.43).
    const reported = backgroundInput(createVolume(data, shape), { unit: 1 });
    expect(reported.clipped?.value).toBe(0);
    expect(reported.clipped?.fraction).toBeCloseTo((80 / 128) * 0.6915, 1);
    expect(backgroundInput(createVolume(once, shape)).clipped).toBeUndefined();
    // drawBelowClip draws the same voxels as the transform does, and leaves an unclipped volume alone.
    const pre = drawBelowClip(createVolume(data, shape), [4, 16, 16]);
    expect(pre.clipped).toEqual(reported.clipped);
    const redrawn = backgroundInput(pre.volume, { unit: 1 });
    expect(redrawn.clipped).toBeUndefined();
    expect(Array.from(pre.volume.data).filter((v) => v < 0).length).toBe(
      Math.round((reported.clipped?.fraction as number) * data.length),
    );
    const plainVolume = createVolume(once, shape);
    expect(drawBelowClip(plainVolume).volume).toBe(plainVolume);
    // The transform draws the clipped voxels from the fitted normal: the clipped half reads as N(0, 1).
    const out = normalizeBackground(createVolume(data, shape), { knee: Number.POSITIVE_INFINITY, unit: 1 });
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < out.data.length; i++)
      if (i % 128 >= 80) {
        const r = out.data[i] as number;
        n++;
        sum += r;
        sq += r * r;
      }
    expect(Math.abs(sum / n)).toBeLessThan(0.1);
    expect(Math.abs(Math.sqrt(sq / n - (sum / n) ** 2) - 1)).toBeLessThan(0.1);
    // Clipped in only 3 of 8 block columns (a minority): median and MAD everywhere, as before.
    const minority = Float32Array.from(data, (v, i) => (i % 128 < 80 ? Math.max(0, v + 7) : v));
    expect(backgroundNoiseMaps(createVolume(minority, shape), [4, 16, 16]).clipped).toBeUndefined();
    // The same volume with one voxel below the rest is not clipped at that voxel's value: it reads as before.
    const plain = backgroundNoiseMaps(createVolume(once, shape), [4, 16, 16]);
    expect(plain.noise[at(120)]).toBeLessThan(2);
  });

  it('refuses a bad block with a message naming it', () => {
    const v = createVolume(new Uint8Array(8), [2, 2, 2]);
    expect(() => backgroundNoiseMaps(v, [0, 4, 4])).toThrow(PreprocessError);
    expect(() => normalizeInput(v, { method: 'background', block: [1, 2] as never })).toThrow(
      /normalization\.block must be \[z, y, x\]/,
    );
    expect(() => normalizeInput(v, { method: 'background', unit: -1 })).toThrow(/normalization\.unit/);
  });
});

describe("normalizeBackground ('background' input transform)", () => {
  const sim = simulateVolume({ shape: [8, 96, 96], count: 40, snr: 5, background: 20, seed: 11 });
  const base = normalizeBackground(sim.volume, { knee: Number.POSITIVE_INFINITY, unit: 1 });
  const atSpots = (data: ArrayLike<number>) =>
    sim.points.map((p) => data[(Math.round(p.z) * 96 + Math.round(p.y)) * 96 + Math.round(p.x)] as number);

  it('camera offset and gain do not change it', () => {
    const cam = Float32Array.from(sim.volume.data, (v) => 2000 + 2.5 * v);
    const out = normalizeBackground(createVolume(cam, sim.volume.shape), {
      knee: Number.POSITIVE_INFINITY,
      unit: 1,
    });
    for (let i = 0; i < out.data.length; i += 7) expect(out.data[i]).toBeCloseTo(base.data[i] as number, 3);
  });

  it('a background that varies slowly against the block size moves spots by a fraction of the noise', () => {
    // A gradient of 60 photons (3 noise σ at the background) across the volume, plus a smooth bump.
    const shape = sim.volume.shape;
    const lifted = new Float32Array(sim.volume.data.length);
    for (let z = 0; z < shape[0]; z++)
      for (let y = 0; y < shape[1]; y++)
        for (let x = 0; x < shape[2]; x++) {
          const i = (z * shape[1] + y) * shape[2] + x;
          const bump = 30 * Math.exp(-((x - 50) ** 2 + (y - 40) ** 2) / (2 * 25 ** 2));
          lifted[i] = (sim.volume.data[i] as number) + (60 * x) / shape[2] + bump;
        }
    const out = normalizeBackground(createVolume(lifted, shape), { knee: Number.POSITIVE_INFINITY, unit: 1 });
    const a = atSpots(base.data);
    const b = atSpots(out.data);
    const shift = a.map((v, i) => Math.abs(v - (b[i] as number)));
    // Spots stand ~7 noise σ above the background (SNR 5 over 20 photons); they move by < 10 % of that.
    expect(sortedMedian(b)).toBeGreaterThan(5);
    expect(sortedMedian(shift)).toBeLessThan(0.1 * sortedMedian(b));
    // A global normalisation moves them by ~6 σ (measured 6.4 against 0.53 here).
    const raw = normalizeInput(createVolume(lifted, shape), { method: 'noise' });
    const rawBase = normalizeInput(sim.volume, { method: 'noise' });
    const rawShift = atSpots(raw.data).map((v, i) => Math.abs(v - (atSpots(rawBase.data)[i] as number)));
    expect(sortedMedian(rawShift)).toBeGreaterThan(8 * sortedMedian(shift));
  });

  it('compresses beyond the knee and divides by the unit (hand-computed)', () => {
    const out = normalizeBackground(sim.volume, { knee: 4, unit: 2 });
    for (let i = 0; i < out.data.length; i += 13) {
      const r = base.data[i] as number;
      expect(out.data[i]).toBeCloseTo((4 * Math.asinh(r / 4)) / 2, 4);
    }
    const defaults = normalizeInput(sim.volume, { method: 'background' });
    for (let i = 0; i < 50; i++) {
      const r = base.data[i] as number;
      expect(defaults.data[i]).toBeCloseTo((20 * Math.asinh(r / 20)) / 10, 4);
    }
  });

  it('keeps NaN and the shape; one slice works', () => {
    const data = Float32Array.from(sim.volume.data);
    data[100] = Number.NaN;
    const out = normalizeBackground(createVolume(data, sim.volume.shape, [0.3, 0.1, 0.1]));
    expect(Number.isNaN(out.data[100])).toBe(true);
    expect(out.voxelSize).toEqual([0.3, 0.1, 0.1]);
    const one = createVolume(sim.volume.data.slice(0, 96 * 96), [1, 96, 96]);
    const o1 = normalizeBackground(one);
    expect(o1.shape).toEqual([1, 96, 96]);
    expect(o1.data.every((v) => Number.isFinite(v))).toBe(true);
  });
});
