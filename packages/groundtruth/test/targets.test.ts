import { createVolume, type Vec3 } from '@dmdet/volume-io';
import { describe, expect, it } from 'vitest';
import { binaryTarget, densityMap, GroundtruthError, greyDilation, weightMap } from '../src/index';

/** Brute-force grey dilation: for every voxel, the max over its in-bounds window. */
function bruteDilation(data: ArrayLike<number>, shape: Vec3, dz: number): number[] {
  const [Z, Y, X] = shape;
  const out: number[] = [];
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        let m = Number.NEGATIVE_INFINITY;
        for (let a = -dz; a <= dz; a++)
          for (let b = -1; b <= 1; b++)
            for (let c = -1; c <= 1; c++) {
              const [zz, yy, xx] = [z + a, y + b, x + c];
              if (zz < 0 || yy < 0 || xx < 0 || zz >= Z || yy >= Y || xx >= X) continue;
              m = Math.max(m, data[(zz * Y + yy) * X + xx] as number);
            }
        out.push(m);
      }
  return out;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('greyDilation and weightMap', () => {
  const rand = lcg(3);
  for (const shape of [
    [4, 6, 7],
    [1, 5, 5],
    [3, 1, 4],
    [2, 2, 1],
  ] as Vec3[]) {
    const data = Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => rand());
    const v = createVolume(data, shape);
    it(`dilation equals brute force on ${shape.join('x')}, both footprints`, () => {
      expect(Array.from(greyDilation(v, '3x3').data)).toEqual(bruteDilation(data, shape, 0));
      expect(Array.from(greyDilation(v, '3x3x3').data)).toEqual(bruteDilation(data, shape, 1));
    });
    it(`weight map is lambda+1 where the dilation reaches T on ${shape.join('x')}`, () => {
      for (const footprint of ['3x3', '3x3x3'] as const) {
        const w = weightMap(v, { lambda: 5, threshold: 0.7, footprint });
        const d = bruteDilation(data, shape, footprint === '3x3' ? 0 : 1);
        expect(Array.from(w.data)).toEqual(d.map((x) => (x >= 0.7 ? 6 : 1)));
      }
    });
  }

  it('defaults to lambda 10, T 0.2, 3x3 in-plane: a particle lights its plane neighbours, not the next slice', () => {
    const y = densityMap([{ x: 3, y: 3, z: 2 }], [5, 7, 7], { sigmaXY: 1, sigmaZ: 0.3 });
    const w = weightMap(y);
    const at = (z: number, yy: number, x: number) => w.data[(z * 7 + yy) * 7 + x];
    expect(at(2, 3, 3)).toBe(11);
    expect(at(2, 5, 5)).toBe(11); // y at (2,4,4) is exp(-1) >= 0.2, dilated onto (2,5,5)
    expect(at(2, 6, 6)).toBe(1);
    expect(at(3, 3, 3)).toBe(1); // exp(-1/(2*0.09)) < 0.2, and 3x3 does not reach across z
    expect(weightMap(y, { footprint: '3x3x3' }).data[(3 * 7 + 3) * 7 + 3]).toBe(11);
  });

  it('a value exactly at the threshold counts (>= T)', () => {
    const w = weightMap(createVolume(Float32Array.from([0.25, 0, 0]), [1, 1, 3]), { threshold: 0.25 });
    expect(Array.from(w.data)).toEqual([11, 11, 1]);
  });

  it('rejects NaN density and bad options', () => {
    const nan = createVolume(Float32Array.from([0, Number.NaN]), [1, 1, 2]);
    expect(() => weightMap(nan)).toThrow(/density is NaN at voxel 1/);
    const ok = createVolume(new Float32Array(2), [1, 1, 2]);
    expect(() => weightMap(ok, { lambda: -1 })).toThrow(GroundtruthError);
    expect(() => weightMap(ok, { footprint: '5x5' as never })).toThrow(/footprint must be '3x3' or '3x3x3'/);
  });
});

describe('binaryTarget', () => {
  it('marks the nearest voxel of each point, clipped at the borders', () => {
    const t = binaryTarget(
      [
        { x: 1.4, y: 0.6, z: 0 },
        { x: 3.5, y: 2.5, z: 1.5 },
        { x: -0.5, y: -0.5, z: -0.5 },
      ],
      [2, 3, 4],
    );
    const ones = [...t.data.keys()].filter((i) => t.data[i] === 1);
    // (0,1,1) -> 5; (1.5 rounds to 2, clipped to 1; 2.5 -> 3 clipped to 2; 3.5 -> 4 clipped to 3) -> 23; (0,0,0) -> 0
    expect(ones).toEqual([0, 5, 23]);
    expect(t.data).toBeInstanceOf(Uint8Array);
  });

  it('marks a ball of the given radius (anisotropic with radiusZ)', () => {
    const t = binaryTarget([{ x: 3, y: 3, z: 2 }], [5, 7, 7], { radius: 1, radiusZ: 0 });
    expect(t.data.reduce((a, b) => a + b, 0)).toBe(5); // centre + 4 in-plane neighbours
    const ball = binaryTarget([{ x: 3, y: 3, z: 2 }], [5, 7, 7], { radius: 1 });
    expect(ball.data.reduce((a, b) => a + b, 0)).toBe(7);
    const big = binaryTarget([{ x: 3, y: 3, z: 2 }], [5, 7, 7], { radius: 1.5 });
    expect(big.data.reduce((a, b) => a + b, 0)).toBe(19); // |d|² <= 2.25: 1 + 6 + 12
  });

  it('rejects bad points and radii', () => {
    expect(() => binaryTarget([{ x: 0, y: 0, z: 2 }], [2, 2, 2])).toThrow(/z = 2 is outside/);
    expect(() => binaryTarget([], [2, 2, 2], { radius: -1 })).toThrow(
      /radius must be a number of voxels >= 0/,
    );
  });
});
