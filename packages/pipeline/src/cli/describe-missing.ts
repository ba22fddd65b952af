/**
 * How the CLI says that some voxels hold no data (`detect`'s `missingVoxels`: NaN or ±Infinity, or
 * padding as deskewed, registered or stitched stacks have), or undefined when every voxel does: for
 * one volume, with their share and kinds, or over the blocks that had them.
 */
export function describeMissingVoxels(result: {
  missingVoxels?: { nonFinite: number; padding: number; paddingValue?: number; fraction: number };
  missingBlocks?: number;
  blocks?: number;
}): string | undefined {
  const what = 'left out of the input transform and read as background, no detections there';
  if (result.missingBlocks)
    return `voxels that hold no data (NaN, ±Infinity or padding) in ${result.missingBlocks} of ${result.blocks ?? '?'} block${result.blocks === 1 ? '' : 's'}: ${what}`;
  const m = result.missingVoxels;
  if (!m) return undefined;
  const kinds = [
    ...(m.padding > 0
      ? [`${m.padding} of padding at ${Number((m.paddingValue ?? Number.NaN).toPrecision(6))}`]
      : []),
    ...(m.nonFinite > 0 ? [`${m.nonFinite} NaN or ±Infinity`] : []),
  ];
  const share = 100 * m.fraction;
  return `${share < 1 ? share.toPrecision(1) : share.toFixed(0)} % of the voxels hold no data (${kinds.join(', ')}): ${what}`;
}
