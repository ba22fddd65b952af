/**
 * `@dmdet/simulate/node`: writes a simulated dataset to disk (TIFF + CSV per volume and a JSON
 * manifest). The main entry has no `fs`.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePointsCsv, writeTiff } from '@dmdet/volume-io';
import { gridPlan, type SimulateGridOptions, simulateGrid } from './dataset';
import { SimulateError } from './errors';
import type { DensityLevel } from './scenario';
import { SIMULATE_DEFAULTS } from './simulate-volume';
import { splitSamples } from './split';

/** Options of {@link simulateDataset}. */
export interface SimulateDatasetOptions extends SimulateGridOptions {
  /** Output folder; created if missing. It must be empty unless `overwrite` is true. */
  out: string;
  /** Write into a non-empty folder, replacing files of the same names. Default false. */
  overwrite?: boolean;
  /** Seed of the train/validation/test split (stratified by SNR). Default: the dataset seed. */
  splitSeed?: number;
  /** Called after each volume is written. */
  onProgress?: (progress: { done: number; total: number; id: string }) => void;
  /** Stops between volumes. */
  signal?: AbortSignal;
}

/** One sample's line in the manifest. */
export interface ManifestSample {
  id: string;
  /** Paths relative to the manifest. */
  image: string;
  truth: string;
  snr: number;
  density: DensityLevel;
  count: number;
  seed: number;
  split: 'train' | 'validation' | 'test';
}

/** The dataset's `manifest.json`. */
export interface DatasetManifest {
  format: 'dmdet-simulated-dataset';
  version: 1;
  seed: number;
  /** The volume options every sample shares (shape, background, sigmas, psf, …). */
  options: Record<string, unknown>;
  split: { seed: number; fractions: [number, number, number]; groupBy: 'snr' };
  samples: ManifestSample[];
}

/**
 * Simulates the SNR × density grid and writes `images/<id>.tif` (uint16, ImageJ), `truth/<id>.csv`
 * (`x,y,z,intensity,cluster`) and `manifest.json` (per sample: SNR, density, count, seed, and a
 * 50/25/25 train/validation/test split stratified by SNR; shared options: shape, sigmas, …).
 * Refuses a non-empty folder unless `overwrite` is true.
 *
 * @example
 * const manifest = await simulateDataset({ out: 'data/ptc-small', shape: [10, 128, 128], perCell: 4, seed: 1 });
 */
export async function simulateDataset(options: SimulateDatasetOptions): Promise<DatasetManifest> {
  const { out, overwrite = false, splitSeed, onProgress, signal, ...grid } = options;
  if (typeof out !== 'string' || out === '')
    throw new SimulateError('INVALID_OPTION', 'out must be a folder path');
  const existing = await readdir(out).catch(() => [] as string[]);
  if (existing.length > 0 && !overwrite) {
    throw new SimulateError('OUTPUT_EXISTS', `${out} is not empty; pass overwrite: true to write into it`);
  }
  const plan = gridPlan(grid);
  const seed = grid.seed ?? 0;
  const fractions: [number, number, number] = [0.5, 0.25, 0.25];
  const split = splitSamples(plan, { seed: splitSeed ?? seed, fractions, groupBy: (s) => s.snr });
  const partOf = new Map<string, ManifestSample['split']>();
  for (const part of ['train', 'validation', 'test'] as const)
    for (const s of split[part]) partOf.set(s.id, part);
  await mkdir(join(out, 'images'), { recursive: true });
  await mkdir(join(out, 'truth'), { recursive: true });
  const samples: ManifestSample[] = [];
  for (const s of simulateGrid(grid)) {
    signal?.throwIfAborted();
    const image = `images/${s.id}.tif`;
    const truth = `truth/${s.id}.csv`;
    await writeFile(join(out, image), new Uint8Array(writeTiff(s.volume)));
    await writeFile(join(out, truth), writePointsCsv(s.points, { voxelSize: s.volume.voxelSize }));
    samples.push({
      id: s.id,
      image,
      truth,
      snr: s.snr,
      density: s.density,
      count: s.points.length,
      seed: s.seed,
      split: partOf.get(s.id)!,
    });
    onProgress?.({ done: samples.length, total: plan.length, id: s.id });
  }
  const { snrs: _s, densities: _d, perCell: _p, seed: _seed, ...shared } = grid;
  const { density: _density, snr: _snr, seed: _defaultSeed, ...volumeDefaults } = SIMULATE_DEFAULTS;
  const manifest: DatasetManifest = {
    format: 'dmdet-simulated-dataset',
    version: 1,
    seed,
    options: { ...volumeDefaults, ...shared },
    split: { seed: splitSeed ?? seed, fractions, groupBy: 'snr' },
    samples,
  };
  await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
