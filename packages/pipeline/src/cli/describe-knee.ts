import { BACKGROUND_DEFAULTS, type InputNormalization } from '@dmdet/preprocess';

/** The knee of a model's `'background'` input transform (noise σ), or the default knee for another transform. */
export function modelKnee(normalization: InputNormalization | undefined): number {
  return (normalization?.method === 'background' && normalization.knee) || BACKGROUND_DEFAULTS.knee;
}

/**
 * How the CLI says that the input knee was raised above `base` (noise σ) for very bright spots, or
 * undefined when it was not: for one volume, or over the blocks that raised it.
 */
export function describeRaisedKnee(
  result: { inputKnee?: number; spotPeak?: number; blockKnees?: number[] },
  base: number,
): string | undefined {
  const knees = result.blockKnees ?? (result.inputKnee !== undefined ? [result.inputKnee] : []);
  const raised = knees.filter((k) => k > base);
  if (raised.length === 0) return undefined;
  const lo = Math.min(...raised);
  const hi = Math.max(...raised);
  const value = hi - lo >= 0.5 ? `${lo.toFixed(0)}–${hi.toFixed(0)}` : hi.toFixed(0);
  const why = result.blockKnees
    ? `in ${raised.length} of ${knees.length} block${knees.length === 1 ? '' : 's'}`
    : `for spots peaking at ${result.spotPeak?.toFixed(0) ?? '?'} noise σ`;
  return `input knee raised from ${base} to ${value} σ ${why}, so very bright spots keep their shape (--input-knee ${base} keeps the model's)`;
}

/**
 * How the CLI says that a bright pass ran (`detect`'s `brightPass`, or `detectInBlocks`'): its knee
 * and what it added, or undefined when it did not run.
 */
export function describeBrightPass(result: {
  spotPeak?: number;
  brightPass?: { knee?: number; threshold?: number; added: number; blocks?: number };
}): string | undefined {
  const pass = result.brightPass;
  if (!pass) return undefined;
  const more = `${pass.added} more detection${pass.added === 1 ? '' : 's'}`;
  const where =
    pass.blocks !== undefined
      ? `in ${pass.blocks} block${pass.blocks === 1 ? '' : 's'} of very bright spots`
      : `at input knee ${pass.knee?.toFixed(0) ?? '?'} σ (spots peaking at ${result.spotPeak?.toFixed(0) ?? '?'} noise σ)`;
  return `bright pass ${where}: ${more} (--no-bright-pass runs one pass)`;
}
