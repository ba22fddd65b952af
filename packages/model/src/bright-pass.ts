import { ModelError } from './errors';

/**
 * A second detection pass for volumes of very bright spots, part of a model's metadata (`detect` of
 * `@dmdet/pipeline` applies it). With the `'background'` input transform a spot far brighter than the
 * transform's knee is compressed (`knee · asinh(r / knee)`), and where a volume's spots are far above
 * it the brightest, and spots whose shape the compression flattens, score low. In a volume whose
 * typical spot peak (noise σ) is at least `fromPeak`, detection predicts a second map with the knee
 * `kneeFactor` times higher, thresholds it by the model's rule as the first, and adds its detections
 * farther than `separation` voxels (at the model's spot scale) from every detection of the first.
 */
export interface BrightPass {
  /** The typical spot peak, in noise σ (`typicalSpotPeak` of `@dmdet/preprocess`), from which the pass runs. */
  fromPeak: number;
  /** The second pass's knee over the first's (> 1). */
  kneeFactor: number;
  /** The least distance (voxels at the model's spot scale) from every first-pass detection of a detection the pass adds. */
  separation: number;
}

/**
 * Checks a {@link BrightPass} (`label` names it in the error) and returns it.
 *
 * @example
 * checkBrightPass({ fromPeak: 400, kneeFactor: 4, separation: 3 });
 */
export function checkBrightPass(value: unknown, label = 'brightPass'): BrightPass {
  const v = value as Partial<BrightPass> | null;
  const positive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
  if (
    typeof v !== 'object' ||
    v === null ||
    !positive(v.fromPeak) ||
    !positive(v.separation) ||
    !(positive(v.kneeFactor) && (v.kneeFactor as number) > 1)
  )
    throw new ModelError(
      'INVALID_OPTION',
      `${label} must be { fromPeak: a number > 0 (noise σ), kneeFactor: a number > 1, separation: a number > 0 (voxels) }, got ${JSON.stringify(value)}`,
    );
  return {
    fromPeak: v.fromPeak as number,
    kneeFactor: v.kneeFactor as number,
    separation: v.separation as number,
  };
}
