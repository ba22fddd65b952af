import { median, robustNoise } from '@dmdet/postprocess';
import type { Volume } from '@dmdet/volume-io';

/** Fewest slices {@link pixelPattern} reads a pattern from (fewer: a spot could fill half of them). */
export const PIXEL_PATTERN_MIN_SLICES = 8;

/**
 * The spread of the interquartile mean of n normal draws of σ 1, times √n: 1.09 from 16 draws on
 * (1.06–1.09 for 8–11; numerically, 200,000 draws per n).
 */
const LEVEL_SPREAD = 1.09;

/** Most voxels whose deviations give the noise along z (every stride-th voxel beyond it; 16 MB). */
const NOISE_SAMPLES = 4_194_304;

/** A z stack's pattern repeated in every slice, as {@link pixelPattern} reads it. */
export interface PixelPattern {
  /**
   * The pattern's robust spread over what noise alone would give it: about 1 where there is none
   * (1.3 at most in stacks without one, 2–6 in stacks of sCMOS offsets spread as much as or twice
   * the read noise; docs/robustness.md).
   */
  ratio: number;
  /** The pattern's robust spread (1.4826 × its median absolute deviation), in the volume's units. */
  spread: number;
  /** The noise along z: the robust spread of the voxels about their pixel's level over z. */
  noise: number;
}

/**
 * A camera's per-pixel pattern in a z stack (an sCMOS's pixel offsets: the same in every slice,
 * unlike spots, which fill a few): each pixel's level over z (the mean of its middle half of values,
 * a quarter cut off at each end: robust to the few slices a spot lights, and not stepped as a
 * median of integer counts would be), less the median of those in its 5×5 in-plane neighbourhood
 * (so smooth light such as cells stays out of it), and its robust spread against what the noise
 * along z alone would give it (1.09 · noise / √Z; the noise from at most 4,194,304 voxels, evenly
 * strided in larger volumes). NaN voxels are left out; a pixel with fewer than
 * half its slices holding numbers is left out. `undefined` for stacks of fewer than
 * {@link PIXEL_PATTERN_MIN_SLICES} slices, or without noise along z.
 *
 * @example
 * const pattern = pixelPattern(volume);
 * if (pattern && pattern.ratio > 3) console.warn('a pixel pattern repeated in every slice');
 */
export function pixelPattern(volume: Volume): PixelPattern | undefined {
  const [Z, Y, X] = volume.shape;
  if (Z < PIXEL_PATTERN_MIN_SLICES) return undefined;
  const data = volume.data;
  const plane = Y * X;
  const levels = new Float32Array(plane);
  const column = new Float32Array(Z);
  for (let p = 0; p < plane; p++) {
    let n = 0;
    for (let z = 0; z < Z; z++) {
      const v = data[z * plane + p] as number;
      if (!Number.isNaN(v)) column[n++] = v;
    }
    levels[p] = 2 * n >= Z ? interquartileMean(column.subarray(0, n)) : Number.NaN;
  }
  // The noise along z: deviations of the voxels from their pixel's level (every voxel, or every
  // stride-th in large volumes: at most NOISE_SAMPLES).
  const stride = Math.max(1, Math.ceil(data.length / NOISE_SAMPLES));
  const deviations = new Float32Array(Math.ceil(data.length / stride));
  let d = 0;
  for (let i = 0; i < data.length; i += stride) {
    const v = (data[i] as number) - (levels[i % plane] as number);
    if (!Number.isNaN(v)) deviations[d++] = Math.abs(v);
  }
  if (d === 0) return undefined;
  const noise = 1.4826 * median(deviations.subarray(0, d));
  if (!(noise > 0)) return undefined;
  const pattern = new Float32Array(plane);
  const near = new Float32Array(25);
  let m = 0;
  for (let y = 0; y < Y; y++)
    for (let x = 0; x < X; x++) {
      const own = levels[y * X + x] as number;
      if (Number.isNaN(own)) continue;
      let n = 0;
      for (let j = Math.max(0, y - 2); j <= Math.min(Y - 1, y + 2); j++)
        for (let i = Math.max(0, x - 2); i <= Math.min(X - 1, x + 2); i++) {
          const v = levels[j * X + i] as number;
          if (!Number.isNaN(v)) near[n++] = v;
        }
      pattern[m++] = own - median(near.subarray(0, n));
    }
  if (m === 0) return undefined;
  const spread = robustNoise(pattern.subarray(0, m)).sigma;
  return { ratio: spread / ((LEVEL_SPREAD * noise) / Math.sqrt(Z)), spread, noise };
}

/** The mean of the values left after cutting ⌊n/4⌋ off each end of their sorted order (sorts them). */
function interquartileMean(values: Float32Array): number {
  values.sort();
  const cut = values.length >> 2;
  let sum = 0;
  for (let i = cut; i < values.length - cut; i++) sum += values[i] as number;
  return sum / (values.length - 2 * cut);
}
