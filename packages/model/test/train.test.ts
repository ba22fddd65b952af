import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { densityMap } from '@dmdet/groundtruth';
import { simulateVolume } from '@dmdet/simulate';
import { normalizePercentile } from '@dmdet/volume-io';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  amsgrad,
  createDmDetNet3D,
  predictVolume,
  type TrainingCheckpoint,
  type TrainingSample,
  train,
} from '../src/index';
import { loadCheckpoint, saveCheckpoint } from '../src/node';
import { useCpu } from './setup-tf';

const root = mkdtempSync(join(tmpdir(), 'dmdet-train-'));
beforeAll(async () => {
  await useCpu();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tiny = { widths: [4, 8], strides: [[1, 2, 2]] as [number, number, number][], blocksPerLevel: 1 };

function sample(seed: number, shape: [number, number, number] = [4, 24, 24], count = 5) {
  const sim = simulateVolume({ shape, count, snr: 8, minSpacing: 6, seed });
  return {
    sample: {
      input: normalizePercentile(sim.volume),
      target: densityMap(sim.points, shape, { sigmaXY: 1.4, sigmaZ: 1 }),
    } as TrainingSample,
    points: sim.points,
  };
}

const weightsOf = (m: ReturnType<typeof createDmDetNet3D>) =>
  m.getWeights().map((w) => Array.from(w.dataSync()));

describe('train', () => {
  it('overfits one small simulated sample: the loss falls by a large factor and the map peaks at the particles', async () => {
    const { sample: s, points } = sample(1, [2, 20, 20], 4);
    const model = createDmDetNet3D({ ...tiny, seed: 1 });
    const result = await train({
      model,
      train: [s],
      batchSize: 1,
      crop: [2, 20, 20],
      maxEpochs: 80,
      stepsPerEpoch: 1,
      optimizer: amsgrad(0.01),
      earlyStopping: false,
      seed: 3,
    });
    const first = result.history[0]?.trainLoss as number;
    const last = Math.min(...result.history.slice(-5).map((h) => h.trainLoss));
    expect(result.stopReason).toBe('maxEpochs');
    expect(last).toBeLessThan(first / 5);
    const map = await predictVolume(model, s.input);
    const [, Y, X] = map.shape;
    const at = (p: { x: number; y: number; z: number }) =>
      map.data[(Math.round(p.z) * Y + Math.round(p.y)) * X + Math.round(p.x)] as number;
    const peak = points.reduce((a, p) => a + at(p), 0) / points.length;
    const mean = map.data.reduce((a, v) => a + v, 0) / map.data.length;
    expect(peak).toBeGreaterThan(0.4);
    expect(peak).toBeGreaterThan(4 * mean);
  }, 60000);

  it('is seeded and reproducible, and keeps tensor memory flat', async () => {
    const { sample: s } = sample(2, [2, 16, 16], 2);
    const run = async () => {
      const model = createDmDetNet3D({ ...tiny, seed: 5 });
      const counts: number[] = [];
      const r = await train({
        model,
        train: [s, s],
        batchSize: 2,
        crop: [2, 8, 8],
        maxEpochs: 12,
        stepsPerEpoch: 3,
        earlyStopping: false,
        seed: 7,
        onProgress: (p) => {
          if (p.phase === 'epoch') counts.push(tf.memory().numTensors);
        },
      });
      return { history: r.history, weights: weightsOf(model), counts };
    };
    const a = await run();
    const b = await run();
    expect(a.history).toEqual(b.history);
    expect(a.weights).toEqual(b.weights);
    // After the optimizer's slots exist (epoch 1), the tensor count does not grow.
    expect(new Set(a.counts.slice(1)).size).toBe(1);
  }, 60000);

  it('resumes from a checkpoint to exactly the result of an uninterrupted run', async () => {
    const { sample: s } = sample(3, [2, 16, 16], 2);
    const { sample: v } = sample(4, [2, 16, 16], 2);
    const common = {
      train: [s],
      validation: [v],
      batchSize: 1,
      crop: [2, 8, 8] as [number, number, number],
      stepsPerEpoch: 2,
      seed: 11,
      earlyStopping: false as const,
    };
    const whole = createDmDetNet3D({ ...tiny, seed: 8 });
    const full = await train({ model: whole, ...common, maxEpochs: 4 });

    const dir = join(root, 'ckpt');
    const first = createDmDetNet3D({ ...tiny, seed: 8 });
    const controller = new AbortController();
    const partial = await train({
      model: first,
      ...common,
      maxEpochs: 4,
      signal: controller.signal,
      checkpoint: { save: (c) => saveCheckpoint(dir, c) },
      onProgress: (p) => {
        if (p.phase === 'epoch' && p.epoch === 2) controller.abort(); // "the machine goes down" during epoch 3
      },
    });
    expect(partial.stopReason).toBe('aborted');
    expect(partial.epochs).toBe(2);
    const checkpoint = (await loadCheckpoint(dir)) as TrainingCheckpoint;
    expect(checkpoint.epoch).toBe(2);
    const second = createDmDetNet3D({ ...tiny, seed: 99 }); // a fresh process: other initial weights
    const resumed = await train({ model: second, ...common, maxEpochs: 4, resume: checkpoint });
    expect(resumed.history).toEqual(full.history);
    expect(resumed.bestEpoch).toBe(full.bestEpoch);
    expect(weightsOf(second)).toEqual(weightsOf(whole));
  }, 60000);

  it('stops early when the validation loss stops improving, keeping the best weights', async () => {
    const { sample: s } = sample(5, [2, 16, 16], 2);
    const { sample: v } = sample(6, [2, 16, 16], 2);
    const model = createDmDetNet3D({ ...tiny, seed: 2 });
    let bestWeights: number[][] = [];
    const r = await train({
      model,
      train: [s],
      validation: [v],
      batchSize: 1,
      crop: [2, 8, 8],
      stepsPerEpoch: 1,
      maxEpochs: 200,
      optimizer: amsgrad(0.05),
      earlyStopping: { patience: 3 },
      onProgress: (p) => {
        if (p.phase === 'epoch' && p.best) bestWeights = weightsOf(model);
      },
    });
    expect(r.stopReason).toBe('earlyStopping');
    expect(r.epochs).toBe(r.bestEpoch + 3);
    expect(r.bestValidationLoss).toBe(Math.min(...r.history.map((h) => h.validationLoss as number)));
    expect(weightsOf(model)).toEqual(bestWeights);
  }, 60000);

  it('packs per-voxel weights as a second target channel, and rejects bad input', async () => {
    const { sample: s } = sample(7, [2, 16, 16], 2);
    const w = {
      ...s,
      weights: { data: new Float32Array(s.input.data.length).fill(2), shape: s.input.shape },
    };
    const model = createDmDetNet3D({ ...tiny });
    const r = await train({ model, train: [w], maxEpochs: 1, crop: [2, 8, 8], batchSize: 1 });
    expect(Number.isFinite(r.history[0]?.trainLoss)).toBe(true);
    await expect(train({ model, train: [] })).rejects.toThrow(/at least one training sample/);
    await expect(train({ model, train: [s], crop: [3, 8, 8] })).rejects.toThrow(/crop must be \[z, y, x\]/);
    await expect(train({ model, train: [s, w] })).rejects.toThrow(/either every sample has weights or none/);
    const wrong = {
      ...s,
      target: { data: new Float32Array(4), shape: [1, 2, 2] as [number, number, number] },
    };
    await expect(train({ model, train: [wrong] })).rejects.toThrow(
      /target is 1×2×2 but its input is 2×16×16/,
    );
  }, 60000);
});
