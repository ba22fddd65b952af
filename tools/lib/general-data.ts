/**
 * The training data of the general built-in model: volumes of the `general` simulation family
 * (`@dmdet/simulate`: random cameras, backgrounds, PSFs, densities), each with its true spot size
 * jittered by a few per cent (detection estimates it, with an error of that order) or, with
 * `estimatedSize`, the spot size detection would estimate from it, beside the
 * virus-scenario volumes of the `medium` benchmark (so the model keeps what the `ptc-virus` model
 * knows). Seeds of the general volumes derive from {@link GENERAL_TRAIN_SEED}; the robustness
 * benchmark's held-out seeds are checked against them.
 */
import type { LabeledVolume } from '@dmdet/pipeline';
import { estimateSpotSize } from '@dmdet/preprocess';
import {
  deriveSeed,
  GENERAL_MAX_SPOTS,
  type GeneralParams,
  mergeGeneralParams,
  Random,
  sampleGeneralParams,
  simulateGeneral,
} from '@dmdet/simulate';
import { benchmarkData } from './benchmark-data';

/** The seed the general training and validation volumes derive from. */
export const GENERAL_TRAIN_SEED = 7100;

/** The sample seeds of `count` general volumes from index `first` on. */
export function generalTrainingSeeds(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => deriveSeed(GENERAL_TRAIN_SEED, first + i));
}

/**
 * `count` general volumes from seed index `first` on, drawn as thresholds are fitted and checked
 * (in-plane 128×128, local SNR `snr` (default 1.5–12), everything else from the family's ranges),
 * with their true spot positions; with `virus`, the `medium` virus benchmark's 24 validation volumes
 * after them; with `effects`, the family's acquisition effects drawn too (`sampleGeneralParams`'
 * `effects`).
 */
export function thresholdFitVolumes(
  first: number,
  count: number,
  options: { virus?: boolean; effects?: boolean; snr?: [number, number] } = {},
): LabeledVolume[] {
  const volumes: LabeledVolume[] = generalTrainingSeeds(first, count).map((seed) => {
    const params = sampleGeneralParams(seed, {
      size: [128, 128],
      snr: options.snr ?? [1.5, 12],
      effects: options.effects ?? false,
    });
    const sim = simulateGeneral(params, seed);
    return {
      id: `general-${seed}`,
      volume: sim.volume,
      points: sim.points.map(({ x, y, z }) => ({ x, y, z })),
    };
  });
  if (options.virus)
    for (const b of benchmarkData('medium').validation)
      volumes.push({ id: b.id, volume: b.volume, points: b.points });
  return volumes;
}

/** Parses a `--snr lo,hi` option (0 < lo <= hi) of the tools that draw general volumes. */
export function parseSnrRange(text: string): [number, number] {
  const [lo = Number.NaN, hi = Number.NaN, ...rest] = text.split(',').map(Number);
  if (rest.length > 0 || !(lo > 0) || !(hi >= lo))
    throw new Error(`--snr must be lo,hi with 0 < lo <= hi, got ${text}`);
  return [lo, hi];
}

/** Options of {@link generalTrainingData}. */
export interface GeneralDataOptions {
  /** General volumes for training. Default 96. */
  train?: number;
  /** General volumes for validation. Default 24. */
  validation?: number;
  /** In-plane size of the general volumes. Default [128, 128]. */
  size?: [number, number];
  /** Local SNR range of the general volumes. Default [1.5, 12]. */
  snr?: [number, number];
  /** Add the `medium` virus benchmark's train and validation splits. Default true. */
  virus?: boolean;
  /** Relative σ of the jitter of the spot size given to training (lognormal). Default 0.08. */
  spotJitter?: number;
  /** `sampleGeneralParams`' `offScale`: below 1, optional departures are on more often (several at once). Default 1. */
  offScale?: number;
  /**
   * `sampleGeneralParams`' `effects`: draw the acquisition effects (EM gain, cell texture,
   * astigmatism, depth attenuation). A number p draws them in a fraction p of the volumes (each
   * volume's choice seeded from its own seed), the rest without. Default false.
   */
  effects?: boolean | number;
  /** `sampleGeneralParams`' `cameraPattern`: draw an sCMOS camera's pixel pattern (in half the volumes, or `'always'`). Default false. */
  cameraPattern?: boolean | 'always';
  /**
   * Probability that a volume is made crowded ({@link crowdedParams}): dense (1–4 spots per
   * 1000 σxy²·σz, the top of the family's range), with clusters and touching pairs. Default 0.
   */
  crowding?: number;
  /**
   * Give each general volume the spot size `detect` would estimate from it (`estimateSpotSize`),
   * so training resamples it as detection will: a halo, an axial tail or astigmatism widens the
   * estimate beyond the core's σ (an axial tail of 0.3 by ~20 % in z), and a model trained at the
   * true σ sees such volumes squeezed at detection. Where no estimate can be made (too few bright
   * isolated spots) the true size, jittered, as without. Default false.
   */
  estimatedSize?: boolean;
}

/**
 * `params` made crowded, with draws from `rng`: density log-uniform in 1–4 spots per
 * 1000 σxy²·σz (the family's range is 0.01–4), 20–50 % of the spots in clusters of 2–6 (spread
 * 1–2.5 σ), 10–30 % in touching pairs (1.5–3 σ apart).
 */
export function crowdedParams(params: GeneralParams, rng: Random): GeneralParams {
  const [z, y, x] = params.shape;
  const density = Math.exp(rng.float() * Math.log(4));
  const volume = (z * y * x) / (1000 * params.psf.sigmaXY ** 2 * params.psf.sigmaZ);
  return mergeGeneralParams(params, {
    spots: {
      count: Math.min(GENERAL_MAX_SPOTS, Math.max(1, Math.round(density * volume))),
      clusterFraction: 0.2 + 0.3 * rng.float(),
      clusterSize: 2 + Math.floor(5 * rng.float()),
      clusterSpread: 1 + 1.5 * rng.float(),
      pairFraction: 0.1 + 0.2 * rng.float(),
    },
  });
}

/** One general volume as a labelled volume, with its (jittered) spot size. */
function generalItem(seed: number, options: Required<GeneralDataOptions>): LabeledVolume {
  const effects =
    typeof options.effects === 'number'
      ? new Random(deriveSeed(seed, 0xeffec7)).float() < options.effects
      : options.effects;
  const sampled = sampleGeneralParams(seed, {
    size: options.size,
    snr: options.snr,
    offScale: options.offScale,
    effects,
    cameraPattern: options.cameraPattern,
  });
  const crowd = new Random(deriveSeed(seed, 0xc20d));
  const params = crowd.float() < options.crowding ? crowdedParams(sampled, crowd) : sampled;
  const sim = simulateGeneral(params, seed);
  const rng = new Random(deriveSeed(seed, 99));
  const jitter = () => Math.exp(options.spotJitter * rng.normal());
  const truth = { xy: sim.spotSigma.xy * jitter(), z: sim.spotSigma.z * jitter() };
  const estimate = options.estimatedSize ? estimateSpotSize(sim.volume) : undefined;
  return {
    id: `general-${seed}`,
    volume: sim.volume,
    points: sim.points.map(({ x, y, z }) => ({ x, y, z })),
    spotSize: estimate && Number.isFinite(estimate.z) ? { xy: estimate.xy, z: estimate.z } : truth,
  };
}

/** The general model's training and validation volumes (in memory). */
export function generalTrainingData(options: GeneralDataOptions = {}): {
  train: LabeledVolume[];
  validation: LabeledVolume[];
} {
  const o: Required<GeneralDataOptions> = {
    train: 96,
    validation: 24,
    size: [128, 128],
    snr: [1.5, 12],
    virus: true,
    spotJitter: 0.08,
    offScale: 1,
    effects: false,
    cameraPattern: false,
    crowding: 0,
    estimatedSize: false,
    ...options,
  };
  const train = generalTrainingSeeds(0, o.train).map((s) => generalItem(s, o));
  const validation = generalTrainingSeeds(o.train, o.validation).map((s) => generalItem(s, o));
  if (o.virus) {
    const virus = benchmarkData('medium');
    const asItem = (b: (typeof virus.train)[number]): LabeledVolume => ({
      id: b.id,
      volume: b.volume,
      points: b.points,
      spotSize: { xy: 1.4, z: 1 },
    });
    train.push(...virus.train.map(asItem));
    validation.push(...virus.validation.map(asItem));
  }
  return { train, validation };
}
