/**
 * How the CLI says that the input transform read the stack as clipped from below (an offset or a
 * background subtracted and the negatives stored as the clip), or undefined when it did not: for one
 * volume, with the clip and the share of voxels drawn below it, or over the blocks that were.
 */
export function describeClippedInput(result: {
  clippedInput?: { value: number; fraction: number };
  clippedBlocks?: number;
  blocks?: number;
}): string | undefined {
  const why = 'their noise drawn from the values above the clip';
  if (result.clippedBlocks)
    return `read as clipped from below in ${result.clippedBlocks} of ${result.blocks ?? '?'} block${result.blocks === 1 ? '' : 's'} (negatives stored as the lowest value), ${why}`;
  const c = result.clippedInput;
  if (!c) return undefined;
  return `read as clipped from below at ${Number(c.value.toPrecision(6))}: ${(100 * c.fraction).toFixed(0)} % of the voxels there, ${why}`;
}
