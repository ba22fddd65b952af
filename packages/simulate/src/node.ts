/**
 * `@dmdet/simulate/node`: writes a simulated dataset to disk (TIFF + CSV per volume and a JSON
 * manifest). The main entry has no `fs`.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Point, type Volume, writePointsCsv, writeTiff } from '@dmdet/volume-io';
import {
  type GeneralGridOptions,
  generalPlan,
  gridPlan,
  type SimulateGridOptions,
  simulateGeneralGrid,
  simulateGrid,
} from './dataset';
import { SimulateError } from './errors';
import type { GeneralParams } from './general-params';
import type { DensityLevel } from './scenario';
import { SIMULATE_DEFAULTS } from './simulate-volume';
import { splitSamples } from './split';

/** What {@link simulateDataset} shares between scenarios: where and how to write. */
interface DatasetWriteOptions {
  /** Output folder; created if missing. It must be empty unless `overwrite` is true. */
  out: string;
  /** Write into a non-empty folder, replacing files of the same names. Default false. */
  overwrite?: boolean;
  /** Seed of the train/validation/test split. Default: the dataset seed. */
  splitSeed?: number;
  /** Called after each volume is written. */
  onProgress?: (progress: { done: number; total: number; id: string }) => void;
  /** Stops between volumes. */
  signal?: AbortSignal;
}

/** Options of {@link simulateDataset} for the PTC virus scenario (the default). */
export interface SimulateDatasetOptions extends SimulateGridOptions, DatasetWriteOptions {
  /** `'virus'` (default): the SNR × density grid; the split is stratified by SNR. */
  scenario?: 'virus';
}

/** Options of {@link simulateDataset} for the `general` family. */
export interface SimulateGeneralDatasetOptions extends GeneralGridOptions, DatasetWriteOptions {
  /**
   * `'general'`: randomised volumes (`sampleGeneralParams`); the split is stratified by SNR when
   * `snrs` are given, else not grouped.
   */
  scenario: 'general';
}

/** One sample's line in the manifest. */
export interface ManifestSample {
  id: string;
  /** Paths relative to the manifest. */
  image: string;
  truth: string;
  /** The SNR (PTC definition for `virus`, local SNR for `general`). */
  snr: number;
  /** The PTC density level; `'general'` for the general family. */
  density: DensityLevel | 'general';
  count: number;
  seed: number;
  split: 'train' | 'validation' | 'test';
  /** `general` only: everything the volume was drawn with (`simulateGeneral(params, seed)` remakes it). */
  params?: GeneralParams;
  /** `general` only: the core Gaussian's σ, what a detector should resample by. */
  spotSigma?: { xy: number; z: number };
}

/** The dataset's `manifest.json`. */
export interface DatasetManifest {
  format: 'dmdet-simulated-dataset';
  version: 1;
  /** Which simulation made it; absent in manifests written before the general family (virus). */
  scenario?: 'virus' | 'general';
  seed: number;
  /** The options every sample shares (virus: shape, background, sigmas, psf, …; general: the grid's options). */
  options: Record<string, unknown>;
  split: { seed: number; fractions: [number, number, number]; groupBy: 'snr' | 'none' };
  samples: ManifestSample[];
}

/** A simulated sample as the writer needs it. */
interface WritableSample {
  id: string;
  snr: number;
  density: ManifestSample['density'];
  seed: number;
  volume: Volume;
  points: readonly Point[];
  extra?: Pick<ManifestSample, 'params' | 'spotSigma'>;
}

async function writeDataset(
  write: DatasetWriteOptions,
  header: {
    scenario: 'virus' | 'general';
    seed: number;
    options: Record<string, unknown>;
    groupBySnr: boolean;
  },
  plan: readonly { id: string; snr: number }[],
  samples: Iterable<WritableSample>,
): Promise<DatasetManifest> {
  const { out, overwrite = false, splitSeed, onProgress, signal } = write;
  if (typeof out !== 'string' || out === '')
    throw new SimulateError('INVALID_OPTION', 'out must be a folder path');
  const existing = await readdir(out).catch(() => [] as string[]);
  if (existing.length > 0 && !overwrite) {
    throw new SimulateError('OUTPUT_EXISTS', `${out} is not empty; pass overwrite: true to write into it`);
  }
  const fractions: [number, number, number] = [0.5, 0.25, 0.25];
  const splitOptions = header.groupBySnr
    ? { seed: splitSeed ?? header.seed, fractions, groupBy: (s: { snr: number }) => s.snr }
    : { seed: splitSeed ?? header.seed, fractions };
  const split = splitSamples(plan, splitOptions);
  const partOf = new Map<string, ManifestSample['split']>();
  for (const part of ['train', 'validation', 'test'] as const)
    for (const s of split[part]) partOf.set(s.id, part);
  await mkdir(join(out, 'images'), { recursive: true });
  await mkdir(join(out, 'truth'), { recursive: true });
  const written: ManifestSample[] = [];
  for (const s of samples) {
    signal?.throwIfAborted();
    const image = `images/${s.id}.tif`;
    const truth = `truth/${s.id}.csv`;
    await writeFile(join(out, image), new Uint8Array(writeTiff(s.volume)));
    await writeFile(join(out, truth), writePointsCsv(s.points, { voxelSize: s.volume.voxelSize }));
    written.push({
      id: s.id,
      image,
      truth,
      snr: s.snr,
      density: s.density,
      count: s.points.length,
      seed: s.seed,
      split: partOf.get(s.id)!,
      ...s.extra,
    });
    onProgress?.({ done: written.length, total: plan.length, id: s.id });
  }
  const manifest: DatasetManifest = {
    format: 'dmdet-simulated-dataset',
    version: 1,
    scenario: header.scenario,
    seed: header.seed,
    options: header.options,
    split: { seed: splitSeed ?? header.seed, fractions, groupBy: header.groupBySnr ? 'snr' : 'none' },
    samples: written,
  };
  await writeFile(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Simulates a dataset and writes `images/<id>.tif` (uint16, ImageJ), `truth/<id>.csv` and
 * `manifest.json` (per sample: SNR, density, count, seed and a 50/25/25 train/validation/test
 * split; the shared options). Refuses a non-empty folder unless `overwrite` is true.
 *
 * - `scenario: 'virus'` (default): the PTC SNR × density grid; truth columns `x,y,z,intensity,cluster`;
 *   the split is stratified by SNR.
 * - `scenario: 'general'`: `general` volumes (`simulateGeneralGrid`); truth columns
 *   `x,y,z,intensity,cluster,snr,background` (amplitude and local background in photons, local SNR);
 *   each manifest sample also holds its `params` and `spotSigma`; the split is stratified by SNR
 *   when `snrs` are given.
 *
 * @example
 * const manifest = await simulateDataset({ out: 'data/ptc-small', shape: [10, 128, 128], perCell: 4, seed: 1 });
 * await simulateDataset({ out: 'data/general', scenario: 'general', snrs: [2, 4, 7], perLevel: 4, seed: 1 });
 */
export async function simulateDataset(
  options: SimulateDatasetOptions | SimulateGeneralDatasetOptions,
): Promise<DatasetManifest> {
  if (options.scenario === 'general') {
    const {
      out: _o,
      overwrite: _w,
      splitSeed: _s,
      onProgress: _p,
      signal: _g,
      scenario: _c,
      ...grid
    } = options;
    const plan = generalPlan(grid);
    return writeDataset(
      options,
      {
        scenario: 'general',
        seed: grid.seed ?? 0,
        options: { ...grid },
        groupBySnr: grid.snrs !== undefined,
      },
      plan,
      (function* () {
        for (const s of simulateGeneralGrid(grid))
          yield {
            id: s.id,
            snr: s.snr,
            density: 'general' as const,
            seed: s.seed,
            volume: s.volume,
            points: s.points,
            extra: { params: s.params, spotSigma: s.spotSigma },
          };
      })(),
    );
  }
  const {
    out: _o,
    overwrite: _w,
    splitSeed: _s,
    onProgress: _p,
    signal: _g,
    scenario: _c,
    ...grid
  } = options;
  const plan = gridPlan(grid);
  const { snrs: _snrs, densities: _d, perCell: _pc, seed: _seed, ...shared } = grid;
  const { density: _density, snr: _snr, seed: _defaultSeed, ...volumeDefaults } = SIMULATE_DEFAULTS;
  return writeDataset(
    options,
    { scenario: 'virus', seed: grid.seed ?? 0, options: { ...volumeDefaults, ...shared }, groupBySnr: true },
    plan,
    simulateGrid(grid),
  );
}
