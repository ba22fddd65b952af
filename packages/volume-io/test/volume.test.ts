import { describe, expect, it } from 'vitest';
import {
  createVolume,
  cropVolume,
  flipVolume,
  minMax,
  toFloat32,
  type Vec3,
  VolumeIoError,
  validateShape,
  volumeDType,
  voxelCount,
} from '../src/index';

const at = (shape: Vec3, z: number, y: number, x: number) => (z * shape[1] + y) * shape[2] + x;

function ramp(shape: Vec3): Uint16Array {
  return Uint16Array.from({ length: voxelCount(shape) }, (_, i) => i);
}

describe('createVolume', () => {
  it('keeps data, shape and voxel size, without copying', () => {
    const data = ramp([2, 3, 4]);
    const v = createVolume(data, [2, 3, 4], [0.3, 0.1, 0.1]);
    expect(v.data).toBe(data);
    expect(v.shape).toEqual([2, 3, 4]);
    expect(v.voxelSize).toEqual([0.3, 0.1, 0.1]);
    expect(volumeDType(v)).toBe('uint16');
    expect(volumeDType(new Float32Array(1))).toBe('float32');
    expect(volumeDType(new Uint8Array(1))).toBe('uint8');
  });

  it.each([
    [[0, 3, 4], /shape z must be a positive integer, got 0/],
    [[2, 3.5, 4], /shape y must be a positive integer, got 3.5/],
    [[2, 3], /shape must be \[z, y, x\]/],
    [[2, 3, Number.NaN], /shape x must be a positive integer/],
  ])('rejects shape %j', (shape, message) => {
    expect(() => createVolume(new Uint8Array(24), shape as unknown as Vec3)).toThrow(message);
  });

  it('rejects a length that does not match, a bad voxel size, and unsupported arrays', () => {
    expect(() => createVolume(new Uint8Array(23), [2, 3, 4])).toThrow(
      /23 values but shape \[2, 3, 4\] needs 24/,
    );
    expect(() => createVolume(new Uint8Array(24), [2, 3, 4], [0.3, 0, 0.1])).toThrow(
      /voxelSize y must be a positive/,
    );
    expect(() => createVolume(new Uint8Array(24), [2, 3, 4], [Number.NaN, 1, 1])).toThrow(/voxelSize z/);
    expect(() => createVolume(new Float64Array(24) as unknown as Float32Array, [2, 3, 4])).toThrow(
      VolumeIoError,
    );
    expect(() => validateShape([1, 1, 1], [1, 1])).toThrow(/voxelSize must be \[z, y, x\]/);
  });
});

describe('cropVolume and flipVolume agree with index arithmetic', () => {
  const shape: Vec3 = [3, 4, 5];
  const v = createVolume(ramp(shape), shape, [1, 0.5, 0.5]);

  it('crops a box', () => {
    const c = cropVolume(v, [1, 1, 2], [2, 3, 2]);
    expect(c.shape).toEqual([2, 3, 2]);
    expect(c.voxelSize).toEqual([1, 0.5, 0.5]);
    expect(c.data).toBeInstanceOf(Uint16Array);
    for (let z = 0; z < 2; z++)
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 2; x++)
          expect(c.data[at([2, 3, 2], z, y, x)]).toBe(v.data[at(shape, z + 1, y + 1, x + 2)]);
  });

  it('crops the whole volume and single voxels at the corners', () => {
    expect(Array.from(cropVolume(v, [0, 0, 0], shape).data)).toEqual(Array.from(v.data));
    expect(Array.from(cropVolume(v, [2, 3, 4], [1, 1, 1]).data)).toEqual([v.data[v.data.length - 1]]);
  });

  it.each([
    [
      [0, 0, 0],
      [4, 1, 1],
    ],
    [
      [-1, 0, 0],
      [1, 1, 1],
    ],
    [
      [0, 0, 4],
      [1, 1, 2],
    ],
    [
      [0, 0, 0],
      [1, 0, 1],
    ],
  ])('refuses a crop from %j of size %j', (start, size) => {
    expect(() => cropVolume(v, start as unknown as Vec3, size as unknown as Vec3)).toThrow(
      expect.objectContaining({ code: 'OUT_OF_RANGE' }),
    );
  });

  it.each(['x', 'y', 'z'] as const)('flips along %s', (axis) => {
    const f = flipVolume(v, axis);
    const [Z, Y, X] = shape;
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++) {
          const src =
            axis === 'x'
              ? at(shape, z, y, X - 1 - x)
              : axis === 'y'
                ? at(shape, z, Y - 1 - y, x)
                : at(shape, Z - 1 - z, y, x);
          expect(f.data[at(shape, z, y, x)]).toBe(v.data[src]);
        }
    expect(Array.from(flipVolume(f, axis).data)).toEqual(Array.from(v.data));
  });
});

describe('toFloat32 and minMax', () => {
  it('converts integer volumes and passes float32 through', () => {
    const f = toFloat32(createVolume(Uint8Array.from([0, 255, 7]), [1, 1, 3]));
    expect(f.data).toEqual(Float32Array.from([0, 255, 7]));
    expect(toFloat32(f)).toBe(f);
  });

  it('ignores NaN, and says NaN when nothing else is there', () => {
    const v = createVolume(Float32Array.from([Number.NaN, 3, -2, Number.NaN]), [1, 2, 2]);
    expect(minMax(v)).toEqual({ min: -2, max: 3 });
    expect(minMax(createVolume(Float32Array.from([Number.NaN]), [1, 1, 1]))).toEqual({
      min: Number.NaN,
      max: Number.NaN,
    });
    expect(minMax(createVolume(Uint16Array.from([9]), [1, 1, 1]))).toEqual({ min: 9, max: 9 });
  });
});
