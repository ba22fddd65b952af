/**
 * The code of one model worker thread (see `ModelWorkerPool`): it rebuilds the model from its
 * topology on its own tfjs backend and answers gradient and prediction requests, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLoss } from '@dmdet/losses';
import { type Tensor, tensor, tensor5d, tidy, type Variable } from '@tensorflow/tfjs-core';
import { type LayersModel, models } from '@tensorflow/tfjs-layers';
import { type BackendName, useBackend } from './backend';
import { batchGradients } from './batch-gradients';
import { registerLayers } from './layers';
import type { WorkerInit, WorkerRequest, WorkerResponse } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('@dmdet/model worker: must run in a worker thread');
const init = workerData as WorkerInit;

function setWeights(model: LayersModel, values: Float32Array[]): void {
  const ts = model.weights.map((w, i) => tensor(values[i] as Float32Array, w.shape as number[], 'float32'));
  model.setWeights(ts);
  for (const t of ts) t.dispose();
}

async function start(): Promise<{ model: LayersModel; backend: BackendName }> {
  const backend = await useBackend(init.backend);
  registerLayers();
  const model = (await models.modelFromJSON({ modelTopology: init.topology } as never)) as LayersModel;
  setWeights(model, init.weights);
  return { model, backend };
}

const loss = createLoss(init.loss);

/** The array itself when it owns its whole buffer (so the buffer can be transferred), else a copy. */
const own = (a: Float32Array): Float32Array =>
  a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
const started = start();

async function handle(req: WorkerRequest): Promise<{ res: WorkerResponse; transfer: ArrayBuffer[] }> {
  const { model } = await started;
  if (req.kind === 'gradients') {
    setWeights(model, req.weights);
    const vars = model.trainableWeights.map((w) => w.read() as Variable);
    const x = tensor(req.x, req.xShape, 'float32');
    const y = tensor(req.y, req.yShape, 'float32');
    const { value, grads } = batchGradients(model, loss, x, y, vars);
    const gradients = (
      await Promise.all(vars.map((v) => (grads[v.name] as Tensor).data() as Promise<Float32Array>))
    ).map(own);
    const lossValue = (await value.data())[0] as number;
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    x.dispose();
    y.dispose();
    return {
      res: { id: req.id, kind: 'gradients', loss: lossValue, gradients },
      transfer: gradients.map((g) => g.buffer as ArrayBuffer),
    };
  }
  if (req.weights) setWeights(model, req.weights);
  const [Z, Y, X] = req.shape;
  const out = tidy(() => model.predict(tensor5d(req.data, [1, Z, Y, X, 1])) as Tensor);
  const data = own((await out.data()) as Float32Array);
  out.dispose();
  return { res: { id: req.id, kind: 'predict', data }, transfer: [data.buffer as ArrayBuffer] };
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  queue = queue.then(async () => {
    try {
      const { res, transfer } = await handle(req);
      port.postMessage(res, transfer);
    } catch (e) {
      const err = e as Error & { code?: string };
      port.postMessage({
        id: req.id,
        kind: 'error',
        error: {
          name: err?.name ?? 'Error',
          message: String(err?.message ?? e),
          code: err?.code,
          stack: err?.stack,
        },
      } satisfies WorkerResponse);
    }
  });
});

started.then(
  ({ backend }) => port.postMessage({ id: 0, kind: 'ready', backend } satisfies WorkerResponse),
  (e: Error & { code?: string }) =>
    port.postMessage({
      id: 0,
      kind: 'error',
      error: { name: e?.name ?? 'Error', message: String(e?.message ?? e), code: e?.code, stack: e?.stack },
    } satisfies WorkerResponse),
);
