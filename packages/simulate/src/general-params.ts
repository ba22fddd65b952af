import type { Vec3 } from '@dmdet/volume-io';
import { checkNumber, SimulateError } from './errors';
import { deriveSeed, Random } from './random';

/**
 * The camera of a `general` volume: counts = offset + gain · photons + read noise (+ hot pixels),
 * rounded and clipped to uint16.
 */
export interface GeneralCamera {
  /** Baseline added to every voxel, counts. */
  offset: number;
  /** Counts per detected photon. */
  gain: number;
  /** Standard deviation of the Gaussian read noise, counts. */
  readNoise: number;
  /** Fraction of the camera's pixels (x, y) that are hot: bright in every slice. */
  hotPixelFraction: number;
  /** Dark counts of the hottest pixel above the offset; each hot pixel draws 0.2–1 × this. */
  hotPixelLevel: number;
  /**
   * An EMCCD's electron multiplication: each voxel's photon count k becomes a Gamma(k, 1) draw before
   * the gain (excess noise factor √2: twice the shot-noise variance). Absent: false.
   */
  emMultiplication?: boolean;
  /**
   * An sCMOS camera's pixel pattern: each camera pixel (x, y) its own offset, gain and read noise,
   * the same in every slice. Absent or all 0: every pixel alike.
   */
  pattern?: GeneralCameraPattern;
}

/**
 * The pixel-to-pixel spread of an sCMOS camera ({@link GeneralCamera}'s `pattern`), fixed per pixel
 * and the same in every slice of a stack.
 */
export interface GeneralCameraPattern {
  /** Standard deviation of the pixels' own offsets about the camera's `offset`, counts. */
  offset: number;
  /** Standard deviation of the pixels' relative gains about the camera's `gain` (0.02: 2 %). */
  gain: number;
  /**
   * Standard deviation of the log of the pixels' read noise, whose median is the camera's
   * `readNoise`: 0.5 puts 1 % of the pixels above 3.2× the median (noisy pixels).
   */
  readNoise: number;
}

/** Cells: smooth 3D blobs of autofluorescence, each with a nucleus inside. */
export interface GeneralCells {
  /** Number of cells (their centres lie in the volume). */
  count: number;
  /** Mean in-plane radius, pixels (the outline wobbles by up to ±25 %). */
  radius: number;
  /** Half-height along z, slices (cells are ellipsoids, flat ones when this is small). */
  height: number;
  /** Autofluorescence of the cytoplasm, in units of the background noise σ_bg = √(level + (readNoise/gain)²) photons. */
  brightness: number;
  /** Nucleus radius relative to the cell's. */
  nucleusSize: number;
  /** Autofluorescence of the nucleus relative to the cytoplasm's. */
  nucleusBrightness: number;
  /**
   * Granular texture of the autofluorescence: the cells' field is multiplied by max(0, 1 + texture · g),
   * g a smoothed Gaussian random field of unit σ. Absent: 0 (smooth cells).
   */
  texture?: number;
  /** The texture's grain: the smoothing Gaussian's σ in units of the PSF core's (σxy in x, y; σz in z). Absent: 1. */
  textureGrain?: number;
}

/** Bright compact blobs (lipofuscin, debris): part of the background, never annotated. */
export interface GeneralBlobs {
  /** Number of blobs. */
  count: number;
  /** Range of blob radii in x and y, pixels (each blob draws uniformly; z radius scaled by σz/σxy × 1–2). */
  radius: readonly [number, number];
  /** Range of blob peak brightness relative to a median spot's amplitude (each blob draws log-uniformly). */
  brightness: readonly [number, number];
}

/** The background in photons, before the camera: everything that is not an annotated spot. */
export interface GeneralBackground {
  /** Flat level, photons per voxel. */
  level: number;
  /** Linear in-plane gradient: level × (1 + gradient · r), r from −0.5 to 0.5 across the plane. */
  gradient: number;
  /** Direction in which the gradient rises, radians in the (x, y) plane (0: towards +x). */
  gradientAngle: number;
  /** Out-of-focus haze: a smooth field (a few broad 3D Gaussians) peaking at haze × level photons. */
  haze: number;
  /** Cell and nucleus autofluorescence. */
  cells: GeneralCells;
  /** Bright compact out-of-focus blobs. */
  blobs: GeneralBlobs;
}

/**
 * The PSF: an anisotropic Gaussian core with a halo and an axial tail, tilted; normalised so its value
 * at the spot centre is 1 (a spot's amplitude is its peak above the background).
 */
export interface GeneralPsf {
  /** Core Gaussian σ in x and y, pixels. */
  sigmaXY: number;
  /** Core Gaussian σ in z, slices. */
  sigmaZ: number;
  /** A second, wider and weaker Gaussian on the same centre. */
  halo: {
    /** Its peak relative to the core's. */
    amplitude: number;
    /** Its σ (x, y and z) relative to the core's. */
    width: number;
  };
  /** An axial tail: a Gaussian with the core's σxy, longer in z, optionally off-centre in z (asymmetry). */
  axialElongation: {
    /** Its peak relative to the core's. */
    amplitude: number;
    /** Its σz relative to the core's. */
    length: number;
    /** Shift of its centre along z, in units of the core's σz (sign: direction of the asymmetry). */
    offset: number;
  };
  /** Off-axis PSF: lateral shift of the spot's centre per slice of z offset, pixels per slice. */
  tilt: { x: number; y: number };
  /**
   * Astigmatism: in the slice dz (slices) from the spot's centre, every component's in-plane σ is
   * × exp(amount · dz / σz) along the direction `angle` (radians from +x) and × exp(−amount · dz / σz)
   * across it, so a spot is round in focus and elongated one way above it, the other way below.
   * Absent: amount 0.
   */
  astigmatism?: { amount: number; angle: number };
}

/** The spots: the annotated particles. */
export interface GeneralSpots {
  /** Number of spots. */
  count: number;
  /** Local SNR of a spot of median brightness (see {@link amplitudeForLocalSnr}). */
  snr: number;
  /** σ of the log of the per-spot brightness factor (lognormal, median 1); multiplies each spot's SNR. */
  amplitudeSpread: number;
  /** Fraction of the spots in clusters. */
  clusterFraction: number;
  /** Spots per cluster. */
  clusterSize: number;
  /** σ of a member's offset from its cluster centre, in units of σxy (z: of σz). */
  clusterSpread: number;
  /** Fraction of the spots in touching pairs. */
  pairFraction: number;
  /** Range of the distance within a pair, in core σ (x, y: σxy; z: σz). */
  pairDistance: readonly [number, number];
  /** Probability that a spot (or a cluster, or a pair) is put inside a cell; the rest go anywhere. */
  insideCells: number;
}

/**
 * Everything one `general` volume is drawn with: a plain JSON-serialisable record. The numbers here
 * fix the optics, the camera, the intensities, sizes and counts; positions (of spots, cells, blobs,
 * haze) and the noise come from the seed given to `simulateGeneral`.
 */
export interface GeneralParams {
  /** Volume shape `[z, y, x]`. */
  shape: [number, number, number];
  camera: GeneralCamera;
  background: GeneralBackground;
  psf: GeneralPsf;
  spots: GeneralSpots;
  /**
   * Depth attenuation (scattering, or bleaching as slices are acquired): all fluorescence (spots,
   * cells, haze, blobs, the flat level) in slice z is × (1 − attenuation)^(z / (Z − 1)), so the last
   * slice keeps 1 − attenuation of it. The truth's intensities, backgrounds and SNRs are the
   * attenuated ones. Absent: 0.
   */
  attenuation?: number;
}

/** Any part of {@link GeneralParams}, nested: what a caller fixes (arrays are replaced whole). */
export type GeneralOverrides = {
  [K in keyof GeneralParams]?: DeepPartial<GeneralParams[K]>;
};

/** A deep partial of a plain record; arrays (tuples) are atomic. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * The family's centre: a plain, typical widefield/confocal stack as the PTC virus scenario sees it,
 * plus a camera and mild cells. Offset 100 counts, gain 1, read noise 2 counts, no hot pixels;
 * background 10 photons, flat, no haze, six mild cells (1 σ_bg), no blobs; PSF σxy 1.4, σz 1.0
 * (METHOD.md's benchmark spot), no halo, no tail, no tilt; 200 spots in 16×256×256 (about the PTC's
 * medium density), local SNR 4, brightness spread 0.3, no clusters or pairs, half of them in cells;
 * none of the acquisition effects (smooth cells, no astigmatism, no attenuation, no EM gain).
 * Frozen: derive variants with {@link mergeGeneralParams}.
 */
export const GENERAL_CENTRE: GeneralParams = deepFreeze({
  shape: [16, 256, 256],
  camera: {
    offset: 100,
    gain: 1,
    readNoise: 2,
    hotPixelFraction: 0,
    hotPixelLevel: 1000,
    emMultiplication: false,
    pattern: { offset: 0, gain: 0, readNoise: 0 },
  },
  background: {
    level: 10,
    gradient: 0,
    gradientAngle: 0,
    haze: 0,
    cells: {
      count: 6,
      radius: 30,
      height: 20,
      brightness: 1,
      nucleusSize: 0.45,
      nucleusBrightness: 0.7,
      texture: 0,
      textureGrain: 1,
    },
    blobs: { count: 0, radius: [2, 6], brightness: [3, 20] },
  },
  psf: {
    sigmaXY: 1.4,
    sigmaZ: 1,
    halo: { amplitude: 0, width: 3 },
    axialElongation: { amplitude: 0, length: 3, offset: 0 },
    tilt: { x: 0, y: 0 },
    astigmatism: { amount: 0, angle: 0 },
  },
  spots: {
    count: 200,
    snr: 4,
    amplitudeSpread: 0.3,
    clusterFraction: 0,
    clusterSize: 3,
    clusterSpread: 1.5,
    pairFraction: 0,
    pairDistance: [1.5, 3],
    insideCells: 0.5,
  },
  attenuation: 0,
}) as GeneralParams;

/** One documented range of {@link sampleGeneralParams}. */
export interface GeneralRange {
  /** Smallest value drawn (when the feature is on). */
  min: number;
  /** Largest value drawn. */
  max: number;
  /** Uniform (`linear`) or log-uniform (`log`) between min and max. */
  scale: 'linear' | 'log';
  /** Rounded to an integer. */
  integer?: boolean;
  /** Probability that the feature is off (value exactly 0) instead. */
  off?: number;
  /** Unit of the value. */
  unit: string;
}

const RANGES = {
  'shape.z': { min: 5, max: 64, scale: 'log', integer: true, unit: 'slices' },
  'camera.offset': { min: 50, max: 5000, scale: 'log', off: 0.1, unit: 'counts' },
  'camera.gain': { min: 0.5, max: 5, scale: 'log', unit: 'counts per photon' },
  'camera.readNoise': { min: 1, max: 10, scale: 'linear', unit: 'counts' },
  'camera.hotPixelFraction': { min: 1e-6, max: 1e-4, scale: 'log', off: 0.3, unit: 'of pixels' },
  'camera.hotPixelLevel': { min: 200, max: 20000, scale: 'log', unit: 'counts' },
  'background.level': { min: 1, max: 300, scale: 'log', unit: 'photons' },
  'background.gradient': { min: 0.1, max: 1, scale: 'linear', off: 0.4, unit: 'relative' },
  'background.haze': { min: 0.1, max: 1, scale: 'linear', off: 0.4, unit: 'relative to level' },
  'background.cells.coverage': { min: 0.2, max: 0.8, scale: 'linear', unit: 'of the plane' },
  'background.cells.radius': { min: 10, max: 40, scale: 'linear', unit: 'px' },
  'background.cells.height': { min: 3, max: 40, scale: 'log', unit: 'slices' },
  'background.cells.brightness': { min: 2, max: 5, scale: 'linear', off: 0.35, unit: 'σ_bg' },
  'background.cells.nucleusSize': { min: 0.3, max: 0.6, scale: 'linear', unit: 'of the cell radius' },
  'background.cells.nucleusBrightness': { min: 0.3, max: 1.5, scale: 'linear', unit: 'of the cytoplasm' },
  'background.blobs.count': { min: 1, max: 30, scale: 'log', integer: true, off: 0.4, unit: 'per 256²' },
  'psf.sigmaXY': { min: 0.7, max: 3, scale: 'log', unit: 'px' },
  'psf.sigmaZ': { min: 0.7, max: 3, scale: 'log', unit: 'slices' },
  'psf.halo.amplitude': { min: 0.05, max: 0.3, scale: 'linear', off: 0.5, unit: 'of the core' },
  'psf.halo.width': { min: 2, max: 4, scale: 'linear', unit: '× core σ' },
  'psf.axialElongation.amplitude': { min: 0.05, max: 0.3, scale: 'linear', off: 0.5, unit: 'of the core' },
  'psf.axialElongation.length': { min: 2, max: 4, scale: 'linear', unit: '× core σz' },
  'psf.axialElongation.offset': { min: -1, max: 1, scale: 'linear', unit: '× core σz' },
  'psf.tilt': { min: 0.02, max: 0.3, scale: 'linear', off: 0.5, unit: 'px per slice' },
  'spots.density': { min: 0.01, max: 4, scale: 'log', unit: 'per 1000 σxy²·σz' },
  'spots.snr': { min: 1, max: 10, scale: 'log', unit: 'local SNR' },
  'spots.amplitudeSpread': { min: 0, max: 0.8, scale: 'linear', unit: 'σ of ln' },
  'spots.clusterFraction': { min: 0.05, max: 0.5, scale: 'linear', off: 0.5, unit: 'of spots' },
  'spots.clusterSize': { min: 2, max: 6, scale: 'linear', integer: true, unit: 'spots' },
  'spots.clusterSpread': { min: 1, max: 2.5, scale: 'linear', unit: '× σ' },
  'spots.pairFraction': { min: 0.05, max: 0.3, scale: 'linear', off: 0.5, unit: 'of spots' },
  'spots.insideCells': { min: 0, max: 1, scale: 'linear', unit: 'probability' },
} as const satisfies Record<string, GeneralRange>;

/** The name (parameter path) of one of {@link GENERAL_RANGES}. */
export type GeneralRangeName = keyof typeof RANGES;

/**
 * The ranges {@link sampleGeneralParams} draws from, by parameter path (each also in the README).
 * `spots.density` and `background.cells.coverage` are not fields: they set `spots.count` =
 * round(density · z·y·x / (1000 · σxy² · σz)), at least 1 and at most {@link GENERAL_MAX_SPOTS}, and
 * `background.cells.count` = max(1, round(coverage · y·x / (π · radius²))). `psf.tilt` is the tilt's
 * magnitude (its direction is uniform). `background.blobs.count` is per 256×256 pixels of plane.
 * Fields that are not here are constants of the family (see {@link GENERAL_CENTRE}):
 * `background.blobs.radius` [2, 6] px, `background.blobs.brightness` [3, 20], `spots.pairDistance`
 * [1.5, 3] σ; `background.gradientAngle` is uniform in [0, 2π).
 */
export const GENERAL_RANGES: Readonly<Record<GeneralRangeName, Readonly<GeneralRange>>> = deepFreeze(RANGES);

const EFFECT_RANGES = {
  'camera.emMultiplication': { min: 1, max: 1, scale: 'linear', off: 0.8, unit: 'on (1) or off (0)' },
  'background.cells.texture': { min: 0.1, max: 0.5, scale: 'linear', off: 0.5, unit: 'relative' },
  'background.cells.textureGrain': { min: 0.7, max: 2, scale: 'log', unit: '× core σ' },
  'psf.astigmatism': { min: 0.05, max: 0.3, scale: 'linear', off: 0.6, unit: 'per σz of defocus' },
  attenuation: { min: 0.1, max: 0.7, scale: 'linear', off: 0.5, unit: 'lost at the last slice' },
} as const satisfies Record<string, GeneralRange>;

/** The name (parameter path) of one of {@link GENERAL_EFFECT_RANGES}. */
export type GeneralEffectName = keyof typeof EFFECT_RANGES;

/**
 * The acquisition effects {@link sampleGeneralParams} draws with `effects: true`, from a random
 * stream of their own (so a seed's other fields are the same with or without them): an EMCCD's
 * electron multiplication (on in 1 of 5 volumes), granular cell texture and its grain, astigmatism
 * (its direction uniform) and depth attenuation. Without `effects` all are off.
 */
export const GENERAL_EFFECT_RANGES: Readonly<Record<GeneralEffectName, Readonly<GeneralRange>>> =
  deepFreeze(EFFECT_RANGES);

const CAMERA_PATTERN_RANGES = {
  'camera.pattern.offset': { min: 0.2, max: 3, scale: 'log', off: 0.5, unit: '× read noise' },
  'camera.pattern.gain': { min: 0.002, max: 0.02, scale: 'log', unit: 'relative' },
  'camera.pattern.readNoise': { min: 0.1, max: 0.6, scale: 'linear', unit: 'σ of ln' },
} as const satisfies Record<string, GeneralRange>;

/** The name (parameter path) of one of {@link GENERAL_CAMERA_PATTERN_RANGES}. */
export type GeneralCameraPatternName = keyof typeof CAMERA_PATTERN_RANGES;

/**
 * The sCMOS pixel pattern {@link sampleGeneralParams} draws with `cameraPattern: true`, from a
 * random stream of its own (so a seed's other fields, the acquisition effects too, are the same with
 * or without it): on in half the volumes; each pixel's offset spread drawn as a multiple of the read
 * noise (`camera.pattern.offset` is stored in counts: this multiple × `camera.readNoise`), its
 * relative gain spread and the spread of the log of its read noise. Without `cameraPattern` every
 * pixel is alike (all three 0).
 */
export const GENERAL_CAMERA_PATTERN_RANGES: Readonly<
  Record<GeneralCameraPatternName, Readonly<GeneralRange>>
> = deepFreeze(CAMERA_PATTERN_RANGES);

/** Most spots {@link sampleGeneralParams} puts in one volume. */
export const GENERAL_MAX_SPOTS = 8000;

/** Options of {@link sampleGeneralParams}. */
export interface SampleGeneralOptions {
  /** The whole shape `[z, y, x]`; default: z drawn from `shape.z`, in-plane `size`. */
  shape?: Vec3;
  /** In-plane size `[y, x]` when `shape` is not given. Default [256, 256]. */
  size?: readonly [number, number];
  /** The local SNR: a fixed value, or a `[min, max]` range to draw log-uniformly from. Default [1, 10]. */
  snr?: number | readonly [number, number];
  /** Fields to fix, nested (applied last; derived counts use the fixed shape and σ). */
  overrides?: GeneralOverrides;
  /**
   * Multiplies every range's probability of being off (`GeneralRange.off`): 0.5 makes each optional
   * departure (halo, blobs, clusters, haze, …) on twice as often as `off` says, so several at once
   * are common; 0 turns them all on; 1 (default) is the family as documented. The draws are the
   * same uniforms, so a seed keeps its values and only which departures are off changes.
   */
  offScale?: number;
  /**
   * Also draw the acquisition effects of {@link GENERAL_EFFECT_RANGES} (EM gain, cell texture,
   * astigmatism, depth attenuation), from a stream of their own: every other field is the same as
   * without. Default false: the family as it was before these effects (the built-in `default`
   * model's training data), every effect off. `offScale` applies to them too.
   */
  effects?: boolean;
  /**
   * Also draw an sCMOS camera's pixel pattern ({@link GENERAL_CAMERA_PATTERN_RANGES}), from a
   * stream of its own: every other field is the same as without. Default false: every pixel alike
   * (the built-in models' training data). `offScale` applies to it too. `'always'`: in every
   * volume (the offset range's `off` ignored; the same draws, so the volumes that have one with
   * `true` have the same one).
   */
  cameraPattern?: boolean | 'always';
}

function drawRange(rng: Random, r: GeneralRange, min = r.min, max = r.max, offScale = 1): number {
  // Always two uniforms, so fixing one field never shifts the draws of the others.
  const u = rng.float();
  const off = rng.float() < (r.off ?? 0) * offScale;
  let v = r.scale === 'log' ? min * (max / min) ** u : min + (max - min) * u;
  if (r.integer) v = r.scale === 'log' ? Math.round(v) : Math.min(max, Math.floor(min + (max - min + 1) * u));
  return off ? 0 : v;
}

/**
 * Draws one volume's {@link GeneralParams} from {@link GENERAL_RANGES}: seeded (same seed and
 * options, same record), every field drawn from its own uniforms in a fixed order, so fixing a field
 * through `overrides` leaves the others as they were.
 *
 * @example
 * const params = sampleGeneralParams(7, { size: [128, 128], snr: [2, 7], overrides: { psf: { halo: { amplitude: 0 } } } });
 */
export function sampleGeneralParams(seed: number, options: SampleGeneralOptions = {}): GeneralParams {
  checkNumber('seed', seed, Number.isInteger, 'an integer');
  const offScale = options.offScale ?? 1;
  checkNumber('offScale', offScale, (v) => v >= 0 && v <= 1 / 0.5, 'a number in [0, 2]');
  const random = new Random(deriveSeed(seed, 0x9e4e));
  const rng = random;
  const draw = (_: Random, r: GeneralRange, min = r.min, max = r.max) =>
    drawRange(random, r, min, max, offScale);
  const R = GENERAL_RANGES;
  const size = options.size ?? [256, 256];
  const z = draw(rng, R['shape.z']);
  const shape: [number, number, number] = options.shape
    ? [options.shape[0], options.shape[1], options.shape[2]]
    : [z, size[0], size[1]];
  const camera: GeneralCamera = {
    offset: draw(rng, R['camera.offset']),
    gain: draw(rng, R['camera.gain']),
    readNoise: draw(rng, R['camera.readNoise']),
    hotPixelFraction: draw(rng, R['camera.hotPixelFraction']),
    hotPixelLevel: draw(rng, R['camera.hotPixelLevel']),
    emMultiplication: false,
  };
  const level = draw(rng, R['background.level']);
  const gradient = draw(rng, R['background.gradient']);
  const gradientAngle = 2 * Math.PI * rng.float();
  const haze = draw(rng, R['background.haze']);
  const coverage = draw(rng, R['background.cells.coverage']);
  const cellRadius = draw(rng, R['background.cells.radius']);
  const cells = {
    count: 0,
    radius: cellRadius,
    height: draw(rng, R['background.cells.height']),
    brightness: draw(rng, R['background.cells.brightness']),
    nucleusSize: draw(rng, R['background.cells.nucleusSize']),
    nucleusBrightness: draw(rng, R['background.cells.nucleusBrightness']),
  };
  const blobsPer256 = draw(rng, R['background.blobs.count']);
  const sigmaXY = draw(rng, R['psf.sigmaXY']);
  const sigmaZ = draw(rng, R['psf.sigmaZ']);
  const halo = { amplitude: draw(rng, R['psf.halo.amplitude']), width: draw(rng, R['psf.halo.width']) };
  const axialElongation = {
    amplitude: draw(rng, R['psf.axialElongation.amplitude']),
    length: draw(rng, R['psf.axialElongation.length']),
    offset: draw(rng, R['psf.axialElongation.offset']),
  };
  const tiltMagnitude = draw(rng, R['psf.tilt']);
  const tiltAngle = 2 * Math.PI * rng.float();
  const density = draw(rng, R['spots.density']);
  const snrOption = options.snr ?? [R['spots.snr'].min, R['spots.snr'].max];
  const [snrMin, snrMax] = typeof snrOption === 'number' ? [snrOption, snrOption] : snrOption;
  checkNumber('snr', snrMin, (v) => v > 0, 'a positive local SNR (or a [min, max] range of them)');
  checkNumber('snr', snrMax, (v) => v >= snrMin, `a number >= ${snrMin}`);
  const snrDraw = draw(rng, R['spots.snr'], snrMin, snrMax);
  const spots = {
    count: 0,
    snr: snrDraw,
    amplitudeSpread: draw(rng, R['spots.amplitudeSpread']),
    clusterFraction: draw(rng, R['spots.clusterFraction']),
    clusterSize: draw(rng, R['spots.clusterSize']),
    clusterSpread: draw(rng, R['spots.clusterSpread']),
    pairFraction: draw(rng, R['spots.pairFraction']),
    pairDistance: [1.5, 3] as const,
    insideCells: draw(rng, R['spots.insideCells']),
  };
  const effects = new Random(deriveSeed(seed, 0x9e50));
  const E = GENERAL_EFFECT_RANGES;
  const drawEffect = (r: GeneralRange) => {
    // Drawn either way, so the stream's position does not depend on `effects`.
    const v = drawRange(effects, r, r.min, r.max, offScale);
    return options.effects ? v : 0;
  };
  camera.emMultiplication = drawEffect(E['camera.emMultiplication']) > 0;
  const texture = drawEffect(E['background.cells.texture']);
  const textureGrain = drawEffect(E['background.cells.textureGrain']) || 1;
  const astigmatism = drawEffect(E['psf.astigmatism']);
  const astigmatismAngle = Math.PI * effects.float();
  const attenuation = drawEffect(E.attenuation);
  const patternRng = new Random(deriveSeed(seed, 0x9e51));
  const P = GENERAL_CAMERA_PATTERN_RANGES;
  const patternOffset = drawRange(
    patternRng,
    P['camera.pattern.offset'],
    undefined,
    undefined,
    options.cameraPattern === 'always' ? 0 : offScale,
  );
  const patternGain = drawRange(patternRng, P['camera.pattern.gain']);
  const patternRead = drawRange(patternRng, P['camera.pattern.readNoise']);
  camera.pattern =
    options.cameraPattern && patternOffset > 0
      ? { offset: patternOffset, gain: patternGain, readNoise: patternRead }
      : { offset: 0, gain: 0, readNoise: 0 };
  const drawn: GeneralParams = {
    shape,
    camera,
    background: {
      level,
      gradient,
      gradientAngle,
      haze,
      cells: { ...cells, texture, textureGrain },
      blobs: { count: 0, radius: [2, 6], brightness: [3, 20] },
    },
    psf: {
      sigmaXY,
      sigmaZ,
      halo,
      axialElongation,
      tilt: {
        // + 0: no −0 (JSON would turn it into 0, and a round trip must give the same record).
        x: tiltMagnitude * Math.cos(tiltAngle) + 0,
        y: tiltMagnitude * Math.sin(tiltAngle) + 0,
      },
      astigmatism: { amount: astigmatism, angle: astigmatism > 0 ? astigmatismAngle : 0 },
    },
    spots,
    attenuation,
  };
  // Derived counts from the final (possibly fixed) shape, sizes and PSF.
  const p = mergeGeneralParams(drawn, options.overrides ?? {});
  const [Z, Y, X] = p.shape;
  const o = options.overrides;
  if (o?.spots?.count === undefined) {
    const n = Math.round((density * Z * Y * X) / (1000 * p.psf.sigmaXY ** 2 * p.psf.sigmaZ));
    p.spots.count = Math.min(GENERAL_MAX_SPOTS, Math.max(1, n));
  }
  if (o?.background?.cells?.count === undefined) {
    const r = p.background.cells.radius;
    p.background.cells.count = Math.max(1, Math.round((coverage * Y * X) / (Math.PI * r * r)));
  }
  if (o?.background?.blobs?.count === undefined) {
    p.background.blobs.count = Math.round((blobsPer256 * Y * X) / 65536);
  }
  if (o?.camera?.pattern?.offset === undefined && p.camera.pattern)
    p.camera.pattern.offset *= p.camera.readNoise; // drawn as a multiple of the (final) read noise
  validateGeneralParams(p);
  return p;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function merge(base: unknown, over: unknown, path: string): unknown {
  if (over === undefined) return structuredClone(base);
  if (!isRecord(base)) {
    if (isRecord(over)) throw new SimulateError('INVALID_OPTION', `${path} is not a group of fields`);
    return Array.isArray(over) ? [...over] : over;
  }
  if (!isRecord(over)) throw new SimulateError('INVALID_OPTION', `${path} must be an object of fields`);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(over))
    if (!(key in base))
      throw new SimulateError('INVALID_OPTION', `unknown parameter ${path ? `${path}.` : ''}${key}`);
  for (const [key, value] of Object.entries(base))
    out[key] = merge(value, over[key], path ? `${path}.${key}` : key);
  return out;
}

/**
 * A copy of `base` with `overrides` applied, nested (arrays replaced whole). Unknown field names
 * throw INVALID_OPTION, so a misspelt override cannot pass unnoticed.
 *
 * @example
 * const params = mergeGeneralParams(GENERAL_CENTRE, { psf: { sigmaXY: 2.5, sigmaZ: 2 } });
 */
export function mergeGeneralParams(base: GeneralParams, overrides: GeneralOverrides): GeneralParams {
  return merge(base, overrides, '') as GeneralParams;
}

/**
 * Checks a {@link GeneralParams}: every field present, finite and in its physical domain (not
 * {@link GENERAL_RANGES}, which is only what the sampler draws). Throws INVALID_OPTION naming the field.
 */
export function validateGeneralParams(p: GeneralParams): void {
  if (!isRecord(p)) throw new SimulateError('INVALID_OPTION', 'params must be a GeneralParams object');
  const shape = p.shape as unknown;
  if (
    !Array.isArray(shape) ||
    shape.length !== 3 ||
    shape.some((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 1)
  )
    throw new SimulateError(
      'INVALID_OPTION',
      `shape must be three integers >= 1, got ${JSON.stringify(shape)}`,
    );
  const nonNeg = (v: number) => v >= 0;
  const pos = (v: number) => v > 0;
  const frac = (v: number) => v >= 0 && v <= 1;
  const int = (v: number) => Number.isInteger(v) && v >= 0;
  const range = (name: string, r: unknown, ok: (v: number) => boolean) => {
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] <= r[1]))
      throw new SimulateError(
        'INVALID_OPTION',
        `${name} must be a [min, max] pair, got ${JSON.stringify(r)}`,
      );
    checkNumber(`${name}[0]`, r[0], ok, 'in its domain');
    checkNumber(`${name}[1]`, r[1], ok, 'in its domain');
  };
  const { camera: c, background: b, psf, spots: s } = p;
  if (!isRecord(c) || !isRecord(b) || !isRecord(psf) || !isRecord(s))
    throw new SimulateError('INVALID_OPTION', 'params need camera, background, psf and spots');
  checkNumber('camera.offset', c.offset, nonNeg, 'a number of counts >= 0');
  checkNumber('camera.gain', c.gain, pos, 'a positive number of counts per photon');
  checkNumber('camera.readNoise', c.readNoise, nonNeg, 'a number of counts >= 0');
  checkNumber('camera.hotPixelFraction', c.hotPixelFraction, frac, 'a fraction in [0, 1]');
  checkNumber('camera.hotPixelLevel', c.hotPixelLevel, nonNeg, 'a number of counts >= 0');
  if (c.emMultiplication !== undefined && typeof c.emMultiplication !== 'boolean')
    throw new SimulateError(
      'INVALID_OPTION',
      `camera.emMultiplication must be true or false, got ${JSON.stringify(c.emMultiplication)}`,
    );
  if (c.pattern !== undefined) {
    if (!isRecord(c.pattern))
      throw new SimulateError('INVALID_OPTION', 'camera.pattern must be { offset, gain, readNoise }');
    checkNumber('camera.pattern.offset', c.pattern.offset, nonNeg, 'a number of counts >= 0');
    checkNumber(
      'camera.pattern.gain',
      c.pattern.gain,
      (v) => v >= 0 && v < 0.5,
      'a relative spread in [0, 0.5)',
    );
    checkNumber('camera.pattern.readNoise', c.pattern.readNoise, nonNeg, 'a number >= 0');
  }
  checkNumber('background.level', b.level, nonNeg, 'a number of photons >= 0');
  checkNumber('background.gradient', b.gradient, (v) => v >= 0 && v <= 2, 'in [0, 2]');
  checkNumber('background.gradientAngle', b.gradientAngle, () => true, 'a number of radians');
  checkNumber('background.haze', b.haze, nonNeg, 'a number >= 0');
  const cells = b.cells;
  if (!isRecord(cells) || !isRecord(b.blobs))
    throw new SimulateError('INVALID_OPTION', 'background needs cells and blobs');
  checkNumber('background.cells.count', cells.count, int, 'an integer >= 0');
  checkNumber('background.cells.radius', cells.radius, pos, 'a positive number of pixels');
  checkNumber('background.cells.height', cells.height, pos, 'a positive number of slices');
  checkNumber('background.cells.brightness', cells.brightness, nonNeg, 'a number >= 0');
  checkNumber('background.cells.nucleusSize', cells.nucleusSize, frac, 'in [0, 1]');
  checkNumber('background.cells.nucleusBrightness', cells.nucleusBrightness, nonNeg, 'a number >= 0');
  if (cells.texture !== undefined)
    checkNumber('background.cells.texture', cells.texture, nonNeg, 'a number >= 0');
  if (cells.textureGrain !== undefined)
    checkNumber('background.cells.textureGrain', cells.textureGrain, pos, 'a positive number');
  checkNumber('background.blobs.count', b.blobs.count, int, 'an integer >= 0');
  range('background.blobs.radius', b.blobs.radius, pos);
  range('background.blobs.brightness', b.blobs.brightness, pos);
  checkNumber('psf.sigmaXY', psf.sigmaXY, pos, 'a positive number of pixels');
  checkNumber('psf.sigmaZ', psf.sigmaZ, pos, 'a positive number of slices');
  if (!isRecord(psf.halo) || !isRecord(psf.axialElongation) || !isRecord(psf.tilt))
    throw new SimulateError('INVALID_OPTION', 'psf needs halo, axialElongation and tilt');
  checkNumber('psf.halo.amplitude', psf.halo.amplitude, nonNeg, 'a number >= 0');
  checkNumber('psf.halo.width', psf.halo.width, pos, 'a positive number');
  checkNumber('psf.axialElongation.amplitude', psf.axialElongation.amplitude, nonNeg, 'a number >= 0');
  checkNumber('psf.axialElongation.length', psf.axialElongation.length, pos, 'a positive number');
  checkNumber('psf.axialElongation.offset', psf.axialElongation.offset, () => true, 'a number');
  checkNumber('psf.tilt.x', psf.tilt.x, () => true, 'a number of pixels per slice');
  checkNumber('psf.tilt.y', psf.tilt.y, () => true, 'a number of pixels per slice');
  if (psf.astigmatism !== undefined) {
    if (!isRecord(psf.astigmatism))
      throw new SimulateError('INVALID_OPTION', 'psf.astigmatism must be { amount, angle }');
    checkNumber('psf.astigmatism.amount', psf.astigmatism.amount, nonNeg, 'a number >= 0');
    checkNumber('psf.astigmatism.angle', psf.astigmatism.angle, () => true, 'a number of radians');
  }
  checkNumber('spots.count', s.count, int, 'an integer >= 0');
  checkNumber('spots.snr', s.snr, nonNeg, 'a number >= 0');
  checkNumber('spots.amplitudeSpread', s.amplitudeSpread, nonNeg, 'a number >= 0');
  checkNumber('spots.clusterFraction', s.clusterFraction, frac, 'a fraction in [0, 1]');
  checkNumber('spots.clusterSize', s.clusterSize, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  checkNumber('spots.clusterSpread', s.clusterSpread, nonNeg, 'a number >= 0');
  checkNumber('spots.pairFraction', s.pairFraction, frac, 'a fraction in [0, 1]');
  range('spots.pairDistance', s.pairDistance, nonNeg);
  checkNumber('spots.insideCells', s.insideCells, frac, 'a probability in [0, 1]');
  if (p.attenuation !== undefined)
    checkNumber('attenuation', p.attenuation, (v) => v >= 0 && v < 1, 'a fraction in [0, 1)');
}
