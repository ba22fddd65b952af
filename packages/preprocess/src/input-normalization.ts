/**
 * How a model's input volumes are normalised, stored in its metadata so that training and detection
 * run the same code ({@link normalizeInput}):
 * - percentiles `low` and `high` mapped to 0 and 1 (`method` absent or `'percentile'`);
 * - `'noise'`: the median subtracted and the result divided by the robust noise σ (1.4826 × the
 *   median absolute deviation), so the input is in units of noise whatever the particle count;
 * - `'spots'`: the median to 0 and the typical peak of the volume's bright spots to 1
 *   ({@link spotReference}), a brightness reference that does not move with the particle count;
 * - `'background'`: a local background (block medians, interpolated) subtracted and the result
 *   divided by the local robust noise σ, then compressed above `knee` σ and divided by `unit`
 *   ({@link normalizeBackground}): unmoved by a camera offset, a gain or a background that varies
 *   slowly against the spot size.
 */
export type InputNormalization =
  | { method?: 'percentile'; low: number; high: number }
  | { method: 'noise' }
  | {
      method: 'spots';
      /** Gaussian sigma of the smoothing, voxels (every axis). Default 1. */
      sigma?: number;
      /** Least height of a spot, in noise σ of the smoothed volume above its median. Default 7. */
      cut?: number;
    }
  | ({ method: 'background' } & BackgroundNormalizationOptions);

/** Options of the `'background'` normalisation ({@link normalizeBackground}); defaults in {@link BACKGROUND_DEFAULTS}. */
export interface BackgroundNormalizationOptions {
  /** Block size `[z, y, x]` (voxels) of the background and noise estimates; well above the spot size. */
  block?: [number, number, number];
  /** Noise σ per output unit: a spot 10 σ above its background becomes 1 with the default 10. */
  unit?: number;
  /** Values beyond `knee` σ are compressed: `knee · asinh(r / knee)`. `0` or absent in options: the default; `Infinity`: linear. */
  knee?: number;
  /**
   * When set, the knee follows the volume's spots: `max(knee, peak / kneeRatio)`, where `peak` is the
   * typical height of its bright spots in noise σ ({@link typicalSpotPeak} of the uncompressed
   * result). Spots far brighter than a model saw in training then keep their shape instead of a flat
   * top. Absent: a fixed knee.
   */
  kneeRatio?: number;
}

/** The defaults of the `'background'` normalisation. */
export const BACKGROUND_DEFAULTS = {
  block: [4, 16, 16] as [number, number, number],
  unit: 10,
  knee: 20,
} as const;
