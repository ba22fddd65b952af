/**
 * `@dmdet/model/node`: models and training checkpoints in folders, with plain `fs` (no tfjs-node),
 * and a pool of worker threads for training and prediction on every core.
 * The main entry has no `fs` and no threads.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { SavedTensor, TrainingCheckpoint } from './checkpoint';
import { ModelError } from './errors';
import { loadModel, saveModel } from './io';
import type { ModelMetadata } from './metadata';

export { ModelWorkerPool, type ModelWorkerPoolOptions } from './worker-pool';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

const BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  complex64: 8,
  string: 0,
};

function specBytes(spec: io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  return n * (BYTES[spec.quantization?.dtype ?? spec.dtype] ?? 4);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function concatBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out;
}

/**
 * A tfjs IOHandler reading and writing tfjs's own format in a folder: `model.json` and one
 * `weights.bin`. Loading checks that the files exist, parse, and that the weight files hold exactly
 * the bytes the manifest describes (`MODEL_NOT_FOUND`, `CORRUPT_MODEL`).
 */
export function fileSystemHandler(dir: string, options: { overwrite?: boolean } = {}): io.IOHandler {
  return {
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      const modelPath = join(dir, MODEL_JSON);
      if (!options.overwrite && (await exists(modelPath))) {
        throw new ModelError('FILE_EXISTS', `${modelPath} exists; pass overwrite: true to replace the model`);
      }
      await mkdir(dir, { recursive: true });
      const weights = artifacts.weightData
        ? concatBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[])
        : new Uint8Array(0);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      // Weights first, then model.json: a folder with a model.json is always complete.
      await writeFile(join(dir, WEIGHTS_BIN), weights);
      await writeFile(`${modelPath}.tmp`, JSON.stringify(json));
      await rename(`${modelPath}.tmp`, modelPath);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<io.ModelArtifacts> {
      const modelPath = join(dir, MODEL_JSON);
      if (!(await exists(modelPath))) {
        const what = (await exists(dir))
          ? `no ${MODEL_JSON} in it (files: ${(await readdir(dir)).join(', ') || 'none'})`
          : 'no such folder';
        throw new ModelError('MODEL_NOT_FOUND', `${dir}: ${what}; expected a folder saved by saveModelToDir`);
      }
      let json: {
        modelTopology?: object;
        weightsManifest?: io.WeightsManifestConfig;
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        trainingConfig?: io.TrainingConfig;
        userDefinedMetadata?: io.ModelArtifacts['userDefinedMetadata'];
      };
      try {
        json = JSON.parse(await readFile(modelPath, 'utf8'));
      } catch (e) {
        throw new ModelError('CORRUPT_MODEL', `${modelPath}: not valid JSON (${(e as Error).message})`, {
          cause: e,
        });
      }
      if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new ModelError(
          'CORRUPT_MODEL',
          `${modelPath}: expected a tfjs layers model (modelTopology and weightsManifest)`,
        );
      }
      const specs: io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const file = join(dir, p);
          if (!(await exists(file)))
            throw new ModelError('CORRUPT_MODEL', `${file}: listed in ${MODEL_JSON} but missing`);
          buffers.push(new Uint8Array(await readFile(file)));
        }
      }
      const data = concatBuffers(
        buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer),
      );
      const expected = specs.reduce((a, s) => a + specBytes(s), 0);
      if (data.byteLength !== expected) {
        throw new ModelError(
          'CORRUPT_MODEL',
          `${dir}: the weight files hold ${data.byteLength} bytes but ${MODEL_JSON} describes ${expected}`,
        );
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData: data.buffer as ArrayBuffer,
        ...(json.format ? { format: json.format } : {}),
        ...(json.generatedBy ? { generatedBy: json.generatedBy } : {}),
        ...(json.convertedBy ? { convertedBy: json.convertedBy } : {}),
        ...(json.trainingConfig ? { trainingConfig: json.trainingConfig } : {}),
        ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
      };
    },
  };
}

/** Saves a model and its dmdet metadata to a folder (`model.json` + `weights.bin`); refuses to replace one unless asked. */
export async function saveModelToDir(
  model: LayersModel,
  dir: string,
  metadata: Omit<ModelMetadata, 'packageVersion'> & { packageVersion?: string },
  options: { overwrite?: boolean } = {},
): Promise<void> {
  await saveModel(model, fileSystemHandler(dir, options), metadata);
}

/** Loads a dmdet model and its metadata from a folder written by {@link saveModelToDir}. */
export async function loadModelFromDir(
  dir: string,
): Promise<{ model: LayersModel; metadata: ModelMetadata }> {
  return loadModel(fileSystemHandler(dir), { label: dir });
}

/** Writes a training checkpoint to a folder (`checkpoint.json` + `checkpoint.bin`), replacing the previous one atomically. */
export async function saveCheckpoint(dir: string, checkpoint: TrainingCheckpoint): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors: SavedTensor[] = [
    ...checkpoint.weights,
    ...checkpoint.optimizer,
    ...(checkpoint.best.weights ?? []),
  ];
  const bytes = concatBuffers(
    tensors.map(
      (t) => t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength) as ArrayBuffer,
    ),
  );
  const describe = (list: SavedTensor[] | undefined) =>
    list?.map(({ name, shape, dtype }) => ({ name, shape, dtype }));
  const json = {
    ...checkpoint,
    weights: describe(checkpoint.weights),
    optimizer: describe(checkpoint.optimizer),
    best: {
      ...checkpoint.best,
      loss: Number.isFinite(checkpoint.best.loss) ? checkpoint.best.loss : null,
      weights: describe(checkpoint.best.weights),
    },
  };
  await writeFile(join(dir, 'checkpoint.bin.tmp'), bytes);
  await writeFile(join(dir, 'checkpoint.json.tmp'), JSON.stringify(json));
  await rename(join(dir, 'checkpoint.bin.tmp'), join(dir, 'checkpoint.bin'));
  await rename(join(dir, 'checkpoint.json.tmp'), join(dir, 'checkpoint.json'));
}

/** Reads a checkpoint written by {@link saveCheckpoint}, or undefined when the folder has none. */
export async function loadCheckpoint(dir: string): Promise<TrainingCheckpoint | undefined> {
  const path = join(dir, 'checkpoint.json');
  if (!(await exists(path))) return undefined;
  let json: TrainingCheckpoint & { best: { loss: number | null } };
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ModelError('CORRUPT_CHECKPOINT', `${path}: not valid JSON`, { cause: e });
  }
  const bin = await readFile(join(dir, 'checkpoint.bin')).catch(() => undefined);
  if (!bin || json?.format !== 'dmdet-checkpoint')
    throw new ModelError('CORRUPT_CHECKPOINT', `${dir}: incomplete or foreign checkpoint`);
  let offset = 0;
  const bytes = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const take = (list: Omit<SavedTensor, 'data'>[] | undefined): SavedTensor[] | undefined =>
    list?.map((t) => {
      const n = t.shape.reduce((a, b) => a * b, 1);
      if (offset + n * 4 > bytes.byteLength)
        throw new ModelError(
          'CORRUPT_CHECKPOINT',
          `${dir}: checkpoint.bin is shorter than checkpoint.json describes`,
        );
      const data =
        t.dtype === 'int32'
          ? new Int32Array(bytes, offset, n).slice()
          : new Float32Array(bytes, offset, n).slice();
      offset += n * 4;
      return { ...t, data };
    });
  const weights = take(json.weights) as SavedTensor[];
  const optimizer = take(json.optimizer) as SavedTensor[];
  const best = take(json.best.weights);
  return {
    ...json,
    weights,
    optimizer,
    best: { ...json.best, loss: json.best.loss ?? Number.POSITIVE_INFINITY, weights: best },
  };
}

/** Removes a checkpoint folder's files (after a finished run). */
export async function removeCheckpoint(dir: string): Promise<void> {
  await rm(join(dir, 'checkpoint.json'), { force: true });
  await rm(join(dir, 'checkpoint.bin'), { force: true });
}
