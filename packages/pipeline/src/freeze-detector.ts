import { type FreezeNormalizationOptions, freezeNormalization, type InputNormalization } from '@dmdet/model';
import { normalizeInput } from '@dmdet/preprocess';
import type { Volume } from '@dmdet/volume-io';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/**
 * The input normalisation of the built-in model's second stage, `{ method: 'spots' }`: the median (the
 * background) to 0 and the typical peak of the volume's bright spots to 1 (`spotReference`), which
 * does not move with the particle count. With frozen statistics the network sees only this, so the
 * background's roughness in these units tells it the volume's SNR (in noise units it could not tell a
 * weak particle at SNR 1 from a noise bump at SNR 7). Measured against percentiles 50 / 99.99 (the
 * previous choice) in docs/results.md.
 */
export const FROZEN_NORMALIZATION: InputNormalization = { method: 'spots' };

/** Options of {@link freezeDetector}. */
export interface FreezeDetectorOptions extends FreezeNormalizationOptions {
  /** The input normalisation the frozen model will use. Default {@link FROZEN_NORMALIZATION}. */
  normalization?: InputNormalization;
}

/**
 * Freezes a trained model's instance-normalisation statistics over training volumes (normalised as
 * the frozen model's input will be), for a second stage of training: give the result's `model` and
 * `normalization` to `trainDetector` (a few dozen epochs recalibrate the map). With per-volume
 * statistics a volume's particle count rescales the whole map and sparse volumes get false
 * positives (docs/results.md, "Sparse volumes"); with fixed ones the map at a voxel depends only on
 * its neighbourhood and tiles give exactly the whole-volume map.
 *
 * @example
 * const { model, normalization } = await freezeDetector(detector.model, trainSet.map((s) => s.volume));
 * const { detector: frozen } = await trainDetector(trainSet, validationSet, { model, normalization, epochs: 30 });
 */
export async function freezeDetector(
  model: LayersModel,
  volumes: readonly Volume[],
  options: FreezeDetectorOptions = {},
): Promise<{ model: LayersModel; normalization: InputNormalization }> {
  const { normalization = FROZEN_NORMALIZATION, ...rest } = options;
  const frozen = await freezeNormalization(
    model,
    volumes.map((v) => normalizeInput(v, normalization)),
    rest,
  );
  return { model: frozen, normalization };
}
