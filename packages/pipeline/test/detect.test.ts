import { predictVolume, resolveConfig } from '@dmdet/model';
import { localMaxima3D, predictTiled } from '@dmdet/postprocess';
import { simulateVolume } from '@dmdet/simulate';
import { createVolume, normalizePercentile } from '@dmdet/volume-io';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIN_DISTANCE, detect, PipelineError, tileLayout } from '../src/index';
import { TINY, tinyDetector, useCpu } from './setup-tf';

beforeAll(useCpu);

describe('DEFAULT_MIN_DISTANCE', () => {
  it('keeps two maxima 2 pixels apart in-plane (3×3×3 window), merges them 1 pixel apart', () => {
    const map = (dx: number) => {
      const data = new Float32Array(3 * 9 * 9);
      data[(1 * 9 + 4) * 9 + 3] = 0.9;
      data[(1 * 9 + 4) * 9 + 3 + dx] = 0.8;
      return createVolume(data, [3, 9, 9]);
    };
    const peaks = (dx: number) =>
      localMaxima3D(map(dx), { threshold: 0.5, minDistance: DEFAULT_MIN_DISTANCE }).map((p) => p.score);
    expect(DEFAULT_MIN_DISTANCE).toEqual({ z: 1, xy: 1 });
    expect(peaks(2)).toEqual([0.9, 0.8].map((v) => Math.fround(v)));
    expect(peaks(1)).toEqual([Math.fround(0.9)]);
  });
});

describe('detect', () => {
  const detector = tinyDetector(0.5);
  const sim = simulateVolume({ shape: [6, 40, 48], count: 12, snr: 6, seed: 3 });
  const volume = createVolume(sim.volume.data, sim.volume.shape, [0.3, 0.1, 0.1]);

  it('equals normalise → predict → local maxima, with µm coordinates from the voxel size', async () => {
    const map = await predictVolume(detector.model, normalizePercentile(volume));
    const expected = localMaxima3D(map, { threshold: 0.5, minDistance: DEFAULT_MIN_DISTANCE });
    const got = await detect(volume, { model: detector, keepMap: true });
    expect(got.tiles).toBe(1);
    expect(got.threshold).toBe(0.5);
    expect(Array.from(got.map?.data ?? [])).toEqual(Array.from(map.data));
    expect(got.points.map(({ x, y, z, score }) => ({ x, y, z, score }))).toEqual(
      expected.map(({ x, y, z, score }) => ({ x, y, z, score })),
    );
    for (const p of got.points) {
      expect(p.xUm).toBeCloseTo(p.x * 0.1, 10);
      expect(p.yUm).toBeCloseTo(p.y * 0.1, 10);
      expect(p.zUm).toBeCloseTo(p.z * 0.3, 10);
    }
  });

  // Instance normalisation takes its statistics over the tile, so tiles are not exactly the whole
  // volume's prediction (docs/performance.md measures how close they are on the built-in model);
  // here: detect tiles as tileLayout says, stitches the tile cores, and finds maxima in the result.
  it('tiles a volume larger than the tile limit and stitches the tile cores', async () => {
    const progress: number[] = [];
    const maxTileVoxels = 6 * 40 * 30;
    const tiled = await detect(volume, {
      model: detector,
      maxTileVoxels,
      keepMap: true,
      onProgress: (p) => progress.push(p.done),
    });
    const layout = tileLayout(volume.shape, resolveConfig(TINY), { maxVoxels: maxTileVoxels });
    expect(tiled.tiles).toBe(layout.count);
    expect(tiled.tiles).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(tiled.tiles);
    const reference = await predictTiled(
      normalizePercentile(volume),
      (t) => predictVolume(detector.model, t),
      layout,
    );
    expect(Array.from(tiled.map?.data ?? [])).toEqual(Array.from(reference.data));
    const expected = localMaxima3D(reference, { threshold: 0.5, minDistance: DEFAULT_MIN_DISTANCE });
    expect(tiled.points.map((p) => [p.x, p.y, p.z])).toEqual(expected.map((p) => [p.x, p.y, p.z]));
  }, 60_000);

  it('a threshold option overrides the model, and no voxel size means no µm', async () => {
    const plain = createVolume(sim.volume.data, sim.volume.shape);
    const high = await detect(plain, { model: detector, threshold: 0.9 });
    const low = await detect(plain, { model: detector, threshold: 0.2 });
    expect(high.points.length).toBeLessThanOrEqual(low.points.length);
    expect(high.points.every((p) => p.score >= 0.9 && p.xUm === undefined)).toBe(true);
  });

  it('runs on the active backend unless told; a missing backend package is named', async () => {
    await detect(volume, { model: detector });
    expect(tf.getBackend()).toBe('cpu');
    const err = await detect(volume, { model: detector, backend: 'tensorflow' }).catch((e) => e);
    expect(err.code).toBe('BACKEND_UNAVAILABLE');
    expect(err.message).toMatch(/npm install @tensorflow\/tfjs-node/);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('refuses a 2D plane, a bad threshold and something that is not a model', async () => {
    const plane = createVolume(new Uint16Array(32 * 32), [1, 32, 32]);
    await expect(detect(plane, { model: detector })).rejects.toThrow(/single 2D plane \(1×32×32\)/);
    await expect(detect(volume, { model: detector, threshold: 1.5 })).rejects.toThrow(
      /threshold must be a number between 0 and 1/,
    );
    const err = await detect(volume, { model: { model: detector.model } as never }).catch((e) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.code).toBe('INVALID_OPTION');
  });
});
