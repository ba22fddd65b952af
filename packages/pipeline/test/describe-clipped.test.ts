import { describe, expect, it } from 'vitest';
import { describeClippedInput } from '../src/cli/describe-clipped';

describe('describeClippedInput (what dmdet detect prints about a stack clipped from below)', () => {
  it('says nothing for a volume not read as clipped', () => {
    expect(describeClippedInput({})).toBeUndefined();
    expect(describeClippedInput({ blocks: 4 })).toBeUndefined();
  });

  it('names the clip and the share of voxels drawn below it', () => {
    expect(describeClippedInput({ clippedInput: { value: 0, fraction: 0.4321 } })).toBe(
      'read as clipped from below at 0: 43 % of the voxels there, their noise drawn from the values above the clip',
    );
    expect(describeClippedInput({ clippedInput: { value: 0.1 + 0.2, fraction: 0.5 } })).toMatch(
      /at 0\.3: 50 %/,
    );
  });

  it('counts the blocks read as clipped', () => {
    expect(describeClippedInput({ clippedBlocks: 3, blocks: 8 })).toBe(
      'read as clipped from below in 3 of 8 blocks (negatives stored as the lowest value), their noise drawn from the values above the clip',
    );
    expect(describeClippedInput({ clippedBlocks: 1, blocks: 1 })).toMatch(/in 1 of 1 block \(/);
  });
});
