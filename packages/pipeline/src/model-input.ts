import {
  BACKGROUND_DEFAULTS,
  type BackgroundInput,
  backgroundInput,
  fillMissingInput,
  type InputNormalization,
  normalizeInput,
} from '@dmdet/preprocess';
import type { Volume } from '@dmdet/volume-io';

/**
 * A model's input transform of a volume (at the model's spot scale), as detection and training both
 * make it: `backgroundInput` for the `'background'` transform (with its knee, spot peak and clip),
 * else `normalizeInput`. Voxels without data, NaN in `volume` and left out of the transform's
 * statistics, then take the transform's background noise (`fillMissingInput`: σ 1 / `unit`; 0 for
 * the other transforms), so the network never sees NaN, nor a flat region whose edge it would take
 * for spots.
 */
export function modelInput(
  volume: Volume,
  normalization: InputNormalization,
): Partial<Omit<BackgroundInput, 'volume'>> & { volume: Volume<Float32Array> } {
  const prepared =
    normalization.method === 'background'
      ? backgroundInput(volume, normalization)
      : { volume: normalizeInput(volume, normalization) };
  fillMissingInput(
    prepared.volume,
    normalization.method === 'background' ? 1 / (normalization.unit ?? BACKGROUND_DEFAULTS.unit) : 0,
  );
  return prepared;
}
