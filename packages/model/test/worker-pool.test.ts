import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors';
import { amsgrad, createDmDetNet3D, predictVolume, train } from '../src/index';
import { ModelWorkerPool } from '../src/node';
import { useCpu } from './setup-tf';

beforeAll(async () => {
  await useCpu();
});

const tiny = {
  widths: [4, 8],
  strides: [[1, 2, 2]] as [number, number, number][],
  blocksPerLevel: 1,
  seed: 3,
};

function batch(n: number, shape = [4, 12, 12], seed = 1) {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * size);
  const y = new Float32Array(n * size);
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  for (let i = 0; i < x.length; i++) {
    x[i] = rnd() * 2 - 1;
    y[i] = rnd() < 0.05 ? 1 : rnd() * 0.1;
  }
  const full = [n, ...shape, 1] as [number, number, number, number, number];
  return { x: { data: x, shape: full }, y: { data: y, shape: full } };
}

function singleProcess(
  model: LayersModel,
  b: ReturnType<typeof batch>,
  loss: (a: tf.Tensor, p: tf.Tensor) => tf.Scalar,
) {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.tensor5d(b.x.data, b.x.shape);
  const y = tf.tensor5d(b.y.data, b.y.shape);
  const { value, grads } = tf.variableGrads(
    () => loss(y, model.apply(x, { training: true }) as tf.Tensor),
    vars,
  );
  const out = {
    loss: value.dataSync()[0] as number,
    gradients: vars.map((v) => (grads[v.name] as tf.Tensor).dataSync()),
  };
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return out;
}

const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let scale = 1e-3;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i] as number));
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return diff / scale;
};

describe('ModelWorkerPool', () => {
  const model = createDmDetNet3D(tiny);
  let pool: ModelWorkerPool;
  beforeAll(async () => {
    pool = await ModelWorkerPool.create(model, { workers: 2, backend: 'cpu' });
  }, 60_000);
  afterAll(async () => {
    await pool?.close();
  });

  it('a data-parallel step equals the single-process gradient of the batch (uneven split too)', async () => {
    expect(pool.size).toBe(2);
    expect(pool.backend).toBe('cpu');
    const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
    for (const n of [2, 3]) {
      const b = batch(n);
      const ref = singleProcess(model, b, pool.loss);
      const got = await pool.computeGradients(weights, b.x, b.y);
      expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(1e-6);
      expect(got.gradients).toHaveLength(ref.gradients.length);
      for (const [k, g] of got.gradients.entries())
        expect(maxRelDiff(g, ref.gradients[k] as Float32Array)).toBeLessThan(1e-3);
    }
  }, 60_000);

  it('predict equals predictVolume in this process, and calls run concurrently', async () => {
    const vol = { data: batch(1, [4, 16, 16], 7).x.data, shape: [4, 16, 16] as [number, number, number] };
    const ref = await predictVolume(model, vol);
    const [a, b] = await Promise.all([pool.predict(vol), pool.predict(vol)]);
    expect(maxRelDiff(a.data, ref.data)).toBeLessThan(1e-5);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  }, 60_000);

  // Adam-type updates make a near-zero gradient (the conv biases before instance norm, which do not
  // affect the output) move its weight by ±lr whatever rounding decides its sign, so the trained
  // models are compared by what they compute.
  it('training with workers follows single-process training', async () => {
    const shape: [number, number, number] = [4, 12, 12];
    const b = batch(4, shape, 11);
    const n = shape[0] * shape[1] * shape[2];
    const samples = [0, 1, 2, 3].map((i) => ({
      input: { data: b.x.data.slice(i * n, (i + 1) * n), shape },
      target: { data: b.y.data.slice(i * n, (i + 1) * n), shape },
    }));
    const run = async (workers?: ModelWorkerPool) => {
      const m = createDmDetNet3D(tiny);
      const p = workers ?? undefined;
      if (p) await p.setWeights(m);
      const result = await train({
        model: m,
        train: samples,
        batchSize: 4,
        crop: shape,
        maxEpochs: 3,
        optimizer: amsgrad(),
        workers: p,
        earlyStopping: false,
      });
      const out = await predictVolume(m, samples[0]!.input);
      m.dispose();
      return { out: out.data, losses: result.history.map((h) => h.trainLoss) };
    };
    const single = await run();
    const parallel = await run(pool);
    expect(parallel.losses[2]).toBeLessThan(parallel.losses[0]!);
    for (const [k, l] of parallel.losses.entries())
      expect(Math.abs(l - (single.losses[k] as number)) / l).toBeLessThan(1e-4);
    expect(maxRelDiff(parallel.out, single.out)).toBeLessThan(1e-3);
  }, 120_000);

  it('rejects a loss next to workers, and a closed pool', async () => {
    const m = createDmDetNet3D(tiny);
    const sample = {
      input: { data: new Float32Array(4 * 12 * 12), shape: [4, 12, 12] as [number, number, number] },
      target: { data: new Float32Array(4 * 12 * 12), shape: [4, 12, 12] as [number, number, number] },
    };
    await expect(train({ model: m, train: [sample], workers: pool, loss: pool.loss })).rejects.toThrow(
      /do not pass loss/,
    );
    const other = await ModelWorkerPool.create(m, { workers: 1, backend: 'cpu' });
    await other.close();
    await other.close();
    await expect(other.predict(sample.input)).rejects.toThrow(/closed/);
  }, 60_000);
});

describe('ModelWorkerPool errors', () => {
  it('a backend that is not installed fails create with BACKEND_UNAVAILABLE naming the package', async () => {
    const model = createDmDetNet3D(tiny);
    const err = await ModelWorkerPool.create(model, { workers: 1, backend: 'tensorflow' }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err.code).toBe('BACKEND_UNAVAILABLE');
    expect(err.message).toMatch(/@tensorflow\/tfjs-node/);
  }, 60_000);

  it('a worker error rejects the call; a crashed worker breaks the pool with WORKER_FAILED', async () => {
    const model = createDmDetNet3D(tiny);
    const pool = await ModelWorkerPool.create(model, { workers: 1, backend: 'cpu' });
    try {
      const bad = batch(1);
      // y with the wrong shape: the loss throws inside the worker
      const err = await pool
        .computeGradients(
          model.getWeights().map((w) => w.dataSync() as Float32Array),
          bad.x,
          {
            data: new Float32Array(bad.y.data.length * 2),
            shape: [1, 4, 12, 12, 2],
          },
        )
        .catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(/^worker 0: /);
      // still usable after a request error
      const vol = { data: new Float32Array(4 * 8 * 8), shape: [4, 8, 8] as [number, number, number] };
      await expect(pool.predict(vol)).resolves.toBeDefined();
      // now kill the thread under it
      await (
        pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }
      ).slots[0]?.worker.terminate();
      const crash = await pool.predict(vol).catch((e) => e);
      expect(crash.code).toBe('WORKER_FAILED');
    } finally {
      await pool.close();
    }
  }, 60_000);
});
