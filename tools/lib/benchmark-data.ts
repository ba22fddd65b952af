/**
 * The simulated virus-scenario benchmark shared by the built-in model's recipe and the Table 1
 * reproduction: SNR 1, 2, 4, 7 × low/medium/high density, PTC densities scaled to the volume size,
 * seeded, split 50/25/25 per SNR.
 */
import type { Point3 } from '@dmdet/metrics';
import { simulateGrid, splitSamples } from '@dmdet/simulate';
import type { Volume } from '@dmdet/volume-io';

/** Benchmark sizes, from a quick smoke run to the paper's 1200 volumes. */
export const SCALES = {
  smoke: { shape: [10, 64, 64], perCell: 2, epochs: 2, stepsPerEpoch: 4 },
  small: { shape: [10, 128, 128], perCell: 4, epochs: 60, stepsPerEpoch: 16 },
  medium: { shape: [10, 256, 256], perCell: 8, epochs: 60, stepsPerEpoch: 32 },
  paper: { shape: [10, 512, 512], perCell: 100, epochs: 100, stepsPerEpoch: 150 },
} as const satisfies Record<
  string,
  { shape: readonly [number, number, number]; perCell: number; epochs: number; stepsPerEpoch: number }
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

/** Simulates the benchmark at a scale (in memory) and splits it per SNR. */
export function benchmarkData(scale: ScaleName): {
  train: BenchmarkItem[];
  validation: BenchmarkItem[];
  test: BenchmarkItem[];
} {
  const { shape, perCell } = SCALES[scale];
  const items = [...simulateGrid({ shape: [...shape], perCell, seed: DATA_SEED })].map((s) => ({
    id: s.id,
    snr: s.snr,
    density: s.density,
    volume: s.volume,
    points: s.points.map(({ x, y, z }) => ({ x, y, z })),
  }));
  return splitSamples(items, { seed: DATA_SEED, groupBy: (s) => s.snr });
}
