import { robustNoise } from '@dmdet/postprocess';
import { createVolume, normalizePercentile, type Volume } from '@dmdet/volume-io';
import { PreprocessError } from './errors';
import type { InputNormalization } from './input-normalization';
import { normalizeBackground } from './normalize-background';
import { normalizeSpots } from './spot-reference';

/** The normalisation of models whose metadata names none: percentiles 1 and 99.8 mapped to 0 and 1. */
export const DEFAULT_NORMALIZATION: InputNormalization = { low: 1, high: 99.8 };

/** `(x − median) / σ` with the robust noise σ of the finite values; NaN stays NaN, a flat volume maps to zeros. */
function normalizeNoise(volume: Volume): Volume<Float32Array> {
  const src = volume.data;
  const finite = new Float32Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const v = src[i] as number;
    if (!Number.isNaN(v)) finite[n++] = v;
  }
  const out = new Float32Array(src.length);
  if (n === 0) {
    out.fill(Number.NaN);
    return createVolume(out, volume.shape, volume.voxelSize);
  }
  const { median, sigma } = robustNoise(finite.subarray(0, n));
  const scale = sigma > 0 ? 1 / sigma : 0;
  for (let i = 0; i < src.length; i++) out[i] = ((src[i] as number) - median) * scale;
  return createVolume(out, volume.shape, volume.voxelSize);
}

/**
 * Normalises a volume as a model's metadata says its inputs were: percentiles to 0 and 1, or
 * `{ method: 'noise' }` (background median to 0, one robust noise σ to 1), `{ method: 'spots' }`
 * (background median to 0, the typical peak of the volume's bright spots to 1: `spotReference`), or
 * `{ method: 'background' }` (local background to 0, local noise σ to 1/unit: `normalizeBackground`).
 *
 * @example
 * const input = normalizeInput(volume, detector.metadata.normalization ?? DEFAULT_NORMALIZATION);
 */
export function normalizeInput(volume: Volume, normalization: InputNormalization): Volume<Float32Array> {
  if (normalization.method === 'noise') return normalizeNoise(volume);
  if (normalization.method === 'spots') return normalizeSpots(volume, normalization);
  if (normalization.method === 'background') return normalizeBackground(volume, normalization);
  if (normalization.method !== undefined && normalization.method !== 'percentile')
    throw new PreprocessError(
      'INVALID_OPTION',
      `normalization.method must be 'percentile', 'noise', 'spots' or 'background', got ${JSON.stringify((normalization as { method: unknown }).method)}`,
    );
  const { low, high } = normalization;
  if (typeof low !== 'number' || typeof high !== 'number')
    throw new PreprocessError(
      'INVALID_OPTION',
      `normalization needs percentiles { low, high } (numbers) or { method: 'noise' }, got ${JSON.stringify(normalization)}`,
    );
  return normalizePercentile(volume, { low, high });
}
