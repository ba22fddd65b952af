/** The Particle Tracking Challenge's density levels. */
export type DensityLevel = 'low' | 'medium' | 'high';

/** Particles per 10×512×512 volume at each density level of the PTC virus scenario. */
export const PTC_DENSITY_COUNTS: Readonly<Record<DensityLevel, number>> = {
  low: 100,
  medium: 500,
  high: 1000,
};

/** The PTC virus scenario's volume shape `[z, y, x]`. */
export const PTC_SHAPE: readonly [number, number, number] = [10, 512, 512];

/** The PTC's SNR levels. */
export const PTC_SNRS: readonly number[] = [1, 2, 4, 7];

/**
 * Peak intensity I_obj of an object with the given SNR over background b, where
 * SNR = (I_obj − b) / √I_obj: √I_obj = (SNR + √(SNR² + 4b)) / 2.
 */
export function peakIntensity(snr: number, background: number): number {
  const root = (snr + Math.sqrt(snr * snr + 4 * background)) / 2;
  return root * root;
}

/** Particle count of a density level for a volume shape, scaled by volume from the PTC's 10×512×512. */
export function countForDensity(level: DensityLevel, shape: readonly [number, number, number]): number {
  const scale = (shape[0] * shape[1] * shape[2]) / (PTC_SHAPE[0] * PTC_SHAPE[1] * PTC_SHAPE[2]);
  return Math.round(PTC_DENSITY_COUNTS[level] * scale);
}
