import { mkdir, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type CreateLossOptions, createLoss, type LossFunction } from '@dmdet/losses';
import { createVolume, type Volume } from '@dmdet/volume-io';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { BackendName } from './backend';
import { checkNumber, ModelError, type ModelErrorCode } from './errors';
import { type BatchData, type GradientWorkers, weightValues } from './parallel';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol';

/** Options of {@link ModelWorkerPool.create}. */
export interface ModelWorkerPoolOptions {
  /** Worker threads. Default: the number of cores (`os.availableParallelism()`). */
  workers?: number;
  /** Each worker's tfjs backend. Default `'auto'` (tfjs-node where installed, else wasm, else cpu). */
  backend?: BackendName | 'auto';
  /** The loss workers compute gradients of (serialisable options of `createLoss`). Default AWing with the weight map from the target. */
  loss?: CreateLossOptions;
}

interface Pending {
  resolve: (res: WorkerResponse) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** The weights version this worker holds. */
  version: number;
}

let bundled: Promise<URL> | undefined;

/** Where this module lives: the built `dist/` file, or `src/*.ts` when running from source. */
function here(): string {
  return typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url;
}

/**
 * The worker's script. Built packages ship `dist/worker.js`; from source (tests, `tsx`), worker
 * threads cannot load TypeScript, so the worker is bundled once with esbuild (a dev dependency)
 * into `node_modules/.cache/dmdet/`, where it still resolves the installed tfjs packages.
 */
async function workerScript(): Promise<URL> {
  const self = here();
  if (!/\.[cm]?ts$/.test(new URL(self).pathname)) return new URL('./worker.js', self);
  bundled ??= (async () => {
    const entry = fileURLToPath(new URL('./worker.ts', self));
    const outDir = join(dirname(entry), '..', 'node_modules', '.cache', 'dmdet');
    const esbuild = 'esbuild';
    const { build } = (await import(/* @vite-ignore */ esbuild)) as typeof import('esbuild');
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@dmdet/source'],
      external: ['@tensorflow/*'],
      logLevel: 'error',
    });
    const code = result.outputFiles[0]?.text ?? '';
    await mkdir(outDir, { recursive: true });
    const file = join(outDir, 'model-worker.mjs');
    const tmp = `${file}.${process.pid}.${Date.now()}`;
    await writeFile(tmp, code);
    await rename(tmp, file);
    return pathToFileURL(file);
  })();
  return bundled;
}

function toError(
  error: { name: string; message: string; code?: string; stack?: string },
  index: number,
): Error {
  const code = (error.name === 'ModelError' ? error.code : 'WORKER_FAILED') as ModelErrorCode;
  const e = new ModelError(code, `worker ${index}: ${error.message}`);
  if (error.stack) e.stack = `${e.name}: ${e.message}\n--- in the worker ---\n${error.stack}`;
  return e;
}

/**
 * A pool of worker threads, each holding a copy of a model on its own tfjs backend, so training and
 * prediction use every core: `computeGradients` splits a batch across the workers and averages
 * their gradients (weighted by their share of the batch, which equals the single-process gradient
 * of the batch-mean loss), and `predict` runs each call on the next idle worker (give it tiles, e.g.
 * through `predictTiled` with `concurrency: pool.size`). Pass it to `train({ workers: pool })`.
 * A worker that fails rejects its calls with its error and breaks the pool; `close()` ends it.
 *
 * @example
 * const pool = await ModelWorkerPool.create(model, { backend: 'wasm' });
 * try { await train({ model, train: samples, workers: pool }); } finally { await pool.close(); }
 */
export class ModelWorkerPool implements GradientWorkers {
  /** Number of workers. */
  readonly size: number;
  /** The loss the workers minimise. */
  readonly loss: LossFunction;
  /** The backend each worker runs on. */
  readonly backend: BackendName;
  private readonly slots: Slot[];
  private nextId = 1;
  private weights: Float32Array[];
  private version = 0;
  private failure: Error | undefined;
  private closed = false;

  private constructor(slots: Slot[], backend: BackendName, loss: LossFunction, weights: Float32Array[]) {
    this.slots = slots;
    this.size = slots.length;
    this.backend = backend;
    this.loss = loss;
    this.weights = weights;
  }

  /** Starts the workers (each loads its backend and rebuilds `model` with its current weights). */
  static async create(model: LayersModel, options: ModelWorkerPoolOptions = {}): Promise<ModelWorkerPool> {
    if (!model || typeof model.toJSON !== 'function')
      throw new ModelError('INVALID_OPTION', 'ModelWorkerPool.create needs a tfjs-layers LayersModel');
    const count = options.workers ?? availableParallelism();
    checkNumber('workers', count, (v) => Number.isInteger(v) && v >= 1 && v <= 64, 'an integer from 1 to 64');
    const lossOptions = options.loss ?? {};
    const loss = createLoss(lossOptions); // validates the options here, not in the workers
    const weights = await weightValues(model);
    const init: WorkerInit = {
      topology: model.toJSON(null, false),
      weights,
      backend: options.backend ?? 'auto',
      loss: lossOptions,
    };
    const script = await workerScript();
    const slots: Slot[] = [];
    const ready: Promise<BackendName>[] = [];
    for (let i = 0; i < count; i++) {
      const worker = new Worker(script, { workerData: init });
      const slot: Slot = { worker, pending: new Map(), version: 0 };
      slots.push(slot);
      ready.push(
        new Promise<BackendName>((resolve, reject) => {
          slot.pending.set(0, {
            resolve: (res) =>
              res.kind === 'ready' ? resolve(res.backend) : reject(new Error('unexpected reply')),
            reject,
          });
        }),
      );
    }
    const pool = new ModelWorkerPool(slots, 'cpu', loss, weights);
    slots.forEach((slot, i) => {
      pool.listen(slot, i);
    });
    let backends: BackendName[];
    try {
      backends = await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    (pool as { backend: BackendName }).backend = backends[0] as BackendName;
    return pool;
  }

  private listen(slot: Slot, index: number): void {
    const failAll = (e: Error): void => {
      this.failure ??= e;
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
    };
    slot.worker.on('message', (res: WorkerResponse) => {
      const p = slot.pending.get(res.id);
      if (!p) return;
      slot.pending.delete(res.id);
      if (res.kind === 'error') p.reject(toError(res.error, index));
      else p.resolve(res);
    });
    slot.worker.on('error', (e) =>
      failAll(new ModelError('WORKER_FAILED', `worker ${index} failed: ${e.message}`, { cause: e })),
    );
    slot.worker.on('exit', (code) => {
      if (!this.closed)
        failAll(new ModelError('WORKER_FAILED', `worker ${index} exited unexpectedly (exit code ${code})`));
    });
  }

  private send(slot: Slot, req: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerResponse> {
    if (this.closed) return Promise.reject(new ModelError('WORKER_FAILED', 'the worker pool is closed'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      slot.pending.set(req.id, { resolve, reject });
      slot.worker.postMessage(req, transfer);
    });
  }

  /** See {@link GradientWorkers.computeGradients}: the batch is split into `min(size, batch)` contiguous shards. */
  async computeGradients(
    weights: Float32Array[],
    x: BatchData,
    y: BatchData,
  ): Promise<{ loss: number; gradients: Float32Array[] }> {
    const batch = x.shape[0];
    if (y.shape[0] !== batch)
      throw new ModelError('INVALID_SAMPLE', `x has ${batch} examples but y has ${y.shape[0]}`);
    const shards = Math.min(this.size, batch);
    const xPer = x.data.length / batch;
    const yPer = y.data.length / batch;
    const replies: Promise<WorkerResponse>[] = [];
    const counts: number[] = [];
    let from = 0;
    for (let s = 0; s < shards; s++) {
      const n = Math.floor(batch / shards) + (s < batch % shards ? 1 : 0);
      counts.push(n);
      replies.push(
        this.send(this.slots[s] as Slot, {
          id: this.nextId++,
          kind: 'gradients',
          weights,
          x: x.data.slice(from * xPer, (from + n) * xPer),
          xShape: [n, ...x.shape.slice(1)],
          y: y.data.slice(from * yPer, (from + n) * yPer),
          yShape: [n, ...y.shape.slice(1)],
        }),
      );
      from += n;
    }
    const results = (await Promise.all(replies)) as Extract<WorkerResponse, { kind: 'gradients' }>[];
    const first = results[0] as (typeof results)[number];
    const gradients = first.gradients.map((g) => new Float32Array(g.length));
    let loss = 0;
    results.forEach((r, s) => {
      const share = (counts[s] as number) / batch;
      loss += share * r.loss;
      r.gradients.forEach((g, k) => {
        const out = gradients[k] as Float32Array;
        for (let i = 0; i < g.length; i++) out[i] = (out[i] as number) + share * (g[i] as number);
      });
    });
    return { loss, gradients };
  }

  /** Gives the workers new weights for `predict` (e.g. after training): values of `model.weights`. */
  async setWeights(model: LayersModel): Promise<void> {
    this.weights = await weightValues(model);
    this.version++;
  }

  /** Predicts one (normalised) volume on the least busy worker; the output map has the volume's shape. */
  async predict(volume: Volume): Promise<Volume<Float32Array>> {
    const [Z, Y, X] = volume.shape;
    if (volume.data.length !== Z * Y * X)
      throw new ModelError(
        'INVALID_SAMPLE',
        `volume has ${volume.data.length} values, its shape needs ${Z * Y * X}`,
      );
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const data = Float32Array.from(volume.data);
    const stale = slot.version !== this.version;
    slot.version = this.version;
    const res = (await this.send(
      slot,
      {
        id: this.nextId++,
        kind: 'predict',
        data,
        shape: [Z, Y, X],
        weights: stale ? this.weights : undefined,
      },
      [data.buffer],
    )) as Extract<WorkerResponse, { kind: 'predict' }>;
    return createVolume(
      res.data.length === Z * Y * X ? res.data : res.data.slice(0, Z * Y * X),
      [Z, Y, X],
      volume.voxelSize,
    );
  }

  /** Stops every worker; pending calls are rejected. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new ModelError('WORKER_FAILED', 'the worker pool was closed');
    for (const slot of this.slots) {
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
