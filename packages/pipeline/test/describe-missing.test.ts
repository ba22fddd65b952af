import { describe, expect, it } from 'vitest';
import { describeMissingVoxels } from '../src/cli/describe-missing';

describe('describeMissingVoxels (what dmdet detect prints about voxels without data)', () => {
  it('says nothing when every voxel holds data', () => {
    expect(describeMissingVoxels({})).toBeUndefined();
    expect(describeMissingVoxels({ blocks: 4 })).toBeUndefined();
  });

  it('names the share of the voxels, the padding value and the voxels that are not numbers', () => {
    expect(
      describeMissingVoxels({
        missingVoxels: { nonFinite: 0, padding: 4608, paddingValue: 0, fraction: 0.2 },
      }),
    ).toBe(
      '20 % of the voxels hold no data (4608 of padding at 0): left out of the input transform and read as background, no detections there',
    );
    expect(
      describeMissingVoxels({ missingVoxels: { nonFinite: 12, padding: 0, fraction: 0.0000123 } }),
    ).toMatch(/^0\.001 % of the voxels hold no data \(12 NaN or ±Infinity\)/);
    expect(
      describeMissingVoxels({
        missingVoxels: { nonFinite: 5, padding: 7, paddingValue: 0.1 + 0.2, fraction: 0.5 },
      }),
    ).toMatch(/^50 % .*\(7 of padding at 0\.3, 5 NaN or ±Infinity\)/);
  });

  it('counts the blocks that had such voxels', () => {
    expect(describeMissingVoxels({ missingBlocks: 2, blocks: 8 })).toBe(
      'voxels that hold no data (NaN, ±Infinity or padding) in 2 of 8 blocks: left out of the input transform and read as background, no detections there',
    );
    expect(describeMissingVoxels({ missingBlocks: 1, blocks: 1 })).toMatch(/in 1 of 1 block:/);
  });
});
