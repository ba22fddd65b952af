/**
 * A volume as a model's input transform sees it, for the tools that study the input knee: resampled
 * to the model's spot scale as `detect` does (`planSpotScale`, the spot size estimated), and its
 * uncompressed `'background'` transform (noise σ), where `typicalSpotPeak` and `spotPeaks` measure.
 */
import { type DetectorModel, planSpotScale } from '@dmdet/pipeline';
import {
  type BackgroundNormalizationOptions,
  isIdentity,
  normalizeBackground,
  resampleVolume,
} from '@dmdet/preprocess';
import type { Volume } from '@dmdet/volume-io';

/** The model's `'background'` transform options; throws for a model with another transform. */
export function backgroundOf(metadata: DetectorModel['metadata']): BackgroundNormalizationOptions {
  const n = metadata.normalization;
  if (n?.method !== 'background')
    throw new Error(`the model's input transform is not 'background': ${JSON.stringify(n)}`);
  return n;
}

/**
 * `volume` resampled to the model's spot scale as `detect` would (or as it is); a stack clipped from
 * below is resampled as it is, where `detect` draws its clipped voxels first (not asked of these tools).
 */
export function atModelScale(volume: Volume, metadata: DetectorModel['metadata']): Volume {
  const plan = planSpotScale(volume, metadata, undefined, volume.voxelSize);
  return plan && !isIdentity(plan.resampling) ? resampleVolume(volume, plan.resampling) : volume;
}

/** The uncompressed `'background'` transform (noise σ) of `volume` at the model's spot scale. */
export function uncompressedInput(volume: Volume, metadata: DetectorModel['metadata']): Volume {
  return normalizeBackground(atModelScale(volume, metadata), {
    ...backgroundOf(metadata),
    unit: 1,
    knee: Number.POSITIVE_INFINITY,
  });
}
