import { createVolume, type Vec3, type Volume } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import { PostprocessError, predictTiled, tilePlan } from '../src/index';

/** Stand-in for a fully convolutional net: two 3×3×3 box means (receptive-field radius 2), zero padding. */
function boxMean(v: Volume<Float32Array>): Float32Array {
  const [Z, Y, X] = v.shape;
  let cur = v.data;
  for (let pass = 0; pass < 2; pass++) {
    const out = new Float32Array(cur.length);
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          let s = 0;
          for (let a = -1; a <= 1; a++)
            for (let b = -1; b <= 1; b++)
              for (let c = -1; c <= 1; c++) {
                const [zz, yy, xx] = [z + a, y + b, x + c];
                if (zz >= 0 && yy >= 0 && xx >= 0 && zz < Z && yy < Y && xx < X)
                  s += cur[(zz * Y + yy) * X + xx] as number;
              }
          out[(z * Y + y) * X + x] = s / 27;
        }
    cur = out;
  }
  return cur;
}

/**
 * Stand-in for a net with one stride-2 step in y and x: pads them to even sizes with zeros, averages
 * 2×2 blocks, upsamples (nearest), crops back and applies {@link boxMean}: its output depends on the
 * parity of the input's origin, as a strided network's depends on alignment to its downsampling.
 */
function pooled(v: Volume<Float32Array>): Float32Array {
  const [Z, Y, X] = v.shape;
  const Yp = Y + (Y % 2);
  const Xp = X + (X % 2);
  const at = (z: number, y: number, x: number) =>
    y < Y && x < X ? (v.data[(z * Y + y) * X + x] as number) : 0;
  const padded = new Float32Array(Z * Yp * Xp);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Yp; y++)
      for (let x = 0; x < Xp; x++) {
        const y0 = y - (y % 2);
        const x0 = x - (x % 2);
        padded[(z * Yp + y) * Xp + x] =
          (at(z, y0, x0) + at(z, y0 + 1, x0) + at(z, y0, x0 + 1) + at(z, y0 + 1, x0 + 1)) / 4;
      }
  const smooth = boxMean(createVolume(padded, [Z, Yp, Xp]));
  const out = new Float32Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      out.set(smooth.subarray((z * Yp + y) * Xp, (z * Yp + y) * Xp + X), (z * Y + y) * X);
  return out;
}

describe('predictTiled', () => {
  const shape: Vec3 = [7, 23, 30];
  const volume = createVolume(
    Float32Array.from({ length: 7 * 23 * 30 }, (_, i) => Math.sin(i * 0.37) + 1),
    shape,
    [1, 0.5, 0.5],
  );
  const whole = boxMean(volume);

  it.each([
    [[5, 10, 12], 2],
    [
      [5, 9, 9],
      [2, 2, 2],
    ],
    [
      [7, 16, 11],
      [2, 3, 2],
    ],
    [[100, 100, 100], 2],
  ] as [Vec3, number | Vec3][])(
    'tile %j overlap %j equals whole-volume prediction exactly',
    async (tile, overlap) => {
      const seen: number[][] = [];
      const got = await predictTiled(
        volume,
        (t) => {
          seen.push([...t.shape]);
          return boxMean(t);
        },
        { tile, overlap },
      );
      expect(got.voxelSize).toEqual([1, 0.5, 0.5]);
      expect(Array.from(got.data)).toEqual(Array.from(whole));
      // Every tile has the same (clipped) shape: a model sees a fixed input size.
      expect(new Set(seen.map((s) => s.join('x'))).size).toBe(1);
    },
  );

  it('with align, equals an alignment-dependent whole pass on sizes that are not multiples of it', async () => {
    // 23 is odd: the last tiles along y end at 24 (zeros beyond the volume, as the stand-in's own
    // padding), aligned like the rest, instead of being shifted inward to an odd origin.
    for (const tile of [
      [7, 12, 12],
      [7, 16, 10],
    ] as Vec3[]) {
      const starts: number[][] = [];
      const got = await predictTiled(
        volume,
        (t) => {
          starts.push([...t.shape]);
          return pooled(t);
        },
        { tile, overlap: [0, 4, 4], align: [1, 2, 2] },
      );
      expect(Array.from(got.data)).toEqual(Array.from(pooled(volume)));
      expect(starts.length).toBeGreaterThan(2);
    }
    // Shifted inward (a tile that is not a multiple of align) it is not exact: what the above guards.
    const shifted = await predictTiled(volume, pooled, { tile: [7, 13, 13], overlap: [0, 4, 4], align: 1 });
    expect(Array.from(shifted.data)).not.toEqual(Array.from(pooled(volume)));
    expect(tilePlan(23, 12, 4, 4).map((p) => p.start)).toEqual([0, 4, 8, 12]);
    expect(tilePlan(23, 12, 4, 4).at(-1)?.coreTo).toBe(23);
  });

  it('a region: equals the whole pass inside it, 0 outside, with only the tiles it needs', async () => {
    const region = { start: [1, 5, 7] as Vec3, size: [5, 12, 18] as Vec3 };
    let count = 0;
    const got = await predictTiled(
      volume,
      (t) => {
        count++;
        return boxMean(t);
      },
      { tile: [7, 10, 12], overlap: [2, 2, 2], region },
    );
    let all = 0;
    await predictTiled(
      volume,
      (t) => {
        all++;
        return boxMean(t);
      },
      { tile: [7, 10, 12], overlap: [2, 2, 2] },
    );
    expect(count).toBeLessThan(all);
    const [, Y, X] = shape;
    for (let z = 0; z < 7; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          const i = (z * Y + y) * X + x;
          const inside = z >= 1 && z < 6 && y >= 5 && y < 17 && x >= 7 && x < 25;
          expect(got.data[i]).toBe(inside ? whole[i] : 0);
        }
    // Cores cover exactly the region; starts stay aligned.
    const plan = tilePlan(100, 40, 8, 4, 30, 61);
    expect(plan[0]?.coreFrom).toBe(30);
    expect(plan.at(-1)?.coreTo).toBe(61);
    expect(plan.every((p) => p.start % 4 === 0)).toBe(true);
    for (let i = 1; i < plan.length; i++) expect(plan[i]?.coreFrom).toBe(plan[i - 1]?.coreTo);
    await expect(
      predictTiled(volume, boxMean, { region: { start: [0, 0, 0], size: [8, 1, 1] } }),
    ).rejects.toThrow(/region must lie inside the 7×23×30 volume/);
  });

  it('differs from whole-volume prediction when the overlap is below the receptive field', async () => {
    const got = await predictTiled(volume, boxMean, { tile: [4, 10, 12], overlap: 1 });
    expect(Array.from(got.data)).not.toEqual(Array.from(whole));
  });

  it('covers the axis with aligned origins', () => {
    const plan = tilePlan(100, 40, 8, 4);
    expect(plan[0]).toEqual({ start: 0, coreFrom: 0, coreTo: 32 });
    expect(plan.every((p, i) => i === plan.length - 1 || p.start % 4 === 0)).toBe(true);
    expect(plan.at(-1)?.coreTo).toBe(100);
    for (let i = 1; i < plan.length; i++) expect(plan[i]?.coreFrom).toBe(plan[i - 1]?.coreTo);
  });

  it('accepts async tile predictors, reports progress and stops when aborted', async () => {
    const progress: string[] = [];
    await predictTiled(volume, async (t) => boxMean(t), {
      tile: [7, 23, 20],
      overlap: 2,
      onProgress: (p) => progress.push(`${p.done}/${p.total}`),
    });
    expect(progress).toEqual(['1/2', '2/2']);
    const c = new AbortController();
    c.abort();
    await expect(predictTiled(volume, boxMean, { signal: c.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('with concurrency, keeps that many tiles in flight and still equals whole-volume prediction', async () => {
    let inFlight = 0;
    let most = 0;
    const got = await predictTiled(
      volume,
      async (t) => {
        inFlight++;
        most = Math.max(most, inFlight);
        // finish out of order: later tiles sooner
        await new Promise((r) => setTimeout(r, 20 - t.data.length / 1000));
        inFlight--;
        return boxMean(t);
      },
      { tile: [5, 9, 9], overlap: 2, concurrency: 3 },
    );
    expect(most).toBe(3);
    expect(Array.from(got.data)).toEqual(Array.from(whole));
    await expect(predictTiled(volume, boxMean, { concurrency: 0 })).rejects.toThrow(
      /concurrency must be a positive integer, got 0/,
    );
    // a failing tile rejects the whole call
    let calls = 0;
    await expect(
      predictTiled(
        volume,
        async (t) => {
          if (++calls === 2) throw new Error('tile failed');
          return boxMean(t);
        },
        { tile: [5, 9, 9], overlap: 2, concurrency: 2 },
      ),
    ).rejects.toThrow('tile failed');
  });

  it('explains a bad tile output and impossible tiling', async () => {
    await expect(
      predictTiled(volume, () => new Float32Array(3), { tile: [5, 10, 12], overlap: 2 }),
    ).rejects.toThrow(/predictTile returned 3 values for a 5×10×12 tile; expected 600/);
    await expect(predictTiled(volume, boxMean, { tile: [4, 10, 12], overlap: 5 })).rejects.toThrow(
      PostprocessError,
    );
    await expect(predictTiled(volume, boxMean, { tile: [0, 10, 12] })).rejects.toThrow(
      /tile must be an integer >= 1/,
    );
  });
});
