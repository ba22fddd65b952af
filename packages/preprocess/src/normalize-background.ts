import { median } from '@dmdet/postprocess';
import { createVolume, type Vec3, type Volume } from '@dmdet/volume-io';
import { blockGrid, blockStatistic, interpolateGrid, medianSmoothInPlane } from './block-statistics';
import { typicalSpotPeak } from './bright-maxima';
import { censoredNormalFit, imputeBelowClip } from './censored-normal';
import { checkNumber, PreprocessError } from './errors';
import { BACKGROUND_DEFAULTS, type BackgroundNormalizationOptions } from './input-normalization';

/** A volume's local background and local noise, one value per voxel. */
export interface BackgroundNoiseMaps {
  /** Local background: block medians (in blocks fitted as clipped, the fitted normal's mean; 3×3 in-plane median of blocks), trilinear between block centres. */
  background: Float32Array;
  /** Local robust noise σ (1.4826 × the median absolute deviation from the background; in photon-starved volumes, where that is 0 in most blocks, a clipped RMS there; in blocks fitted as clipped, the fitted normal's σ), likewise; never 0 unless the volume is flat. */
  noise: Float32Array;
  /**
   * Where the volume is clipped from below (at least 1 % of its voxels at its minimum, and most blocks
   * with 25–90 % of their voxels there, fitted as clipped): the clip value and, per voxel, the share
   * of fitted blocks around it (0–1, interpolated as the maps are). Absent otherwise.
   */
  clipped?: { value: number; weight: Float32Array };
}

function checkBlock(block: unknown): Vec3 {
  if (!Array.isArray(block) || block.length !== 3)
    throw new PreprocessError(
      'INVALID_OPTION',
      `normalization.block must be [z, y, x] block sizes in voxels, got ${JSON.stringify(block)}`,
    );
  for (const [i, b] of block.entries())
    checkNumber(`normalization.block[${i}]`, b, (v) => v >= 1, 'a block size of at least 1 voxel');
  return [block[0], block[1], block[2]];
}

/**
 * Root mean square of values up to their 99th percentile (the largest 1 % left out: a spot or a hot
 * pixel in the block). Of absolute residuals from a block's median, a noise σ that is not 0 where
 * the median absolute deviation is (discrete counts below about one per voxel).
 */
function clippedRms(values: Float32Array): number {
  values.sort();
  const n = Math.max(1, Math.floor(0.99 * values.length));
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (values[i] as number) ** 2;
  return Math.sqrt(sum / n);
}

/**
 * The value a volume's data were clipped at from below: its smallest finite value, where at least
 * 1 % of the finite voxels hold it (a volume that merely reaches its minimum once is not clipped).
 */
function clipValue(data: ArrayLike<number>): number | undefined {
  let lowest = Number.POSITIVE_INFINITY;
  let finite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) continue;
    finite++;
    if (v < lowest) lowest = v;
  }
  let atLowest = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === lowest) atLowest++;
  return finite > 0 && atLowest >= 0.01 * finite ? lowest : undefined;
}

/**
 * The local background and noise σ of a volume, at the scale of `block` (voxels, `[z, y, x]`; choose
 * it well above the spot size, so a spot moves neither). The background is the median of each block,
 * the noise 1.4826 × the median absolute deviation from that background; each block grid is
 * replaced by the median of its 3×3 in-plane neighbourhood (robust to a block taken by a bright
 * object) and interpolated trilinearly between block centres. NaN voxels are left out of every
 * statistic. Where the median absolute deviation is 0 in most blocks (counts of well under one per
 * voxel, as photon counting gives: most voxels equal the background), those blocks take the root
 * mean square of their residuals (the largest 1 % left out) instead. The noise is floored at 5 % of
 * its median over the volume, so a locally flat region (a saturated or clipped patch) does not
 * divide by zero. Where the volume is clipped from below (at least 1 % of its finite voxels at its
 * minimum: an offset or background subtracted and the negatives stored as the clip) and most blocks
 * have more than a quarter of their voxels at the clip, those blocks take the mean and σ of the
 * normal fitted to their values above the clip instead (their median and MAD would be too small),
 * and `clipped` says where.
 *
 * @example
 * const { background, noise } = backgroundNoiseMaps(volume, [4, 16, 16]);
 */
export function backgroundNoiseMaps(
  volume: Volume,
  block: Vec3 = BACKGROUND_DEFAULTS.block,
): BackgroundNoiseMaps {
  const size = checkBlock(block);
  const shape = volume.shape;
  const data = volume.data;
  const layout = blockGrid(shape, size);
  const bgGrid = blockStatistic(data, shape, layout, median);
  const clip = clipValue(data);
  let censoredSigma: Float64Array | undefined;
  let clipped: BackgroundNoiseMaps['clipped'];
  if (clip !== undefined) {
    // Values clipped from below (an offset or background subtracted, negatives stored as the clip):
    // where most blocks have more than a quarter of their voxels clipped, those blocks take the
    // normal fitted to their values above the clip. A clipped minority (a dark corner; a volume
    // mostly at the clip, whose few clipped-but-fittable blocks would disagree with the rest)
    // keeps the median and MAD.
    // One fit per block: its σ is kept in block order for the blocks that have finite values (the
    // ones blockStatistic calls the statistic for, as their median is finite).
    const sigmas: number[] = [];
    const mean = blockStatistic(data, shape, layout, (v) => {
      const fit = censoredNormalFit(v, clip);
      sigmas.push(fit?.sigma ?? Number.NaN);
      return fit?.mean ?? Number.NaN;
    });
    const fitted = Float64Array.from(mean.values, (m) => (Number.isFinite(m) ? 1 : 0));
    const blocks = bgGrid.values.filter(Number.isFinite).length;
    if (2 * fitted.reduce((a, b) => a + b, 0) > blocks) {
      let next = 0;
      censoredSigma = Float64Array.from(bgGrid.values, (m) =>
        Number.isFinite(m) ? (sigmas[next++] as number) : Number.NaN,
      );
      for (let i = 0; i < bgGrid.values.length; i++)
        if (Number.isFinite(mean.values[i])) bgGrid.values[i] = mean.values[i] as number;
      clipped = { value: clip, weight: interpolateGrid({ ...mean, values: fitted }, shape) };
    }
  }
  const finiteBg = Array.from(bgGrid.values).filter(Number.isFinite);
  const globalBg = finiteBg.length > 0 ? median(finiteBg) : Number.NaN;
  const background = interpolateGrid(medianSmoothInPlane(bgGrid, globalBg), shape);
  const residual = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++)
    residual[i] = Math.abs((data[i] as number) - (background[i] as number));
  const madGrid = blockStatistic(residual, shape, layout, median);
  for (let i = 0; i < madGrid.values.length; i++) madGrid.values[i] = 1.4826 * (madGrid.values[i] as number);
  if (censoredSigma)
    for (let i = 0; i < madGrid.values.length; i++)
      if (Number.isFinite(censoredSigma[i])) madGrid.values[i] = censoredSigma[i] as number;
  let finiteNoise = Array.from(madGrid.values).filter(Number.isFinite);
  let globalNoise = finiteNoise.length > 0 ? median(finiteNoise) : 0;
  if (globalNoise === 0 && finiteNoise.length > 0) {
    // Counts of well under a photon per voxel (photon counting): most voxels equal the background,
    // so most blocks have a MAD of 0. Those blocks take the RMS of their residuals instead.
    const rmsGrid = blockStatistic(residual, shape, layout, clippedRms);
    for (let i = 0; i < madGrid.values.length; i++)
      if (madGrid.values[i] === 0) madGrid.values[i] = rmsGrid.values[i] as number;
    finiteNoise = Array.from(madGrid.values).filter(Number.isFinite);
    globalNoise = median(finiteNoise);
  }
  const noise = interpolateGrid(medianSmoothInPlane(madGrid, globalNoise), shape);
  const floor = 0.05 * globalNoise;
  for (let i = 0; i < noise.length; i++) if (!((noise[i] as number) >= floor)) noise[i] = floor;
  return { background, noise, ...(clipped ? { clipped } : {}) };
}

/** What {@link backgroundInput} made: the input, the knee it used, the spots' typical peak and whether it read the volume as clipped. */
export interface BackgroundInput {
  /** The normalised volume. */
  volume: Volume<Float32Array>;
  /** The knee used, in noise σ: `knee`, or above it when `kneeRatio` raised it for bright spots. */
  knee: number;
  /** The volume's typical spot peak in noise σ ({@link typicalSpotPeak}), when `kneeRatio` asked for it and there were spots. */
  spotPeak?: number;
  /**
   * Where the volume was read as clipped from below (`clipped` of {@link backgroundNoiseMaps}): the
   * clip value and the fraction of the voxels drawn below it.
   */
  clipped?: { value: number; fraction: number };
}

/**
 * The `'background'` input transform: `(x − background) / noise` with the local maps of
 * {@link backgroundNoiseMaps}, compressed beyond `knee` σ (`knee · asinh(r / knee)`: linear for
 * spots, logarithmic for objects far brighter) and divided by `unit`. With `kneeRatio`, the knee is
 * raised to the volume's typical spot peak ({@link typicalSpotPeak} of `r`) over `kneeRatio` where
 * that is higher. A camera offset, a gain and a background that varies slowly against the block size
 * leave the result (nearly) unchanged. In a volume clipped from below (`clipped` of the maps), the
 * voxels at the clip inside the fitted blocks are first drawn from the fitted normal below the clip
 * (seeded by the voxel's index: the same on every run), so they read as the noise they were. NaN
 * stays NaN; a flat volume maps to zeros.
 *
 * @example
 * const { volume: input, knee } = backgroundInput(volume, { kneeRatio: 8 });
 */
export function backgroundInput(
  volume: Volume,
  options: BackgroundNormalizationOptions = {},
): BackgroundInput {
  const block = options.block ?? BACKGROUND_DEFAULTS.block;
  const unit = options.unit ?? BACKGROUND_DEFAULTS.unit;
  const base = options.knee || BACKGROUND_DEFAULTS.knee;
  const ratio = options.kneeRatio;
  checkNumber('normalization.unit', unit, (v) => v > 0, 'a number > 0');
  if (base !== Number.POSITIVE_INFINITY)
    checkNumber('normalization.knee', base, (v) => v > 0, 'a number > 0 (or Infinity: no compression)');
  if (ratio !== undefined) checkNumber('normalization.kneeRatio', ratio, (v) => v > 0, 'a number > 0');
  const maps = backgroundNoiseMaps(volume, block);
  const { background, noise } = maps;
  const drawn = maps.clipped
    ? imputeBelowClip(volume.data, maps, maps.clipped.value, maps.clipped.weight)
    : undefined;
  const src = drawn ? drawn.data : volume.data;
  /** `(x − background) / noise` at voxel i (NaN stays NaN; 0 where the noise is 0). */
  const residual = (i: number) => {
    const s = noise[i] as number;
    if (s > 0) return ((src[i] as number) - (background[i] as number)) / s;
    return Number.isNaN(src[i] as number) ? Number.NaN : 0;
  };
  let spotPeak: number | undefined;
  if (ratio !== undefined) {
    const uncompressed = new Float32Array(src.length);
    // NaN voxels (no data) read as background here.
    for (let i = 0; i < src.length; i++) uncompressed[i] = residual(i) || 0;
    spotPeak = typicalSpotPeak(createVolume(uncompressed, volume.shape));
  }
  const knee = spotPeak !== undefined && ratio !== undefined ? Math.max(base, spotPeak / ratio) : base;
  const linear = knee === Number.POSITIVE_INFINITY;
  const out = new Float32Array(src.length);
  // The residual again, in double precision, as without kneeRatio.
  for (let i = 0; i < src.length; i++) {
    const r = residual(i);
    out[i] = (linear ? r : knee * Math.asinh(r / knee)) / unit;
  }
  const result = createVolume(out, volume.shape, volume.voxelSize);
  return {
    volume: result,
    knee,
    ...(spotPeak !== undefined ? { spotPeak } : {}),
    ...(maps.clipped && drawn
      ? { clipped: { value: maps.clipped.value, fraction: drawn.drawn / Math.max(1, src.length) } }
      : {}),
  };
}

/**
 * A volume with the voxels at its clip drawn from the noise fitted above it, where
 * {@link backgroundNoiseMaps} reads it as clipped from below at `block` (voxels of this volume), as
 * {@link backgroundInput} draws them; else the volume itself. For a volume about to be resampled:
 * interpolation would mix clipped voxels with their neighbours, and the clip could no longer be read
 * (detection of small spots, enlarged, in a clipped stack). `clipped` as in {@link BackgroundInput}.
 *
 * @example
 * const { volume: drawn } = drawBelowClip(volume, [2.6, 10.2, 10.2]);
 */
export function drawBelowClip(
  volume: Volume,
  block: Vec3 = BACKGROUND_DEFAULTS.block,
): { volume: Volume; clipped?: { value: number; fraction: number } } {
  // Most volumes are not clipped at all: one pass over the data says so, without the block maps.
  if (clipValue(volume.data) === undefined) return { volume };
  const maps = backgroundNoiseMaps(volume, block);
  if (!maps.clipped) return { volume };
  const drawn = imputeBelowClip(volume.data, maps, maps.clipped.value, maps.clipped.weight);
  return {
    volume: createVolume(drawn.data, volume.shape, volume.voxelSize),
    clipped: { value: maps.clipped.value, fraction: drawn.drawn / Math.max(1, drawn.data.length) },
  };
}

/**
 * The `'background'` input transform's volume ({@link backgroundInput}).
 *
 * @example
 * const input = normalizeBackground(volume); // defaults: BACKGROUND_DEFAULTS
 */
export function normalizeBackground(
  volume: Volume,
  options: BackgroundNormalizationOptions = {},
): Volume<Float32Array> {
  return backgroundInput(volume, options).volume;
}
