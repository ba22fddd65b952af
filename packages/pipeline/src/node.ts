/**
 * `@dmdet/pipeline/node`: models in folders, datasets from a manifest, files in and out, and worker
 * threads for every core. The main entry has no `fs` and no threads.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Point3 } from '@dmdet/metrics';
import { loadModel as loadModelFrom } from '@dmdet/model';
import { loadModelFromDir, ModelWorkerPool, saveModelToDir } from '@dmdet/model/node';
import type { DatasetManifest, ManifestSample } from '@dmdet/simulate/node';
import { readPointsCsvFile, readTiffFile } from '@dmdet/volume-io/node';
import { ensureBackend } from './backend';
import type { DetectorModel } from './detect';
import { PipelineError } from './errors';
import { type BuiltInModelName, defaultModelUrl, isBuiltInModel } from './load-model';
import type { LabeledVolume } from './train-detector';

export {
  type ReadTrainingDataOptions,
  readTrainingData,
  splitIntoBlocks,
  type TrainingData,
  type TrainingSplit,
  type UserDatasetManifest,
  type UserManifestVolume,
} from './training-data-node';
export { ModelWorkerPool };

/** Folder of a built-in model (default: `'default'`) inside this package. */
export function defaultModelDir(name: BuiltInModelName = 'default'): string {
  return dirname(fileURLToPath(defaultModelUrl(name)));
}

/**
 * Loads a detector: a built-in model by name (`'default'` = `'general'`, `'ptc-virus'`), a folder holding `model.json` + `weights.bin`
 * (or the path of that `model.json`), or an `http(s)://` URL. An invalid folder gets a clear error
 * (`MODEL_NOT_FOUND`, `CORRUPT_MODEL`, `FOREIGN_MODEL`). Starts a backend first when none is active
 * (the fastest available, as `detect` does), so it can be the first call.
 *
 * @example
 * const detector = await loadModel('models/my-run');
 */
export async function loadModel(source: string = 'default'): Promise<DetectorModel> {
  await ensureBackend(undefined);
  if (isBuiltInModel(source)) return loadModelFromDir(defaultModelDir(source));
  if (/^https?:\/\//.test(source)) return loadModelFrom(source);
  const path = resolve(source);
  const isJson =
    path.endsWith('.json') &&
    (await stat(path).then(
      (s) => s.isFile(),
      () => false,
    ));
  return loadModelFromDir(isJson ? dirname(path) : path);
}

/** Saves a detector to a folder (`model.json` + `weights.bin`); refuses to replace one unless `overwrite`. */
export async function saveDetector(
  detector: DetectorModel,
  dir: string,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  await saveModelToDir(detector.model, dir, detector.metadata, options);
}

/** One volume of a dataset manifest, loaded. */
export interface DatasetItem extends LabeledVolume {
  id: string;
  snr: number;
  density: string;
  split: ManifestSample['split'];
}

/**
 * Reads a dataset manifest (as `dmdet simulate` or `simulateDataset` writes it): every image (TIFF)
 * with its truth (CSV), grouped by split. Paths in the manifest are relative to it.
 *
 * @example
 * const { train, validation, test } = await readDataset('data/manifest.json');
 */
export async function readDataset(
  manifestPath: string,
  options: { splits?: ManifestSample['split'][] } = {},
): Promise<{
  manifest: DatasetManifest;
  train: DatasetItem[];
  validation: DatasetItem[];
  test: DatasetItem[];
}> {
  const { readFile } = await import('node:fs/promises');
  let manifest: DatasetManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as DatasetManifest;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PipelineError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_INPUT',
      code === 'ENOENT'
        ? `${manifestPath}: no such file`
        : `${manifestPath}: not a JSON dataset manifest (${(e as Error).message})`,
      { cause: e },
    );
  }
  if (manifest?.format !== 'dmdet-simulated-dataset' || !Array.isArray(manifest.samples)) {
    throw new PipelineError(
      'INVALID_INPUT',
      `${manifestPath}: expected a dataset manifest with format "dmdet-simulated-dataset" and a samples list`,
    );
  }
  const wanted = new Set(options.splits ?? ['train', 'validation', 'test']);
  const root = dirname(manifestPath);
  const out = {
    manifest,
    train: [] as DatasetItem[],
    validation: [] as DatasetItem[],
    test: [] as DatasetItem[],
  };
  for (const [i, s] of manifest.samples.entries()) {
    if (!s || typeof s.image !== 'string' || typeof s.truth !== 'string' || !(s.split in out))
      throw new PipelineError(
        'INVALID_INPUT',
        `${manifestPath}: samples[${i}] needs image, truth and split (train, validation or test)`,
      );
    if (!wanted.has(s.split)) continue;
    const volume = await readTiffFile(join(root, s.image));
    const points = (await readPointsCsvFile(join(root, s.truth))).map(
      ({ x, y, z }) => ({ x, y, z }) as Point3,
    );
    (out[s.split] as DatasetItem[]).push({
      id: s.id ?? basename(s.image),
      snr: s.snr,
      density: s.density,
      split: s.split,
      volume,
      points,
    });
  }
  return out;
}
