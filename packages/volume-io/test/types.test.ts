import { describe, expectTypeOf, it } from 'vitest';
import {
  cropVolume,
  flipVolume,
  normalizePercentile,
  type PointRecord,
  readPointsCsv,
  readTiff,
  toFloat32,
  type Volume,
  type VolumeIoErrorCode,
} from '../src/index';

// Type tests: checked by `npm run typecheck` (tsc over test files); a wrong type fails CI.
// The calls sit in functions that never run: only their types are under test.

describe('types', () => {
  it('volume operations keep the element type', () => {
    const typesOnly = (v16: Volume<Uint16Array>) => {
      expectTypeOf(cropVolume(v16, [0, 0, 0], [1, 1, 1])).toEqualTypeOf<Volume<Uint16Array>>();
      expectTypeOf(flipVolume(v16, 'x')).toEqualTypeOf<Volume<Uint16Array>>();
      expectTypeOf(toFloat32(v16)).toEqualTypeOf<Volume<Float32Array>>();
      expectTypeOf(normalizePercentile(v16)).toEqualTypeOf<Volume<Float32Array>>();
      // @ts-expect-error: only z, y, x are axes
      flipVolume(v16, 'w');
    };
    expectTypeOf(typesOnly).parameter(0).toEqualTypeOf<Volume<Uint16Array>>();
  });

  it('readers return the documented shapes', () => {
    expectTypeOf(readTiff).returns.resolves.toEqualTypeOf<Volume>();
    expectTypeOf(readPointsCsv).returns.toEqualTypeOf<PointRecord[]>();
    expectTypeOf<PointRecord['x']>().toEqualTypeOf<number>();
    expectTypeOf<'NOT_TIFF'>().toExtend<VolumeIoErrorCode>();
  });
});
