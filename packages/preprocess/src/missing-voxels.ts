import { createVolume, type Volume } from '@dmdet/volume-io';
import { normalQuantile, uniformOfIndex } from './censored-normal';
import { checkNumber } from './errors';

/** Options of {@link missingVoxels}. */
export interface MissingVoxelsOptions {
  /**
   * Side (pixels) of the in-plane square that padding must fill: voxels at the padding value count
   * as padding only inside such a square made of them alone. Default 9.
   */
  window?: number;
}

/** The voxels of a volume that hold no data, as {@link missingVoxels} finds them. */
export interface MissingVoxels {
  /** 1 where a voxel holds no data (not finite, or padding), else 0. */
  mask: Uint8Array;
  /** Voxels that are not finite numbers (NaN, ±Infinity). */
  nonFinite: number;
  /** Voxels read as padding. */
  padding: number;
  /** The value the padding holds (the volume's minimum), when there is padding. */
  paddingValue?: number;
  /** The median of the voxels that hold data (NaN when none does): a neutral value to fill the others with. */
  fill: number;
}

/** Fraction of the finite voxels that must sit at the minimum before padding is looked for. */
const MIN_SHARE = 0.01;
/** Voxels sampled for the data's low percentile, median and spread. */
const SAMPLES = 1 << 20;

/**
 * The voxels of `volume` that hold no data: those that are not finite numbers (NaN, ±Infinity: a
 * float stack masked or registered by other software), and padding. Padding is what deskewed,
 * registered or stitched stacks fill their empty corners with: a constant at the volume's minimum,
 * in regions, below the data. A voxel is read as padding when (1) it holds the volume's smallest
 * finite value, (2) at least 1 % of the finite voxels do, (3) the data lie well above it: the 1st
 * percentile of the other finite voxels is at least their robust spread (1.4826 × their median
 * absolute deviation, which must not be 0) above it, and (4) it lies in a `window`×`window`
 * in-plane square of such voxels alone. (3) tells padding from a stack clipped from below (a
 * background or an offset subtracted, negatives stored as 0), whose values continue from the clip
 * up, and from photon counts, whose spread above 0 is 0; (4) tells it from single dead pixels.
 * `undefined` when every voxel holds data.
 *
 * @example
 * const missing = missingVoxels(volume);
 * if (missing) console.log(`${missing.padding} voxels of padding at ${missing.paddingValue}`);
 */
export function missingVoxels(volume: Volume, options: MissingVoxelsOptions = {}): MissingVoxels | undefined {
  const window = options.window ?? 9;
  checkNumber('window', window, (v) => Number.isInteger(v) && v >= 1, 'a whole number of pixels ≥ 1');
  const data = volume.data;
  const n = data.length;
  let lowest = Number.POSITIVE_INFINITY;
  let finite = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) continue;
    finite++;
    if (v < lowest) lowest = v;
  }
  let atLowest = 0;
  for (let i = 0; i < n; i++) if (data[i] === lowest) atLowest++;
  const padded = finite > 0 && atLowest >= MIN_SHARE * finite && dataAbove(data, lowest);
  if (finite === n && !padded) return undefined;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (!Number.isFinite(data[i] as number)) mask[i] = 1;
  const padding = padded ? markPadding(data, volume.shape, lowest, window, mask) : 0;
  if (finite === n && padding === 0) return undefined;
  return {
    mask,
    nonFinite: n - finite,
    padding,
    ...(padding > 0 ? { paddingValue: lowest } : {}),
    fill: medianOfData(data, mask),
  };
}

/**
 * The volume with its missing voxels set to NaN (`'nan'`: what the input transforms leave out of
 * their statistics) or to `missing.fill` (`'fill'`: for steps that need numbers everywhere).
 *
 * @example
 * const forTransform = withMissing(volume, missing, 'nan');
 */
export function withMissing(
  volume: Volume,
  missing: MissingVoxels,
  as: 'nan' | 'fill',
): Volume<Float32Array> {
  const value = as === 'nan' ? Number.NaN : missing.fill;
  const out = Float32Array.from(volume.data);
  const { mask } = missing;
  for (let i = 0; i < out.length; i++) if (mask[i]) out[i] = value;
  return createVolume(out, volume.shape, volume.voxelSize);
}

/**
 * Gives the NaN voxels of a network input (voxels without data, left NaN by the input transform)
 * noise of σ `sigma` about 0, drawn from each voxel's index (the same on every run): the background
 * as the `'background'` transform leaves it (`sigma` = 1 / its `unit`), which is what the network
 * saw in training. A flat region would be new to it, and it takes the edge between noise and a flat
 * region for spots. `sigma` 0 gives zeros. Changes `input` in place; returns how many it filled.
 *
 * @example
 * fillMissingInput(input, 1 / BACKGROUND_DEFAULTS.unit);
 */
export function fillMissingInput(input: Volume<Float32Array>, sigma: number): number {
  checkNumber('sigma', sigma, (v) => v >= 0, 'a noise σ ≥ 0');
  const d = input.data;
  let filled = 0;
  for (let i = 0; i < d.length; i++)
    if (Number.isNaN(d[i] as number)) {
      d[i] = sigma > 0 ? sigma * normalQuantile(uniformOfIndex(i)) : 0;
      filled++;
    }
  return filled;
}

/** Every `step`-th finite voxel not equal to `except` (and not masked), at most about SAMPLES of them. */
function sample(data: ArrayLike<number>, except: number, mask?: Uint8Array): Float32Array {
  const step = Math.max(1, Math.floor(data.length / SAMPLES));
  const out: number[] = [];
  for (let i = 0; i < data.length; i += step) {
    const v = data[i] as number;
    if (Number.isFinite(v) && v !== except && !mask?.[i]) out.push(v);
  }
  return Float32Array.from(out).sort();
}

/** Condition (3): the data other than `lowest` start at least their robust spread above it. */
function dataAbove(data: ArrayLike<number>, lowest: number): boolean {
  const rest = sample(data, lowest);
  if (rest.length < 100) return false;
  const mid = rest[rest.length >> 1] as number;
  const deviations = rest.map((v) => Math.abs(v - mid)).sort();
  const spread = 1.4826 * (deviations[deviations.length >> 1] as number);
  const low = rest[Math.floor(0.01 * (rest.length - 1))] as number;
  return spread > 0 && low - lowest >= spread;
}

/** The median of the voxels that hold data, NaN when none does. */
function medianOfData(data: ArrayLike<number>, mask: Uint8Array): number {
  const rest = sample(data, Number.NaN, mask);
  return rest.length > 0 ? (rest[rest.length >> 1] as number) : Number.NaN;
}

/**
 * Marks (in `mask`) the voxels at `value` covered by an in-plane `window`×`window` square (cut at
 * the slice's edges) of such voxels alone: the in-plane morphological opening of the voxels at
 * `value`, by summed-area tables. Returns how many it marked.
 */
function markPadding(
  data: ArrayLike<number>,
  shape: readonly [number, number, number],
  value: number,
  window: number,
  mask: Uint8Array,
): number {
  const [Z, Y, X] = shape;
  const lo = Math.floor((window - 1) / 2);
  const hi = window - 1 - lo;
  const W = X + 1;
  const at = new Float64Array((Y + 1) * W);
  const centres = new Float64Array((Y + 1) * W);
  /** Sum of a summed-area table over rows y0..y1, columns x0..x1 (inclusive, cut to the slice). */
  const boxSum = (t: Float64Array, y0: number, y1: number, x0: number, x1: number) => {
    const a = Math.max(0, y0);
    const b = Math.min(Y - 1, y1) + 1;
    const c = Math.max(0, x0);
    const d = Math.min(X - 1, x1) + 1;
    return (
      (t[b * W + d] as number) -
      (t[a * W + d] as number) -
      (t[b * W + c] as number) +
      (t[a * W + c] as number)
    );
  };
  const boxSize = (y0: number, y1: number, x0: number, x1: number) =>
    (Math.min(Y - 1, y1) - Math.max(0, y0) + 1) * (Math.min(X - 1, x1) - Math.max(0, x0) + 1);
  let marked = 0;
  for (let z = 0; z < Z; z++) {
    const base = z * Y * X;
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++)
        at[(y + 1) * W + x + 1] =
          (data[base + y * X + x] === value ? 1 : 0) +
          (at[y * W + x + 1] as number) +
          (at[(y + 1) * W + x] as number) -
          (at[y * W + x] as number);
    // Centres of squares made of padding values alone.
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const full =
          boxSum(at, y - lo, y + hi, x - lo, x + hi) === boxSize(y - lo, y + hi, x - lo, x + hi) ? 1 : 0;
        centres[(y + 1) * W + x + 1] =
          full +
          (centres[y * W + x + 1] as number) +
          (centres[(y + 1) * W + x] as number) -
          (centres[y * W + x] as number);
      }
    // A voxel is covered when a square around one of those centres holds it.
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) {
        const i = base + y * X + x;
        if (mask[i] || data[i] !== value) continue;
        if (boxSum(centres, y - hi, y + lo, x - hi, x + lo) > 0) {
          mask[i] = 1;
          marked++;
        }
      }
  }
  return marked;
}
