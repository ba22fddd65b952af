import { createVolume, type Volume } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import {
  applySymmetry,
  checkTestTimeFlips,
  planeSymmetries,
  predictFlipAveraged,
  type TestTimeFlips,
  undoSymmetry,
} from '../src/flip-average';

/** A [z, y, x] volume whose voxel values say where they came from: 1000z + 100y + x + 1. */
function coded(shape: [number, number, number]): Volume<Float32Array> {
  const [Z, Y, X] = shape;
  const data = new Float32Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) data[(z * Y + y) * X + x] = 1000 * z + 100 * y + x + 1;
  return createVolume(data, shape);
}

const at = (v: Volume, z: number, y: number, x: number) =>
  v.data[(z * (v.shape[1] as number) + y) * (v.shape[2] as number) + x] as number;

describe('planeSymmetries', () => {
  it('lists the identity first, then mirrors, then the transposed ones', () => {
    expect(planeSymmetries(1)).toEqual([{ flipY: false, flipX: false, transpose: false }]);
    expect(planeSymmetries(2)[1]).toEqual({ flipY: false, flipX: true, transpose: false });
    expect(planeSymmetries(4).map((s) => [s.flipY, s.flipX])).toEqual([
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]);
    expect(planeSymmetries(8).filter((s) => s.transpose)).toHaveLength(4);
  });

  it('gives the eight distinct symmetries of a square plane', () => {
    const v = coded([1, 3, 3]);
    const seen = new Set(planeSymmetries(8).map((s) => Array.from(applySymmetry(v, s).data).join(',')));
    expect(seen.size).toBe(8);
  });

  it.each([0, 3, 1.5, '4', undefined, null])('rejects flips %s', (bad) => {
    expect(() => checkTestTimeFlips(bad, 'metadata field flips')).toThrow(
      /metadata field flips must be 1, 2, 4 or 8/,
    );
    expect(() => planeSymmetries(bad as TestTimeFlips)).toThrow(/flips must be 1, 2, 4 or 8/);
  });
});

describe('applySymmetry / undoSymmetry', () => {
  it('moves voxels where the definition says (hand-checked)', () => {
    const v = coded([2, 3, 4]); // value 1000z + 100y + x + 1
    const m = applySymmetry(v, { flipY: true, flipX: false, transpose: false });
    expect(m.shape).toEqual([2, 3, 4]);
    expect(at(m, 1, 0, 2)).toBe(1000 + 200 + 2 + 1); // y 0 ← y 2
    const t = applySymmetry(v, { flipY: false, flipX: true, transpose: true });
    expect(t.shape).toEqual([2, 4, 3]);
    // t(z, a, b) = mirrored(z, b, a), mirrored(z, y, x) = v(z, y, 3 − x)
    expect(at(t, 0, 1, 2)).toBe(200 + (3 - 1) + 1);
    expect(at(t, 1, 3, 0)).toBe(1000 + 0 + 0 + 1);
  });

  it('swaps the voxel size with y and x', () => {
    const v = createVolume(new Float32Array(6), [1, 2, 3], [0.3, 0.1, 0.2]);
    expect(applySymmetry(v, { flipY: true, flipX: true, transpose: true }).voxelSize).toEqual([
      0.3, 0.2, 0.1,
    ]);
  });

  it.each(planeSymmetries(8).map((s) => [JSON.stringify(s), s] as const))(
    'round-trips %s on a non-square volume',
    (_, s) => {
      const v = coded([3, 4, 5]);
      const back = undoSymmetry(applySymmetry(v, s), s);
      expect(back.shape).toEqual([3, 4, 5]);
      expect(Array.from(back.data)).toEqual(Array.from(v.data));
    },
  );

  it('works on one voxel and one slice', () => {
    const one = createVolume(Float32Array.of(7), [1, 1, 1]);
    for (const s of planeSymmetries(8)) expect(Array.from(applySymmetry(one, s).data)).toEqual([7]);
  });

  it('rejects data that does not fill the shape', () => {
    const bad = { data: new Float32Array(5), shape: [1, 2, 3] } as unknown as Volume;
    expect(() => applySymmetry(bad, planeSymmetries(2)[1] as never)).toThrow(
      /5 values, its shape 1×2×3 needs 6/,
    );
  });
});

describe('predictFlipAveraged', () => {
  /** A "network" that is not symmetric: every voxel of its map is its own y (or x) index. */
  const ramp = (axis: 'y' | 'x') => async (v: Volume<Float32Array>) => {
    const [Z, Y, X] = v.shape;
    const out = new Float32Array(Z * Y * X);
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) out[(z * Y + y) * X + x] = axis === 'y' ? y : x;
    return createVolume(out, [Z, Y, X]);
  };
  const v = coded([2, 4, 6]);

  it('is predict itself with flips 1', async () => {
    const map = await predictFlipAveraged(v, ramp('x'), 1);
    expect(map.data[5]).toBe(5);
  });

  it('averages a ramp to its mean where its axis is mirrored (hand-computed)', async () => {
    // x mirrored in half the maps: (x + 5 − x) / 2 = 2.5 everywhere; y never mirrored with 2.
    expect(new Set((await predictFlipAveraged(v, ramp('x'), 2)).data)).toEqual(new Set([2.5]));
    expect(Array.from((await predictFlipAveraged(v, ramp('y'), 2)).data.slice(0, 12))).toEqual([
      0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1,
    ]);
    expect(new Set((await predictFlipAveraged(v, ramp('y'), 4)).data)).toEqual(new Set([1.5]));
    // With the transposed four, the map's y is the input's x in half of them: (1.5 + 2.5) / 2.
    expect(new Set((await predictFlipAveraged(v, ramp('y'), 8)).data)).toEqual(new Set([2]));
  });

  it('leaves a symmetric predictor unchanged', async () => {
    const map = await predictFlipAveraged(
      v,
      async (x) => createVolume(Float32Array.from(x.data), x.shape),
      8,
    );
    expect(Array.from(map.data)).toEqual(Array.from(v.data));
  });

  it('gives the same mean whatever order the maps arrive in', async () => {
    const noisy = coded([2, 4, 4]);
    for (let i = 0; i < noisy.data.length; i++) noisy.data[i] = Math.fround(Math.sin(i) * 1e-3 + 0.3);
    const run = (delay: (k: number) => number) => {
      let k = 0;
      return predictFlipAveraged(
        noisy,
        async (v) => {
          const wait = delay(k++);
          await new Promise((r) => setTimeout(r, wait));
          return createVolume(
            Float32Array.from(v.data, (x, i) => x * (1 + i / 7)),
            v.shape,
          );
        },
        8,
      );
    };
    const inOrder = await run((k) => k);
    const reversed = await run((k) => 8 - k);
    expect(Array.from(reversed.data)).toEqual(Array.from(inOrder.data));
  });

  it('rejects a map of the wrong shape', async () => {
    await expect(predictFlipAveraged(v, async () => coded([2, 4, 6]), 8)).rejects.toThrow(
      /map of shape 2×4×6 for an input of 2×6×4/,
    );
  });
});
