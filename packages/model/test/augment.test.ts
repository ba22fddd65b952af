import { createLoss } from '@dmdet/losses';
import { describe, expect, it } from 'vitest';
import { writeCrop } from '../src/augment';
import { createDmDetNet3D, type TrainingSample, train } from '../src/index';
import type { BatchData, GradientWorkers } from '../src/parallel';
import { useCpu } from './setup-tf';

/** A [z, y, x] volume whose voxel values say where they came from: 1000z + 100y + x + 1. */
function coded(shape: [number, number, number]) {
  const [Z, Y, X] = shape;
  const data = new Float32Array(Z * Y * X);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) data[(z * Y + y) * X + x] = 1000 * z + 100 * y + x + 1;
  return { data, shape };
}

/** Brute force: the plane rotated k quarter turns, then mirrored in x when `mirror` (n × n). */
function dihedral(plane: number[][], k: number, mirror: boolean): number[][] {
  let p = plane.map((r) => [...r]);
  for (let i = 0; i < k; i++)
    p = p[0]?.map((_, x) => p.map((row) => row[x] as number).reverse()) as number[][];
  return mirror ? p.map((r) => [...r].reverse()) : p;
}

describe('writeCrop', () => {
  it('reads the crop mirrored and transposed as its spec says (brute-force rotations)', () => {
    const v = coded([2, 6, 7]);
    const size: [number, number, number] = [1, 3, 3];
    const origin: [number, number, number] = [1, 2, 3];
    const plane = [0, 1, 2].map((y) => [0, 1, 2].map((x) => 1000 + 100 * (2 + y) + 3 + x + 1));
    const all = new Set<string>();
    for (const transpose of [false, true])
      for (const flipY of [false, true])
        for (const flipX of [false, true]) {
          const out = new Float32Array(9);
          writeCrop([v], size, { origin, flipX, flipY, transpose }, out, 0);
          const got = [0, 1, 2].map((y) => Array.from(out.slice(3 * y, 3 * y + 3)));
          // Every spec is one of the eight symmetries of the square, and all eight occur.
          const match = [0, 1, 2, 3].flatMap((k) =>
            [false, true].filter((m) => JSON.stringify(dihedral(plane, k, m)) === JSON.stringify(got)),
          );
          expect(match.length).toBe(1);
          all.add(JSON.stringify(got));
        }
    expect(all.size).toBe(8);
    // The identity spec is the plain crop; transpose alone swaps y and x.
    const out = new Float32Array(9);
    writeCrop([v], size, { origin, flipX: false, flipY: false, transpose: true }, out, 0);
    expect(out[1]).toBe(plane[1]?.[0]);
    expect(() =>
      writeCrop(
        [v],
        [1, 2, 3],
        { origin: [0, 0, 0], flipX: false, flipY: false, transpose: true },
        new Float32Array(6),
        0,
      ),
    ).toThrow(/square/);
  });
});

/** Gradient workers that only record the batches they are given (zero gradients). */
function recordingWorkers(model: ReturnType<typeof createDmDetNet3D>) {
  const batches: { x: BatchData; y: BatchData }[] = [];
  const workers: GradientWorkers = {
    loss: createLoss(),
    async computeGradients(_w, x, y) {
      batches.push({ x, y });
      return {
        loss: 1,
        gradients: model.trainableWeights.map(
          (w) => new Float32Array(w.shape.reduce<number>((a, b) => a * (b ?? 1), 1)),
        ),
      };
    },
  };
  return { workers, batches };
}

describe('train: augmentation, schedule, time budget, per-epoch metrics', () => {
  const tiny = { widths: [2, 4], strides: [[1, 2, 2]] as [number, number, number][], blocksPerLevel: 1 };

  it('rotates input and target together and jitters only the input, within the asked range', async () => {
    await useCpu();
    const v = coded([2, 4, 4]);
    const sample: TrainingSample = { input: v, target: { data: v.data.slice(), shape: v.shape } };
    const model = createDmDetNet3D(tiny);
    const { workers, batches } = recordingWorkers(model);
    await train({
      model,
      train: [sample],
      workers,
      crop: [2, 4, 4],
      batchSize: 4,
      stepsPerEpoch: 16,
      maxEpochs: 1,
      augment: { rotate90: true, intensity: 0.5 },
      seed: 5,
    });
    const gains: number[] = [];
    const layouts = new Set<string>();
    for (const { x, y } of batches)
      for (let b = 0; b < 4; b++) {
        const xs = x.data.slice(b * 32, (b + 1) * 32);
        const ys = y.data.slice(b * 32, (b + 1) * 32);
        const gain = (xs[0] as number) / (ys[0] as number);
        gains.push(gain);
        for (let i = 0; i < 32; i++) expect(xs[i]).toBeCloseTo(gain * (ys[i] as number), 2);
        layouts.add(Array.from(ys.slice(0, 16)).join(','));
      }
    expect(Math.min(...gains)).toBeGreaterThanOrEqual(Math.exp(-0.5) - 1e-6);
    expect(Math.max(...gains)).toBeLessThanOrEqual(Math.exp(0.5) + 1e-6);
    expect(Math.max(...gains) - Math.min(...gains)).toBeGreaterThan(0.3);
    expect(layouts.size).toBe(8); // 64 crops see all eight in-plane symmetries
  }, 30000);

  it('refuses rotations of a non-square crop and a bad jitter', async () => {
    await useCpu();
    const v = coded([2, 4, 8]);
    const sample: TrainingSample = { input: v, target: { data: v.data.slice(), shape: v.shape } };
    const model = createDmDetNet3D(tiny);
    await expect(
      train({ model, train: [sample], crop: [2, 4, 8], augment: { rotate90: true } }),
    ).rejects.toThrow(/square crop/);
    await expect(
      train({ model, train: [sample], crop: [2, 4, 8], augment: { intensity: -1 } }),
    ).rejects.toThrow(/augment.intensity/);
  });

  it('halves the learning rate after a plateau, stops at the time budget and reports per-epoch metrics', async () => {
    await useCpu();
    const v = coded([2, 4, 4]);
    const sample: TrainingSample = { input: v, target: { data: v.data.slice(), shape: v.shape } };
    const model = createDmDetNet3D(tiny);
    const { workers } = recordingWorkers(model); // zero gradients: the loss never improves after epoch 1
    const rates: number[] = [];
    const r = await train({
      model,
      train: [sample],
      workers,
      crop: [2, 4, 4],
      batchSize: 1,
      maxEpochs: 7,
      earlyStopping: false,
      schedule: { patience: 2, factor: 0.5 },
      evaluate: async (_m, epoch) => ({ f1: epoch / 10 }),
      onProgress: (p) => {
        if (p.phase === 'epoch') rates.push(p.learningRate as number);
      },
    });
    // Epoch 1 improves (from infinity); epochs 2, 3 do not → lowered for epoch 4; 4, 5 → lowered for 6.
    expect(rates).toEqual([1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4, 2.5e-4]);
    expect(r.history.map((h) => h.metrics?.['f1'])).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);

    const slow: GradientWorkers = {
      loss: workers.loss,
      computeGradients: async (w, x, y) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return workers.computeGradients(w, x, y);
      },
    };
    const timed = await train({
      model,
      train: [sample],
      workers: slow,
      crop: [2, 4, 4],
      batchSize: 1,
      stepsPerEpoch: 3,
      maxEpochs: 100,
      earlyStopping: false,
      timeBudgetMs: 250,
    });
    expect(timed.stopReason).toBe('timeBudget');
    expect(timed.epochs).toBeGreaterThanOrEqual(1);
    expect(timed.epochs).toBeLessThan(4);
  }, 30000);
});
