import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDmDetNet3D,
  fixedNorm,
  freezeNormalization,
  InstanceNormalization,
  measureNormalization,
  predictVolume,
  resolveConfig,
  train,
} from '../src/index';
import { loadModelFromDir, saveModelToDir } from '../src/node';
import { useCpu } from './setup-tf';

const root = mkdtempSync(join(tmpdir(), 'dmdet-freeze-'));
beforeAll(async () => {
  await useCpu();
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await tf.setBackend('cpu');
});

type Shape3 = [number, number, number];
/** A deterministic volume: smooth structure plus a per-volume offset and scale. */
function volume(shape: Shape3, seed: number): { data: Float32Array; shape: Shape3 } {
  const n = shape[0] * shape[1] * shape[2];
  const data = Float32Array.from(
    { length: n },
    (_, i) => 3 + seed + (1 + seed) * Math.sin(i * 0.31 + seed) * Math.cos(i * 0.017 * (seed + 1)),
  );
  return { data, shape };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
};

/** The inputs of every instance-normalisation layer for one volume, read from a sub-model. */
function layerInputs(
  model: tfl.LayersModel,
  v: { data: Float32Array; shape: Shape3 },
): Map<string, tf.Tensor> {
  const norms = model.layers.filter((l) => l instanceof InstanceNormalization);
  const probe = tfl.model({ inputs: model.inputs, outputs: norms.map((l) => l.input as tfl.SymbolicTensor) });
  const outs = probe.predict(tf.tensor5d(v.data, [1, ...v.shape, 1])) as tf.Tensor[];
  return new Map(norms.map((l, i) => [l.name, outs[i] as tf.Tensor]));
}

describe('fixedNorm', () => {
  const c = 3;
  const eps = 1e-3;
  const inputs = () => ({
    x: tf.tensor5d(
      Float32Array.from({ length: 2 * 2 * 3 * 4 * c }, (_, i) => Math.sin(i * 0.7) * 2 + 0.5),
      [2, 2, 3, 4, c],
    ),
    gamma: tf.tensor1d([1.5, -0.5, 2]),
    beta: tf.tensor1d([0.1, 0, -0.3]),
    mean: tf.tensor1d([0.2, -0.4, 1]),
    variance: tf.tensor1d([0.5, 2, 0.01]),
  });
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`values and gradients match the formula under autodiff (${backend})`, async () => {
      await tf.setBackend(backend);
      const { x, gamma, beta, mean, variance } = inputs();
      /** The formula with plain broadcasting ops, differentiated by tfjs's autodiff. */
      const reference = (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.add(tf.mul(tf.div(tf.sub(xx, mean), tf.sqrt(tf.add(variance, eps))), g), b);
      const dy = tf.tensor5d(
        Float32Array.from({ length: x.size }, (_, i) => Math.cos(i * 1.3)),
        x.shape,
      );
      const loss = (f: typeof reference) => (xx: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(xx, g, b), dy));
      const ours = tf.grads(loss((xx, g, b) => fixedNorm(xx, g, b, mean, variance, eps)))([x, gamma, beta]);
      const ref = tf.grads(loss(reference))([x, gamma, beta]);
      expect(
        maxAbsDiff(
          fixedNorm(x, gamma, beta, mean, variance, eps).dataSync(),
          reference(x, gamma, beta).dataSync(),
        ),
      ).toBeLessThan(1e-4);
      for (let k = 0; k < 3; k++)
        expect(
          maxAbsDiff((ours[k] as tf.Tensor).dataSync(), (ref[k] as tf.Tensor).dataSync()),
          `gradient ${k}`,
        ).toBeLessThan(1e-3);
      await tf.setBackend('cpu');
    });
  }
});

describe('InstanceNormalization statistics', () => {
  it("'fixed' adds non-trainable mean and variance and survives getConfig", () => {
    const layer = new InstanceNormalization({ statistics: 'fixed', epsilon: 1e-4 });
    layer.apply(tfl.input({ shape: [null, null, null, 5] }));
    expect(layer.trainableWeights.map((w) => w.originalName.split('/').pop())).toEqual(['gamma', 'beta']);
    expect(layer.nonTrainableWeights.map((w) => w.originalName.split('/').pop())).toEqual([
      'mean',
      'variance',
    ]);
    expect(layer.getConfig()).toMatchObject({ statistics: 'fixed', epsilon: 1e-4 });
    expect(new InstanceNormalization().getConfig()).not.toHaveProperty('statistics');
  });

  it('rejects an unknown kind of statistics', () => {
    expect(() => new InstanceNormalization({ statistics: 'batch' as never })).toThrow(
      /'instance' or 'fixed'/,
    );
  });
});

describe('measureNormalization and freezeNormalization', () => {
  const config = { widths: [3, 4], seed: 7 };
  const a = volume([3, 8, 12], 0);
  const b = volume([2, 12, 8], 2);

  it('measures the mean over volumes of each layer input’s per-channel mean and variance', async () => {
    const model = createDmDetNet3D(config);
    const stats = await measureNormalization(model, [a, b]);
    const inputs = [layerInputs(model, a), layerInputs(model, b)];
    expect(stats.size).toBe(inputs[0]?.size);
    for (const [name, s] of stats) {
      // float64 reference: per volume, per channel, then the plain mean over the two volumes
      const per = inputs.map((m) => {
        const t = m.get(name) as tf.Tensor;
        const ch = t.shape[4] as number;
        const data = t.dataSync();
        const n = data.length / ch;
        return Array.from({ length: ch }, (_, k) => {
          let sum = 0;
          for (let i = k; i < data.length; i += ch) sum += data[i] as number;
          const mu = sum / n;
          let sq = 0;
          for (let i = k; i < data.length; i += ch) sq += ((data[i] as number) - mu) ** 2;
          return [mu, sq / n] as const;
        });
      });
      const mean =
        per[0]?.map((_, k) => ((per[0]?.[k]?.[0] as number) + (per[1]?.[k]?.[0] as number)) / 2) ?? [];
      const variance =
        per[0]?.map((_, k) => ((per[0]?.[k]?.[1] as number) + (per[1]?.[k]?.[1] as number)) / 2) ?? [];
      expect(maxAbsDiff(s.mean, mean), `${name} mean`).toBeLessThan(
        1e-4 * (1 + Math.max(...mean.map(Math.abs))),
      );
      expect(maxAbsDiff(s.variance, variance), `${name} variance`).toBeLessThan(
        1e-4 * (1 + Math.max(...variance)),
      );
    }
  });

  it('frozen on one volume, the model gives that volume’s instance-normalised map, and others differ', async () => {
    const model = createDmDetNet3D(config);
    const before = await predictVolume(model, a);
    const frozen = await freezeNormalization(model, [a]);
    expect(frozen.trainableWeights.length).toBe(model.trainableWeights.length);
    const norms = model.layers.filter((l) => l instanceof InstanceNormalization).length;
    expect(norms).toBeGreaterThan(4);
    expect(frozen.nonTrainableWeights.length).toBe(2 * norms);
    expect(maxAbsDiff((await predictVolume(frozen, a)).data, before.data)).toBeLessThan(1e-5);
    // the source model is unchanged and still per volume
    expect(maxAbsDiff((await predictVolume(model, a)).data, before.data)).toBe(0);
    expect(
      maxAbsDiff((await predictVolume(frozen, b)).data, (await predictVolume(model, b)).data),
    ).toBeGreaterThan(1e-3);
  });

  it('with fixed statistics a voxel’s output does not depend on the far side of the volume', async () => {
    const model = await freezeNormalization(createDmDetNet3D({ widths: [2], seed: 1 }), [a]);
    const plain = createDmDetNet3D({ widths: [2], seed: 1 });
    const v = volume([3, 8, 24], 1);
    const changed = { data: v.data.slice(), shape: v.shape };
    for (let z = 0; z < 3; z++)
      for (let y = 0; y < 8; y++) for (let x = 16; x < 24; x++) changed.data[(z * 8 + y) * 24 + x] = 100;
    const near = (m: tfl.LayersModel) => async (w: typeof v) => {
      const out = (await predictVolume(m, w)).data;
      return Array.from(
        { length: 3 * 8 * 4 },
        (_, i) => out[(Math.floor(i / 32) * 8 + (Math.floor(i / 4) % 8)) * 24 + (i % 4)] as number,
      );
    };
    // one block of 3×3×3 convolutions sees 2 voxels: x < 4 is far from x ≥ 16
    expect(maxAbsDiff(await near(model)(v), await near(model)(changed))).toBe(0);
    expect(maxAbsDiff(await near(plain)(v), await near(plain)(changed))).toBeGreaterThan(1e-3);
  });

  it('keepInstance leaves the first layers per sample and freezes the rest', async () => {
    const model = createDmDetNet3D(config);
    const frozen = await freezeNormalization(model, [a], { keepInstance: 1 });
    const kinds = frozen.layers
      .filter((l): l is InstanceNormalization => l instanceof InstanceNormalization)
      .map((l) => l.statistics);
    expect(kinds[0]).toBe('instance');
    expect(kinds.slice(1).every((k) => k === 'fixed')).toBe(true);
    expect(frozen.nonTrainableWeights.length).toBe(2 * (kinds.length - 1));
    expect(
      maxAbsDiff((await predictVolume(frozen, a)).data, (await predictVolume(model, a)).data),
    ).toBeLessThan(1e-5);
    // the first layer still normalises per volume: a scaled input gives the same map (a shift would not:
    // the zero padding does not shift with it)
    const scaled = { data: a.data.map((v) => 3 * v), shape: a.shape };
    expect(
      maxAbsDiff((await predictVolume(frozen, scaled)).data, (await predictVolume(frozen, a)).data),
    ).toBeLessThan(1e-3);
    const all = await freezeNormalization(model, [a]);
    expect(
      maxAbsDiff((await predictVolume(all, scaled)).data, (await predictVolume(all, a)).data),
    ).toBeGreaterThan(1e-2);
    await expect(freezeNormalization(model, [a], { keepInstance: kinds.length })).rejects.toThrow(
      /leaves no layer to freeze/,
    );
    await expect(freezeNormalization(model, [a], { keepInstance: -1 })).rejects.toThrow(/integer >= 0/);
  });

  it('a frozen model saves and loads with identical predictions', async () => {
    const frozen = await freezeNormalization(createDmDetNet3D(config), [a, b]);
    const dir = join(root, 'frozen');
    await saveModelToDir(frozen, dir, {
      format: 'dmdet-model',
      formatVersion: 1,
      architecture: 'dm-detnet3d',
      config: resolveConfig(config),
      normalization: { method: 'noise' },
    });
    const { model: loaded, metadata } = await loadModelFromDir(dir);
    expect(metadata.normalization).toEqual({ method: 'noise' });
    expect(Array.from((await predictVolume(loaded, b)).data)).toEqual(
      Array.from((await predictVolume(frozen, b)).data),
    );
  });

  it('says what is wrong with its inputs', async () => {
    const model = createDmDetNet3D(config);
    await expect(measureNormalization(model, [])).rejects.toThrow(/at least one volume/);
    const frozen = await freezeNormalization(model, [a]);
    await expect(freezeNormalization(frozen, [a])).rejects.toThrow(/no instance-normalisation layer/);
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`trains a frozen model: γ and β move, the statistics stay, memory stays flat (${backend})`, async () => {
      await tf.setBackend(backend);
      const shape: Shape3 = [2, 12, 12];
      const input = volume(shape, 3);
      const target = {
        data: Float32Array.from({ length: 2 * 12 * 12 }, (_, i) => (i % 37 === 0 ? 1 : 0)),
        shape,
      };
      const frozen = await freezeNormalization(createDmDetNet3D({ widths: [3, 4], seed: 4 }), [input]);
      const before = frozen.getWeights().map((w) => Array.from(w.dataSync()));
      const counts: number[] = [];
      const result = await train({
        model: frozen,
        train: [{ input, target }],
        batchSize: 2,
        crop: shape,
        maxEpochs: 6,
        stepsPerEpoch: 2,
        earlyStopping: false,
        onProgress: (p) => {
          if (p.phase === 'epoch') counts.push(tf.memory().numTensors);
        },
      });
      expect(result.history.at(-1)?.trainLoss).toBeLessThan(result.history[0]?.trainLoss as number);
      const names = frozen.weights.map((w) => w.originalName.split('/').pop());
      const after = frozen.getWeights().map((w) => Array.from(w.dataSync()));
      names.forEach((name, i) => {
        if (name === 'mean' || name === 'variance') expect(after[i], `${name} ${i}`).toEqual(before[i]);
      });
      const moved = names.filter((n, i) => n === 'gamma' && maxAbsDiff(after[i] ?? [], before[i] ?? []) > 0);
      expect(moved.length).toBeGreaterThan(0);
      expect(new Set(counts.slice(1)).size).toBe(1);
      await tf.setBackend('cpu');
    }, 60_000);
  }
});
