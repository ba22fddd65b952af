import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createDetNet3D,
  createDmDetNet3D,
  hourglassGeometry,
  InstanceNormalization,
  ModelError,
  registerLayers,
  UpSampling3D,
} from '../src/index';
import { useCpu } from './setup-tf';

beforeAll(async () => {
  await useCpu();
  registerLayers();
});

describe('createDmDetNet3D', () => {
  it("computes the same map with convolution 'conv2d' (default), 'native' and 'auto', and refuses others", () => {
    const x = tf.randomUniform([1, 3, 8, 8, 1], 0, 1, 'float32', 3);
    const maps = (['conv2d', 'native', 'auto'] as const).map((convolution) => {
      const m = createDmDetNet3D({ convolution, seed: 7 });
      const y = (m.predict(x) as tf.Tensor).dataSync();
      m.dispose();
      return Float32Array.from(y);
    });
    for (const other of maps.slice(1))
      for (let i = 0; i < other.length; i++) expect(other[i]).toBeCloseTo(maps[0]?.[i] as number, 5);
    expect(() => createDmDetNet3D({ convolution: 'fast' as never })).toThrow(/'conv2d', 'native' or 'auto'/);
  });

  it('has about 1e5 parameters or fewer by default, and a sigmoid output', () => {
    const m = createDmDetNet3D();
    expect(m.countParams()).toBeLessThanOrEqual(100000);
    expect(m.countParams()).toBeGreaterThan(50000);
    const y = m.predict(tf.randomUniform([1, 2, 8, 8, 1])) as tf.Tensor;
    const v = Array.from(y.dataSync());
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
  });

  it.each([
    [1, 3, 9, 11],
    [2, 1, 5, 7],
    [1, 10, 13, 6],
    [1, 2, 4, 4],
  ])('gives an output the shape of the input %j (padding and cropping inside)', (b, z, y, x) => {
    const m = createDmDetNet3D({ widths: [4, 6, 8] });
    const out = m.predict(tf.randomUniform([b, z, y, x, 1])) as tf.Tensor;
    expect(out.shape).toEqual([b, z, y, x, 1]);
  });

  it('reports its geometry for tiling', () => {
    expect(hourglassGeometry()).toEqual({ multiple: [1, 4, 4], receptiveRadius: expect.any(Array) });
    const g = hourglassGeometry({ widths: [4, 8], strides: [[2, 2, 2]], blocksPerLevel: 0 });
    expect(g.multiple).toEqual([2, 2, 2]);
    // stem 1 + down 1 at scale 1, then up: 1 conv at scale 2 + 1 conv at scale 1 → 1 + 1 + 2 + 1
    expect(g.receptiveRadius).toEqual([5, 5, 5]);
  });

  it('gradients reach every weight', () => {
    const m = createDmDetNet3D({ widths: [4, 6], blocksPerLevel: 1, seed: 3 });
    const x = tf.randomUniform([1, 2, 8, 8, 1], 0, 1, 'float32', 1);
    const target = tf.randomUniform([1, 2, 8, 8, 1], 0, 1, 'float32', 2);
    const { grads } = tf.variableGrads(
      () => tf.mean(tf.square(tf.sub(m.apply(x) as tf.Tensor, target))) as tf.Scalar,
      m.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const names = m.trainableWeights.map((w) => (w.read() as tf.Variable).name);
    expect(Object.keys(grads).sort()).toEqual([...names].sort());
    for (const [name, g] of Object.entries(grads)) {
      const v = Array.from(g.dataSync());
      expect(v.every(Number.isFinite), name).toBe(true);
      expect(
        v.some((e) => e !== 0),
        name,
      ).toBe(true);
    }
  });

  it('is seeded: the same seed gives the same weights', () => {
    const a = createDmDetNet3D({ widths: [4, 6], seed: 9 })
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
    const b = createDmDetNet3D({ widths: [4, 6], seed: 9 })
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
    const c = createDmDetNet3D({ widths: [4, 6], seed: 10 })
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('DetNet3D shares the backbone', () => {
    const d = createDetNet3D({ widths: [4, 6] });
    expect(d.name).toBe('detnet3d');
    expect(d.countParams()).toBe(createDmDetNet3D({ widths: [4, 6] }).countParams());
  });

  it('rejects bad configurations', () => {
    expect(() => createDmDetNet3D({ widths: [] })).toThrow(/widths must be a non-empty list/);
    expect(() => createDmDetNet3D({ widths: [4, 8], strides: [] })).toThrow(/strides must give one/);
    expect(() => createDmDetNet3D({ blocksPerLevel: -1 })).toThrow(ModelError);
  });
});

describe('custom layers', () => {
  it('InstanceNormalization normalises each sample and channel over z, y, x', () => {
    const layer = new InstanceNormalization();
    const x = tf.add(
      tf.mul(tf.randomNormal([2, 3, 4, 5, 2], 0, 1, 'float32', 4), tf.tensor1d([3, 0.5])),
      tf.tensor1d([10, -2]),
    );
    const y = layer.apply(x) as tf.Tensor;
    const { mean, variance } = tf.moments(y, [1, 2, 3]);
    for (const v of mean.dataSync()) expect(Math.abs(v)).toBeLessThan(1e-4);
    for (const v of variance.dataSync()) expect(v).toBeCloseTo(1, 3);
    expect(layer.getConfig()).toMatchObject({ epsilon: 1e-5 });
  });

  it('UpSampling3D repeats voxels by the factors', () => {
    const x = tf.tensor5d([1, 2, 3, 4], [1, 1, 2, 2, 1]);
    const y = new UpSampling3D({ size: [2, 1, 2] }).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 2, 4, 1]);
    expect(Array.from(y.dataSync())).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 1, 1, 2, 2, 3, 3, 4, 4]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(new UpSampling3D({ size: [1, 2, 2] }).apply(t) as tf.Tensor))(
      x,
    );
    expect(Array.from(g.dataSync())).toEqual([4, 4, 4, 4]);
  });

  it('UpSampling3D gradient sums each block, for every sample of a batch (tfjs cpu kernel bug)', () => {
    // dy with distinct values; brute force: dx[b,z,y,x,c] = Σ over the 2×2 block of dy.
    const [B, D, H, W, C] = [3, 2, 3, 2, 2];
    const x = tf.zeros([B, D, H, W, C]);
    const dyShape = [B, D, H * 2, W * 2, C];
    const n = dyShape.reduce((a, b) => a * b, 1);
    const dyData = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 101) - 50);
    const dy = tf.tensor(dyData, dyShape);
    const g = tf
      .grad((t: tf.Tensor) =>
        tf.sum(tf.mul(new UpSampling3D({ size: [1, 2, 2] }).apply(t) as tf.Tensor, dy)),
      )(x)
      .dataSync();
    const at = (b: number, z: number, y: number, xx: number, c: number) =>
      dyData[(((b * D + z) * H * 2 + y) * W * 2 + xx) * C + c] as number;
    let i = 0;
    for (let b = 0; b < B; b++)
      for (let z = 0; z < D; z++)
        for (let y = 0; y < H; y++)
          for (let xx = 0; xx < W; xx++)
            for (let c = 0; c < C; c++) {
              const want =
                at(b, z, 2 * y, 2 * xx, c) +
                at(b, z, 2 * y + 1, 2 * xx, c) +
                at(b, z, 2 * y, 2 * xx + 1, c) +
                at(b, z, 2 * y + 1, 2 * xx + 1, c);
              expect(g[i++]).toBeCloseTo(want, 4);
            }
  });

  it('round-trip through the tfjs serialization of a whole model', async () => {
    const m = createDmDetNet3D({ widths: [4, 6] });
    const json = m.toJSON(null, false) as object;
    const copy = await tfl.models.modelFromJSON({ modelTopology: json } as never);
    expect(copy.countParams()).toBe(m.countParams());
    const names = copy.layers.map((l) => l.getClassName());
    for (const cls of ['InstanceNormalization', 'UpSampling3D', 'PadToMultiple', 'CropToReference'])
      expect(names).toContain(cls);
  });
});
