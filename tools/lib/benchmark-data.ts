/**
 * The simulated virus-scenario benchmark shared by the built-in model's recipe and the Table 1
 * reproduction: SNR 1, 2, 4, 7 × low/medium/high density, PTC densities scaled to the volume size,
 * seeded, split 50/25/25 per SNR.
 */
import type { Point3 } from '@dmdet/metrics';
import { gridPlan, simulateGrid, splitSamples } from '@dmdet/simulate';
import type { Volume } from '@dmdet/volume-io';

/** Benchmark sizes, from a quick smoke run to the paper's 1200 volumes. */
export const SCALES = {
  smoke: { shape: [10, 64, 64], perCell: 2, epochs: 2, freezeEpochs: 1, stepsPerEpoch: 4 },
  small: { shape: [10, 128, 128], perCell: 4, epochs: 60, freezeEpochs: 30, stepsPerEpoch: 16 },
  medium: { shape: [10, 256, 256], perCell: 8, epochs: 60, freezeEpochs: 60, stepsPerEpoch: 32 },
  paper: { shape: [10, 512, 512], perCell: 100, epochs: 100, freezeEpochs: 50, stepsPerEpoch: 150 },
} as const satisfies Record<
  string,
  {
    shape: readonly [number, number, number];
    perCell: number;
    /** Epochs with per-volume instance statistics (stage 1 of tools/lib/train-recipe.ts). */
    epochs: number;
    /** Epochs with frozen statistics after them (stage 2). */
    freezeEpochs: number;
    stepsPerEpoch: number;
  }
>;
export type ScaleName = keyof typeof SCALES;

/** The data seed of every recipe here. */
export const DATA_SEED = 2026;

export interface BenchmarkItem {
  id: string;
  snr: number;
  density: string;
  volume: Volume;
  points: Point3[];
}

/** The seed of the extended test set ({@link extendedTestData}), apart from {@link DATA_SEED}. */
export const EXTENDED_TEST_SEED = DATA_SEED + 1;

function simulated(shape: readonly [number, number, number], perCell: number, seed: number): BenchmarkItem[] {
  return [...simulateGrid({ shape: [...shape], perCell, seed })].map((s) => ({
    id: s.id,
    snr: s.snr,
    density: s.density,
    volume: s.volume,
    points: s.points.map(({ x, y, z }) => ({ x, y, z })),
  }));
}

/** Simulates the benchmark at a scale (in memory) and splits it per SNR. */
export function benchmarkData(scale: ScaleName): {
  train: BenchmarkItem[];
  validation: BenchmarkItem[];
  test: BenchmarkItem[];
} {
  const { shape, perCell } = SCALES[scale];
  return splitSamples(simulated(shape, perCell, DATA_SEED), { seed: DATA_SEED, groupBy: (s) => s.snr });
}

/**
 * A second, larger test set for a scale: `perCell` more volumes per SNR × density cell of the same
 * size and scenario, simulated from {@link EXTENDED_TEST_SEED}, so no volume of it was seen in
 * training or threshold selection (checked: no sample seed is shared with the benchmark's grid).
 * With 3 test volumes per SNR at the `small` scale one missed particle moves F1 by ~0.007; this set
 * measures the same models with less noise. `shape` simulates the same cells at another volume
 * size (PTC densities scaled to it), e.g. the paper's 10×512×512.
 */
export function extendedTestData(
  scale: ScaleName,
  perCell: number,
  shape: readonly [number, number, number] = SCALES[scale].shape,
): BenchmarkItem[] {
  const used = new Set(gridPlan({ perCell: SCALES[scale].perCell, seed: DATA_SEED }).map((e) => e.seed));
  const clash = gridPlan({ perCell, seed: EXTENDED_TEST_SEED }).find((e) => used.has(e.seed));
  if (clash) throw new Error(`extended test sample ${clash.id} shares its seed with the benchmark's grid`);
  return simulated(shape, perCell, EXTENDED_TEST_SEED);
}
