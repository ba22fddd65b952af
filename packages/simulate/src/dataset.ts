import { checkNumber, SimulateError } from './errors';
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
