import type { Vec3 } from '@dmdet/volume-io';
import { checkNumber, SimulateError } from './errors';
import { type GeneralVolume, simulateGeneral } from './general';
import { type GeneralOverrides, type GeneralParams, sampleGeneralParams } from './general-params';
import { deriveSeed } from './random';
import { type DensityLevel, PTC_SNRS } from './scenario';
import { type SimulatedVolume, type SimulateVolumeOptions, simulateVolume } from './simulate-volume';

/** Options of {@link simulateGrid}: the SNR × density grid, plus any {@link SimulateVolumeOptions}. */
export interface SimulateGridOptions
  extends Omit<SimulateVolumeOptions, 'snr' | 'density' | 'count' | 'seed'> {
  /** SNR levels. Default 1, 2, 4, 7. */
  snrs?: readonly number[];
  /** Density levels. Default low, medium, high. */
  densities?: readonly DensityLevel[];
  /** Volumes per (SNR, density) cell. Default 1. */
  perCell?: number;
  /** Dataset seed; every sample gets its own seed derived from it. Default 0. */
  seed?: number;
}

/** One sample of a grid: its identity and its simulated volume. */
export interface GridSample extends SimulatedVolume {
  /** `snr{snr}_{density}_{index}`, e.g. `snr2_medium_003`. */
  id: string;
  snr: number;
  density: DensityLevel;
  /** This sample's own seed: `simulateVolume({ ...options, snr, density, seed })` remakes it alone. */
  seed: number;
}

/** What a grid will hold, without simulating it: id, SNR, density and seed of each sample in order. */
export function gridPlan(
  options: SimulateGridOptions = {},
): { id: string; snr: number; density: DensityLevel; seed: number }[] {
  const { snrs = PTC_SNRS, densities = ['low', 'medium', 'high'], perCell = 1, seed = 0 } = options;
  checkNumber('perCell', perCell, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  checkNumber('seed', seed, Number.isInteger, 'an integer');
  if (snrs.length === 0 || densities.length === 0) {
    throw new SimulateError('INVALID_OPTION', 'snrs and densities must each name at least one level');
  }
  const plan = [];
  let index = 0;
  for (const snr of snrs)
    for (const density of densities)
      for (let i = 0; i < perCell; i++) {
        plan.push({
          id: `snr${snr}_${density}_${String(i).padStart(3, '0')}`,
          snr,
          density,
          seed: deriveSeed(seed, index++),
        });
      }
  return plan;
}

/**
 * Simulates the SNR × density grid of the PTC virus scenario one volume at a time (a generator, so
 * only one volume is in memory at once). Browser-safe; `@dmdet/simulate/node` writes it to files.
 *
 * @example
 * for (const s of simulateGrid({ shape: [10, 128, 128], perCell: 2, seed: 7 })) console.log(s.id, s.points.length);
 */
export function* simulateGrid(options: SimulateGridOptions = {}): Generator<GridSample> {
  const { snrs: _s, densities: _d, perCell: _p, seed: _seed, ...volumeOptions } = options;
  for (const entry of gridPlan(options)) {
    yield {
      ...entry,
      ...simulateVolume({ ...volumeOptions, snr: entry.snr, density: entry.density, seed: entry.seed }),
    };
  }
}

/** Options of {@link generalPlan} and {@link simulateGeneralGrid}: a set of `general` volumes. */
export interface GeneralGridOptions {
  /**
   * Local SNR levels: `perLevel` volumes at each. Default: none, and `perLevel` volumes whose SNR is
   * drawn per volume from `snrRange`.
   */
  snrs?: readonly number[];
  /** Range the SNR is drawn from when `snrs` is not given. Default [1, 10] (`GENERAL_RANGES`). */
  snrRange?: readonly [number, number];
  /** Volumes per SNR level (or in all). Default 1. */
  perLevel?: number;
  /** Fixes the shape `[z, y, x]`; default: z drawn per volume, in-plane `size`. */
  shape?: Vec3;
  /** In-plane size `[y, x]` when `shape` is not given. Default [256, 256]. */
  size?: readonly [number, number];
  /** Fields every volume shares (see `sampleGeneralParams`). */
  overrides?: GeneralOverrides;
  /** Dataset seed; every sample gets its own seed derived from it. Default 0. */
  seed?: number;
  /** Draw the acquisition effects too (`sampleGeneralParams`' `effects`). Default false. */
  effects?: boolean;
  /** Draw an sCMOS camera's pixel pattern too, in half the volumes or `'always'` (`sampleGeneralParams`' `cameraPattern`). Default false. */
  cameraPattern?: boolean | 'always';
}

/** One planned `general` sample: its id, SNR, seed and the params it is drawn with. */
export interface GeneralPlanEntry {
  /** `general_snr{snr}_{index}` with levels, `general_{index}` without. */
  id: string;
  /** Its local SNR (`params.spots.snr`). */
  snr: number;
  /** `sampleGeneralParams(seed, …)` drew `params`; `simulateGeneral(params, seed)` makes the volume. */
  seed: number;
  params: GeneralParams;
}

/** One sample of {@link simulateGeneralGrid}: its plan entry and its volume. */
export interface GeneralGridSample extends GeneralPlanEntry, GeneralVolume {}

/** What a set of `general` volumes will hold, without simulating it. */
export function generalPlan(options: GeneralGridOptions = {}): GeneralPlanEntry[] {
  const {
    snrs,
    snrRange,
    perLevel = 1,
    shape,
    size,
    overrides,
    seed = 0,
    effects = false,
    cameraPattern = false,
  } = options;
  checkNumber('perLevel', perLevel, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
  checkNumber('seed', seed, Number.isInteger, 'an integer');
  if (snrs !== undefined && snrs.length === 0)
    throw new SimulateError('INVALID_OPTION', 'snrs must name at least one level (or be left out)');
  const plan: GeneralPlanEntry[] = [];
  let index = 0;
  for (const snr of snrs ?? [undefined])
    for (let i = 0; i < perLevel; i++) {
      const sampleSeed = deriveSeed(seed, index++);
      const params = sampleGeneralParams(sampleSeed, {
        ...(shape ? { shape } : {}),
        ...(size ? { size } : {}),
        ...(snr !== undefined ? { snr } : snrRange ? { snr: snrRange } : {}),
        ...(overrides ? { overrides } : {}),
        effects,
        cameraPattern,
      });
      const n = String(i).padStart(3, '0');
      plan.push({
        id: snr === undefined ? `general_${n}` : `general_snr${snr}_${n}`,
        snr: params.spots.snr,
        seed: sampleSeed,
        params,
      });
    }
  return plan;
}

/**
 * Simulates a set of `general` volumes one at a time (a generator: one volume in memory at once):
 * sample i draws its params with `sampleGeneralParams(seed_i, options)` and its volume with
 * `simulateGeneral(params, seed_i)`, seed_i derived from the dataset seed.
 *
 * @example
 * for (const s of simulateGeneralGrid({ snrs: [2, 4], perLevel: 3, size: [128, 128], seed: 1 })) console.log(s.id, s.points.length);
 */
export function* simulateGeneralGrid(options: GeneralGridOptions = {}): Generator<GeneralGridSample> {
  for (const entry of generalPlan(options)) yield { ...entry, ...simulateGeneral(entry.params, entry.seed) };
}
