/**
 * `npm run bench:model`: a training step and inference of the default DM-DetNet3D (94,185
 * parameters) on the tfjs backends that install from npm, with tfjs's own Conv3D ('native'), with
 * @dmdet/model's conv2d path ('conv2d': XNNPACK conv2ds over the kernel's z-planes) and, on wasm,
 * with @dmdet/model's own wasm SIMD convolution kernels ('own', what `conv3dSame` runs on wasm by
 * default), beside PyTorch on the same architecture, loss and optimizer
 * (tools/bench/torch_hourglass.py, Debian python3-torch, 2 threads) in the same run.
 *
 * Sizes: a small step (1×8×64×64) that every variant finishes, the issue's representative step
 * (4×16×64×64) for the fast variants, and inference on 10×256×256 and on a whole 10×512×512 volume
 * in one pass (it fits in wasm's memory; larger volumes go through @dmdet/postprocess's predictTiled).
 * The last rows use both cores: `ModelWorkerPool` (two worker threads, each a single-thread wasm
 * backend, with the own kernels) splits the training batch between them and averages their gradients, and predicts a
 * volume as two tiles at once (`predictTiled` with `concurrency: 2`, the receptive radius of context from
 * `hourglassGeometry`).
 * Set DMDET_BENCH_QUICK=1 to run only the small step and the 10×256×256 inference, or
 * DMDET_BENCH_ONLY=pool for only the two-core rows of the issue's jobs (4×16×64×64 step,
 * 10×512×512 inference) beside PyTorch.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createLoss } from '@dmdet/losses';
import {
  amsgrad,
  batchGradients,
  createDmDetNet3D,
  hourglassGeometry,
  predictVolume,
  setWasmConv3dEnabled,
} from '@dmdet/model';
import { ModelWorkerPool } from '@dmdet/model/node';
import { predictTiled } from '@dmdet/postprocess';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { convolutionFlops } from './lib/kernel-profile';
import { requirePython } from './lib/python-check';

const quick = process.env['DMDET_BENCH_QUICK'] === '1';
const poolOnly = process.env['DMDET_BENCH_ONLY'] === 'pool';
const python = requirePython('bench:model', ['torch']);
type Job = { kind: 'train' | 'infer'; dims: [number, number, number, number] };
const key = (j: Job) => `${j.kind}:${j.dims.join(',')}`;
const small: Job = { kind: 'train', dims: [1, 8, 64, 64] };
const big: Job = { kind: 'train', dims: [4, 16, 64, 64] };
const inferTile: Job = { kind: 'infer', dims: [1, 10, 256, 256] };
const inferFull: Job = { kind: 'infer', dims: [1, 10, 512, 512] };

type Convolution = 'native' | 'conv2d' | 'own';

async function stepTime(
  backend: string,
  convolution: Convolution,
  job: Job,
  repeats: number,
): Promise<number> {
  await tf.setBackend(backend);
  setWasmConv3dEnabled(convolution === 'own');
  const model = createDmDetNet3D({ convolution: convolution === 'native' ? 'native' : 'conv2d' });
  const [b, z, y, x] = job.dims;
  const input = tf.randomUniform([b, z, y, x, 1], 0, 1, 'float32', 1);
  const target = tf.randomUniform([b, z, y, x, 1], 0, 1, 'float32', 2);
  const runs: number[] = [];
  try {
    if (job.kind === 'train') {
      const opt = amsgrad();
      const loss = createLoss();
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      for (let i = 0; i <= repeats; i++) {
        const t = performance.now();
        // As `train` steps: on wasm one sample at a time (batchGradients), then AMSGrad.
        const { value, grads } = batchGradients(model, loss, input, target, vars);
        opt.applyGradients(grads);
        await value.data();
        tf.dispose([value, ...Object.values(grads)]);
        if (i > 0) runs.push((performance.now() - t) / 1000);
      }
      opt.dispose();
    } else {
      const volume = {
        data: Float32Array.from(await input.data()),
        shape: [z, y, x] as [number, number, number],
      };
      for (let i = 0; i <= repeats; i++) {
        const t = performance.now();
        await predictVolume(model, volume);
        if (i > 0) runs.push((performance.now() - t) / 1000);
      }
    }
  } finally {
    model.dispose();
    tf.dispose([input, target]);
  }
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)] as number;
}

/** The same jobs on a pool of worker threads (one wasm backend each), the way `train` and `detect` use it. */
async function poolTime(workers: number, job: Job, repeats: number): Promise<number> {
  await tf.setBackend('wasm');
  const model = createDmDetNet3D();
  const pool = await ModelWorkerPool.create(model, { workers, backend: 'wasm' });
  const [b, z, y, x] = job.dims;
  const n = b * z * y * x;
  const rand = (seed: number) =>
    Float32Array.from({ length: n }, (_, i) => ((i * 2654435761 + seed) % 1000) / 1000);
  const runs: number[] = [];
  try {
    if (job.kind === 'train') {
      const opt = amsgrad();
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const shape = [b, z, y, x, 1] as [number, number, number, number, number];
      for (let i = 0; i <= repeats; i++) {
        const t = performance.now();
        const weights = await Promise.all(
          model.weights.map(async (w) => Float32Array.from((await w.read().data()) as Float32Array)),
        );
        const { gradients } = await pool.computeGradients(
          weights,
          { data: rand(1), shape },
          { data: rand(2), shape },
        );
        const named = vars.map((v, k) => ({
          name: v.name,
          tensor: tf.tensor(gradients[k] as Float32Array, v.shape),
        }));
        opt.applyGradients(named);
        tf.dispose(named.map((g) => g.tensor));
        if (i > 0) runs.push((performance.now() - t) / 1000);
      }
      opt.dispose();
    } else {
      const { multiple, receptiveRadius } = hourglassGeometry();
      // One tile per worker along y, each carrying the receptive radius of context (instance norm per tile: close to, not equal to, one pass).
      const ty = Math.min(y, Math.ceil((y / workers + (receptiveRadius[1] as number)) / 4) * 4);
      const volume = { data: rand(1), shape: [z, y, x] as [number, number, number] };
      for (let i = 0; i <= repeats; i++) {
        const t = performance.now();
        await predictTiled(volume, (tile) => pool.predict(tile), {
          tile: [z, ty, x],
          overlap: receptiveRadius,
          align: multiple,
          concurrency: workers,
        });
        if (i > 0) runs.push((performance.now() - t) / 1000);
      }
    }
  } finally {
    await pool.close();
    model.dispose();
  }
  return runs.sort((a, c) => a - c)[Math.floor(runs.length / 2)] as number;
}

/**
 * Convolution FLOPs per voxel of a forward pass and of a training step (forward plus the input and
 * filter gradients, all conv2ds on the wasm conv2d path), counted from `tf.profile`'s kernel shapes on
 * an 8×64×64 sample: 2 × output values × kh × kw × input channels per Conv2D / FusedConv2D (the
 * stride-2 layers' input gradients counted on the dilated output gradient, as the conv2ds compute
 * them). The same work is the numerator of every GFLOP/s column, PyTorch's included.
 */
async function flopsPerVoxel(): Promise<{ infer: number; train: number }> {
  await tf.setBackend('wasm');
  setWasmConv3dEnabled(false);
  const model = createDmDetNet3D({ convolution: 'conv2d' });
  const dims = [1, 8, 64, 64, 1];
  const voxels = 8 * 64 * 64;
  const x = tf.randomUniform(dims, 0, 1, 'float32', 1);
  const y = tf.randomUniform(dims, 0, 1, 'float32', 2);
  const infer = convolutionFlops(await tf.profile(() => model.predict(x) as tf.Tensor));
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const loss = createLoss();
  const train = convolutionFlops(
    await tf.profile(() => {
      const { value, grads } = batchGradients(model, loss, x, y, vars);
      return [value, ...Object.values(grads)];
    }),
  );
  model.dispose();
  tf.dispose([x, y]);
  return { infer: infer / voxels, train: train / voxels };
}

const jobs: Job[] = poolOnly
  ? [big, inferFull]
  : quick
    ? [small, inferTile]
    : [small, big, inferTile, inferFull];
const torch = JSON.parse(
  execFileSync(python, [join(import.meta.dirname, 'bench', 'torch_hourglass.py'), '2', ...jobs.map(key)], {
    encoding: 'utf8',
  }),
) as Record<string, number> & { paths?: Record<string, string> };

const variants: { backend: string; convolution: Convolution; jobs: Job[] }[] = [
  { backend: 'cpu', convolution: 'native', jobs: [small] },
  { backend: 'wasm', convolution: 'native', jobs: [small] },
  { backend: 'cpu', convolution: 'conv2d', jobs: [small] },
  { backend: 'wasm', convolution: 'conv2d', jobs },
  { backend: 'wasm', convolution: 'own', jobs },
];
const flops = await flopsPerVoxel();
const paths = torch.paths ?? {};
console.log(
  `DM-DetNet3D default (${torch['params']} parameters, PyTorch ${torch['params']} too); median of 1–3 runs after a warm-up`,
);
console.log(
  `convolution work: ${(flops.infer / 1e3).toFixed(1)} kFLOP per voxel forward, ${(flops.train / 1e3).toFixed(1)} kFLOP per voxel for a training step (counted on the wasm conv2d path); GFLOP/s below = that work / time\n`,
);
console.log(
  'job                     backend  convolution   tfjs s   PyTorch s   tfjs / PyTorch   tfjs GFLOP/s   PyTorch GFLOP/s (its conv path)',
);
const row = (job: Job, backend: string, conv: string, s: number) => {
  const ref = torch[key(job)] as number;
  const work = job.dims.reduce((a, b) => a * b, 1) * (job.kind === 'train' ? flops.train : flops.infer);
  console.log(
    `${key(job).padEnd(23)} ${backend.padEnd(8)} ${conv.padEnd(11)} ${s.toFixed(2).padStart(8)}   ${ref.toFixed(2).padStart(9)}   ${(s / ref).toFixed(1).padStart(14)}   ${(work / s / 1e9).toFixed(1).padStart(12)}   ${(work / ref / 1e9).toFixed(1).padStart(15)} (${paths[key(job)] ?? '?'})`,
  );
};
console.log(
  `${'(PyTorch, 2 threads)'.padEnd(23)} ${'-'.padEnd(8)} ${'-'.padEnd(11)} ${'-'.padStart(8)}   ${jobs.map((j) => `${key(j)}=${torch[key(j)]?.toFixed(2)}`).join(' ')}`,
);
for (const v of poolOnly ? [] : variants) {
  for (const job of v.jobs) {
    const repeats = v.convolution === 'native' ? 1 : job === inferFull ? 1 : 3;
    row(job, v.backend, v.convolution, await stepTime(v.backend, v.convolution, job, repeats));
  }
}
for (const job of poolOnly ? [big, inferFull] : quick ? [inferTile] : [big, inferTile, inferFull]) {
  row(job, 'wasm×2', 'own+pool', await poolTime(2, job, job === inferFull ? 1 : 3));
}
