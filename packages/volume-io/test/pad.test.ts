import { describe, expect, it } from 'vitest';
import { createVolume, padToSize } from '../src/index';

describe('padToSize', () => {
  it("mirrors at the far ends like numpy.pad(mode='symmetric') on the high side (hand-computed)", () => {
    // 1×2×3: [[1,2,3],[4,5,6]] → 2×3×5
    const v = createVolume(new Uint16Array([1, 2, 3, 4, 5, 6]), [1, 2, 3], [0.5, 0.1, 0.1]);
    const p = padToSize(v, [2, 3, 5]);
    expect(p.shape).toEqual([2, 3, 5]);
    expect(p.data).toBeInstanceOf(Uint16Array);
    expect(p.voxelSize).toEqual([0.5, 0.1, 0.1]);
    const plane = [1, 2, 3, 3, 2, 4, 5, 6, 6, 5, 4, 5, 6, 6, 5];
    expect(Array.from(p.data)).toEqual([...plane, ...plane]);
  });

  it('keeps large-enough axes and the original voxels at their indices; more than twice the size wraps the mirror', () => {
    const v = createVolume(
      Float32Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    );
    expect(padToSize(v, [1, 1, 1])).toBe(v);
    const p = padToSize(v, [2, 8, 4]);
    for (let z = 0; z < 2; z++)
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 4; x++) expect(p.data[(z * 8 + y) * 4 + x]).toBe(v.data[(z * 3 + y) * 4 + x]);
    // rows 0 1 2 | 2 1 0 | 0 1
    const rows = Array.from({ length: 8 }, (_, y) => p.data[y * 4] as number);
    expect(rows).toEqual([0, 4, 8, 8, 4, 0, 0, 4]);
    expect(() => padToSize(v, [1, 2] as never)).toThrow(/size must be \[z, y, x\]/);
  });
});
