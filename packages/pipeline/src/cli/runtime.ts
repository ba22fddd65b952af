import { access } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { CreateLossOptions } from '@dmdet/losses';
import type { BackendName } from '@dmdet/model';
import { ModelWorkerPool } from '@dmdet/model/node';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { useBackend } from '../backend';
import { PipelineError } from '../errors';
import { numberOption, UsageError } from './args';

const BACKENDS = ['auto', 'cpu', 'wasm', 'webgl', 'webgpu', 'tensorflow', 'tensorflow-gpu'];

/** Options every compute command takes. */
export const COMPUTE_OPTIONS = {
  backend: { type: 'string' },
  workers: { type: 'string' },
} as const;

/** Starts the chosen backend here and says how many worker threads to use. */
export async function startBackend(
  command: string,
  values: Record<string, unknown>,
): Promise<{ backend: BackendName; workers: number; requested: BackendName | 'auto' }> {
  const requested = (values['backend'] as string | undefined) ?? 'auto';
  if (!BACKENDS.includes(requested))
    throw new UsageError(
      `--backend must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(requested)}`,
      command,
    );
  const backend = await useBackend(requested as BackendName | 'auto');
  // tfjs-node uses every core by itself; the JS backends get one worker thread per core.
  const fallback = backend === 'tensorflow' || backend === 'tensorflow-gpu' ? 1 : availableParallelism();
  const workers =
    numberOption(command, 'workers', values['workers'], { integer: true, min: 1, max: 64 }) ?? fallback;
  return { backend, workers, requested: requested as BackendName | 'auto' };
}

/** A pool of `workers` threads on `backend` when more than one is asked for. */
export async function startPool(
  model: LayersModel,
  backend: BackendName,
  workers: number,
  loss?: CreateLossOptions,
): Promise<ModelWorkerPool | undefined> {
  if (workers <= 1) return undefined;
  return ModelWorkerPool.create(model, { workers, backend, ...(loss ? { loss } : {}) });
}

/** Refuses to replace an existing path unless forced. */
export async function checkWritable(path: string, force: boolean): Promise<void> {
  if (force) return;
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (exists) throw new PipelineError('FILE_EXISTS', `${path} exists; use --force to replace it`);
}
