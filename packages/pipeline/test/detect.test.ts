import { predictVolume, resolveConfig } from '@dmdet/model';
import {
  findAxialGhosts,
  localContrasts,
  localMaxima3D,
  predictTiled,
  scoreValley,
  type ThresholdRule,
  type ValleyTerm,
} from '@dmdet/postprocess';
import {
  drawBelowClip,
  fillMissingInput,
  normalizeBackground,
  resampleVolume,
  typicalSpotPeak,
} from '@dmdet/preprocess';
import { simulateVolume } from '@dmdet/simulate';
import { createVolume, normalizePercentile } from '@dmdet/volume-io';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { decoyRaiseWarns } from '../src/decoy-warning';
import {
  DEFAULT_MIN_DISTANCE,
  type DetectProgress,
  detect,
  PipelineError,
  type TilePredictor,
  tileLayout,
} from '../src/index';
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

  // Against the reference composed from @dmdet/postprocess: the detections without the rule, less
  // those findAxialGhosts flags with contrasts measured in the volume.
  it("drops axial ghosts by the option or the model's rule; false keeps them; a bad rule is named", async () => {
    const rule = { ratio: 0.9, dz: [0, 6] as [number, number], lateral: 10 };
    const all = await detect(volume, { model: detector, threshold: 0.3 });
    const ghost = findAxialGhosts(all.points, localContrasts(volume.data, volume.shape, all.points), rule);
    const expected = all.points.filter((_, i) => !ghost[i]);
    expect(ghost.filter(Boolean).length).toBeGreaterThan(0);
    expect(expected.length).toBeGreaterThan(0);
    const got = await detect(volume, { model: detector, threshold: 0.3, axialGhosts: rule });
    expect(got.points).toEqual(expected);
    expect(got.axialGhosts).toBe(ghost.filter(Boolean).length);
    expect(all.axialGhosts).toBe(0);
    const withRule = { ...detector, metadata: { ...detector.metadata, axialGhosts: rule } };
    expect((await detect(volume, { model: withRule, threshold: 0.3 })).points).toEqual(expected);
    expect((await detect(volume, { model: withRule, threshold: 0.3, axialGhosts: false })).points).toEqual(
      all.points,
    );
    const err = await detect(volume, { model: detector, axialGhosts: { ...rule, lateral: -1 } }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.message).toMatch(/axialGhosts: lateral must be/);
  });

  // Against maps averaged by hand: the volume's, and its x mirror's mirrored back (and so on).
  it("averages the maps of mirrored volumes by the option or the model's flips; a bad value is named", async () => {
    const input = normalizePercentile(volume);
    const [Z, Y, X] = input.shape;
    const mirror = (v: { data: ArrayLike<number> }, fy: boolean, fx: boolean) => {
      const out = new Float32Array(Z * Y * X);
      for (let z = 0; z < Z; z++)
        for (let y = 0; y < Y; y++)
          for (let x = 0; x < X; x++)
            out[(z * Y + y) * X + x] = v.data[
              (z * Y + (fy ? Y - 1 - y : y)) * X + (fx ? X - 1 - x : x)
            ] as number;
      return createVolume(out, [Z, Y, X]);
    };
    const maps = await Promise.all(
      (
        [
          [false, false],
          [false, true],
          [true, false],
          [true, true],
        ] as const
      ).map(async ([fy, fx]) => mirror(await predictVolume(detector.model, mirror(input, fy, fx)), fy, fx)),
    );
    const mean = (n: number) =>
      Array.from(
        maps[0]?.data ?? [],
        (_, i) => maps.slice(0, n).reduce((s, m) => s + (m.data[i] as number), 0) / n,
      );
    const two = await detect(volume, { model: detector, keepMap: true, flips: 2 });
    expect(two.flips).toBe(2);
    const expected2 = mean(2);
    const maxDiff = (a: ArrayLike<number> | undefined, b: number[]) =>
      Math.max(...b.map((v, i) => Math.abs((a?.[i] ?? Number.NaN) - v)));
    expect(two.map?.data.length).toBe(expected2.length);
    expect(maxDiff(two.map?.data, expected2)).toBeLessThan(1e-6);
    const withFlips = { ...detector, metadata: { ...detector.metadata, flips: 4 as const } };
    const four = await detect(volume, { model: withFlips, keepMap: true });
    expect(four.flips).toBe(4);
    const expected4 = mean(4);
    expect(maxDiff(four.map?.data, expected4)).toBeLessThan(1e-6);
    expect(
      localMaxima3D(createVolume(Float32Array.from(expected4), [Z, Y, X]), {
        threshold: 0.5,
        minDistance: DEFAULT_MIN_DISTANCE,
      }).length,
    ).toBe(four.points.length);
    const one = await detect(volume, { model: withFlips, keepMap: true, flips: 1 });
    expect(one.flips).toBe(1);
    expect(Array.from(one.map?.data ?? [])).toEqual(Array.from(maps[0]?.data ?? []));
    const err = await detect(volume, { model: detector, flips: 3 as never }).catch((e) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.message).toMatch(/flips must be 1, 2, 4 or 8, got 3/);
  }, 60_000);

  // The input-knee tests: spots far beyond 20 σ, and the tiny model given a 'background' transform.
  const bright = simulateVolume({ shape: [6, 40, 48], count: 12, snr: 80, seed: 4 }).volume;
  const kneeNormalization = {
    method: 'background' as const,
    block: [2, 8, 8] as [number, number, number],
    unit: 10,
    knee: 20,
  };
  const maxDiff = (a: ArrayLike<number> | undefined, b: ArrayLike<number>) =>
    Math.max(...Array.from(b, (v, i) => Math.abs((a?.[i] ?? Number.NaN) - v)));

  it("compresses the input at the given inputKnee instead of the model's; a bad knee or model is named", async () => {
    const normalization = kneeNormalization;
    const model = { ...detector, metadata: { ...detector.metadata, normalization } };
    const mapAt = (knee: number) =>
      predictVolume(detector.model, normalizeBackground(bright, { ...normalization, knee }));
    const own = await detect(bright, { model, keepMap: true });
    expect(maxDiff(own.map?.data, (await mapAt(20)).data)).toBeLessThan(1e-6);
    const at60 = await detect(bright, { model, keepMap: true, inputKnee: 60 });
    expect(maxDiff(at60.map?.data, (await mapAt(60)).data)).toBeLessThan(1e-6);
    // The spots are far beyond 20 σ, so the knee changes the map.
    expect(maxDiff(at60.map?.data, (await mapAt(20)).data)).toBeGreaterThan(1e-4);
    for (const bad of [0, -5, Number.NaN])
      await expect(detect(bright, { model, inputKnee: bad })).rejects.toThrow(
        /inputKnee must be a positive number/,
      );
    // The percentile transform has no knee.
    await expect(detect(bright, { model: detector, inputKnee: 60 })).rejects.toThrow(
      /inputKnee needs a model with the 'background' input transform; this model's is 'percentile'/,
    );
  }, 60_000);

  it("raises the knee for bright spots by the model's kneeRatio, reports it, and a given inputKnee fixes it", async () => {
    const normalization = { ...kneeNormalization, kneeRatio: 2 };
    const model = { ...detector, metadata: { ...detector.metadata, normalization } };
    const adaptive = await detect(bright, { model, keepMap: true });
    // The independent path: the typical peak of the uncompressed transform, then a fixed knee.
    const peak = typicalSpotPeak(normalizeBackground(bright, { ...normalization, unit: 1, knee: Infinity }));
    expect(adaptive.spotPeak).toBeCloseTo(peak as number, 4);
    expect(adaptive.inputKnee).toBeCloseTo(Math.max(20, (peak as number) / 2), 4);
    expect(adaptive.inputKnee).toBeGreaterThan(20);
    const fixedAt = await predictVolume(
      detector.model,
      normalizeBackground(bright, { block: normalization.block, unit: 10, knee: adaptive.inputKnee }),
    );
    expect(maxDiff(adaptive.map?.data, fixedAt.data)).toBeLessThan(1e-6);
    // inputKnee is a fixed knee: the ratio no longer applies.
    const fixed = await detect(bright, { model, inputKnee: 20 });
    expect(fixed.inputKnee).toBe(20);
    expect(fixed.spotPeak).toBeUndefined();
    // Without kneeRatio, the model's knee and no peak.
    const plain = await detect(bright, {
      model: {
        ...detector,
        metadata: { ...detector.metadata, normalization: { ...normalization, kneeRatio: undefined } },
      },
    });
    expect(plain.inputKnee).toBe(20);
    expect(plain.spotPeak).toBeUndefined();
    // The percentile transform reports no knee.
    expect((await detect(bright, { model: detector })).inputKnee).toBeUndefined();
  }, 60_000);

  it("adds a bright pass's detections far from the first pass's, as two detections would; false, inputKnee or a fainter volume run one", async () => {
    const normalization = { ...kneeNormalization, kneeRatio: 2 };
    const brightPass = { fromPeak: 30, kneeFactor: 4, separation: 3 };
    const model = { ...detector, metadata: { ...detector.metadata, normalization, brightPass } };
    const threshold = 0.3;
    const progress: DetectProgress[] = [];
    const both = await detect(bright, { model, threshold, onProgress: (p) => progress.push(p) });
    const one = await detect(bright, { model, threshold, brightPass: false });
    expect(one.brightPass).toBeUndefined();
    expect(one.spotPeak).toBeGreaterThan(brightPass.fromPeak);
    // The independent path: a detection at the fixed knee 4× the first's (a given knee runs no bright
    // pass), its detections more than 3 voxels from all of the first's added (no resampling here).
    const knee = (one.inputKnee as number) * 4;
    const at4 = await detect(bright, { model, threshold, inputKnee: knee });
    expect(at4.brightPass).toBeUndefined();
    const apart = at4.points.filter((q) =>
      one.points.every((p) => Math.hypot(p.x - q.x, p.y - q.y, p.z - q.z) > brightPass.separation),
    );
    expect(apart.length).toBeGreaterThan(0);
    expect(apart.length).toBeLessThan(at4.points.length);
    expect(both.points).toEqual([...one.points, ...apart]);
    expect(both.brightPass).toEqual({ knee, threshold, added: apart.length });
    expect(both.inputKnee).toBe(one.inputKnee);
    expect(both.tiles).toBe(2 * one.tiles);
    // The bright pass's tiles are counted again from 1, tagged.
    expect(progress.filter((p) => p.map === undefined).map((p) => p.done)).toEqual(
      Array.from({ length: one.tiles }, (_, i) => i + 1),
    );
    expect(progress.filter((p) => p.map === 'bright').map((p) => p.done)).toEqual(
      Array.from({ length: one.tiles }, (_, i) => i + 1),
    );
    expect(progress).toHaveLength(2 * one.tiles);
    // A volume whose typical spot peak is below fromPeak runs one pass.
    const faint = await detect(volume, { model, threshold });
    expect(faint.spotPeak).toBeLessThan(brightPass.fromPeak);
    expect(faint.brightPass).toBeUndefined();
    // The option replaces the model's; a bad one is named.
    const never = await detect(bright, { model, threshold, brightPass: { ...brightPass, fromPeak: 1e9 } });
    expect(never.points).toEqual(one.points);
    const err = await detect(bright, { model, brightPass: { ...brightPass, kneeFactor: 0.5 } }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.message).toMatch(/brightPass must be \{ fromPeak.*kneeFactor: a number > 1/);
    // Checked also where a given knee means no bright pass runs.
    await expect(
      detect(bright, { model, inputKnee: 30, brightPass: { ...brightPass, separation: -1 } }),
    ).rejects.toThrow(/brightPass must be/);
  }, 60_000);

  it("reports a volume its 'background' transform read as clipped from below, and predicts on the drawn input", async () => {
    const model = { ...detector, metadata: { ...detector.metadata, normalization: kneeNormalization } };
    // The bright volume with its median subtracted and negatives stored as 0: about half the voxels.
    const sorted = Float32Array.from(bright.data).sort();
    const mid = sorted[sorted.length >> 1] as number;
    const clipped = createVolume(
      Float32Array.from(bright.data, (v) => Math.max(0, v - mid)),
      bright.shape,
    );
    const result = await detect(clipped, { model, keepMap: true });
    expect(result.clippedInput?.value).toBe(0);
    expect(result.clippedInput?.fraction).toBeGreaterThan(0.3);
    expect(result.clippedInput?.fraction).toBeLessThan(0.6);
    const expected = await predictVolume(detector.model, normalizeBackground(clipped, kneeNormalization));
    expect(maxDiff(result.map?.data, expected.data)).toBeLessThan(1e-6);
    expect((await detect(bright, { model })).clippedInput).toBeUndefined();
    // Resampled for the model's spot scale (spots given at half of it: twice as many voxels per axis),
    // the clipped voxels are drawn before the resampling mixes them, on blocks of the volume's own
    // voxels (the transform's block over 2), and the resampled input is no longer clipped.
    const scaledModel = { ...model, metadata: { ...model.metadata, spotScale: { xy: 1.4, z: 1 } } };
    const spotSize = { xy: 0.7, z: 0.5 };
    const resampled = await detect(clipped, { model: scaledModel, spotSize, keepMap: true });
    const pre = drawBelowClip(clipped, [1, 4, 4]);
    expect(resampled.clippedInput).toEqual(pre.clipped);
    const r = resampled.resampling;
    expect(r?.to).toEqual([12, 80, 96]);
    if (!r) throw new Error('not resampled');
    const input = normalizeBackground(resampleVolume(pre.volume, r), kneeNormalization);
    expect(maxDiff(resampled.map?.data, (await predictVolume(detector.model, input)).data)).toBeLessThan(
      1e-6,
    );
  }, 60_000);

  it('leaves padding and NaN voxels out of the transform, gives them background noise, keeps no detection there and reports them', async () => {
    const model = { ...detector, metadata: { ...detector.metadata, normalization: kneeNormalization } };
    const shape = bright.shape;
    const [Z, Y, X] = shape;
    // The bright volume on a camera offset of 100, its first 16 columns padding (0) or NaN.
    const pad = (fill: number) =>
      createVolume(
        Float32Array.from(bright.data, (v, i) => (i % X < 16 ? fill : v + 100)),
        shape,
      );
    const zeros = await detect(pad(0), { model, keepMap: true });
    const nan = await detect(pad(Number.NaN), { model, keepMap: true });
    expect(zeros.missingVoxels).toEqual({
      nonFinite: 0,
      padding: Z * Y * 16,
      paddingValue: 0,
      fraction: 1 / 3,
    });
    expect(nan.missingVoxels).toEqual({ nonFinite: Z * Y * 16, padding: 0, fraction: 1 / 3 });
    expect(nan.points).toEqual(zeros.points);
    expect(zeros.points.length).toBeGreaterThan(0);
    expect(zeros.points.every((p) => Math.round(p.x) >= 16)).toBe(true);
    // The map is the network's on the transform with those voxels left out (NaN), then given the
    // transform's background noise (σ 1 / unit).
    const input = normalizeBackground(pad(Number.NaN), kneeNormalization);
    expect(fillMissingInput(input, 1 / kneeNormalization.unit)).toBe(Z * Y * 16);
    const expected = await predictVolume(detector.model, input);
    expect(maxDiff(zeros.map?.data, expected.data)).toBeLessThan(1e-6);
    expect(maxDiff(nan.map?.data, expected.data)).toBeLessThan(1e-6);
    // Resampled for a spot scale: the same for padding and NaN, nothing in them, no NaN anywhere.
    const scaledModel = { ...model, metadata: { ...model.metadata, spotScale: { xy: 1.4, z: 1 } } };
    for (const spotSize of [
      { xy: 0.7, z: 0.5 },
      { xy: 2.8, z: 2 },
    ]) {
      const a = await detect(pad(0), { model: scaledModel, spotSize, keepMap: true });
      const b = await detect(pad(Number.NaN), { model: scaledModel, spotSize, keepMap: true });
      expect(a.resampling).toBeDefined();
      expect(b.points).toEqual(a.points);
      expect(a.map?.data.every(Number.isFinite)).toBe(true);
      expect(a.points.every((p) => Math.round(p.x) >= 16)).toBe(true);
    }
    // A volume without data is named.
    await expect(
      detect(createVolume(new Float32Array(Z * Y * X).fill(Number.NaN), shape), { model }),
    ).rejects.toThrow(/no voxel of the volume holds data: 11520 are not finite numbers/);
  }, 60_000);

  // A predictor that draws the map: maxima of the given counts and scores in the middle slice, 5 px apart.
  const drawnMap = (groups: [number, number][]): TilePredictor => ({
    size: 1,
    predict: async (tile) => {
      const [Z, Y, X] = tile.shape;
      const data = new Float32Array(Z * Y * X);
      const z = Z >> 1;
      const sites: [number, number][] = [];
      for (let y = 3; y < Y - 3; y += 5) for (let x = 3; x < X - 3; x += 5) sites.push([y, x]);
      const scores = groups.flatMap(([n, score]) => Array.from({ length: n }, () => score));
      scores.forEach((score, k) => {
        const [y, x] = sites[k] as [number, number];
        data[(z * Y + y) * X + x] = score;
      });
      return createVolume(data, [Z, Y, X]);
    },
  });

  // The rule's threshold, checked against a brute-force signal: the median of the 3×3×3 input means
  // at the maxima scoring at least the rule's confidence.
  it('does not apply a clutter raise that would keep under a tenth of the maxima kept without it', async () => {
    // `low` maxima scoring 0.6 and two scoring 0.99.
    const mapWith = (low: number) =>
      drawnMap([
        [2, 0.99],
        [low, 0.6],
      ]);
    const rule: ThresholdRule = {
      kind: 'signal',
      confidence: 0.8,
      minSpots: 1,
      knots: [0, 1e6],
      thresholds: [0.55, 0.55],
      clutter: { score: 0.5, ratio: 0.35, slope: 0.1, from: 0 },
    };
    const detector = tinyDetector();
    const model = { ...detector, metadata: { ...detector.metadata, thresholdRule: rule } };
    const volume = createVolume(new Float32Array(4 * 48 * 48).fill(100), [4, 48, 48]);
    // 40 at 0.6 per 2 confident: clutter 20, a raise to 0.95 that keeps 2 of 42 (< 4.2): not applied.
    const crowded = await detect(volume, { model, predictor: mapWith(40), tile: [4, 48, 48] });
    expect(crowded.clutter).toBe(20);
    expect(crowded.threshold).toBe(0.55);
    expect(crowded.clutterRaise).toBeUndefined();
    expect(crowded.clutterRaiseDropped).toBeCloseTo(0.4, 12);
    expect(crowded.points).toHaveLength(42);
    // 4 at 0.6: clutter 2, a raise of 0.1·log2(2 / 0.35) that keeps 2 of 6 (≥ 0.6): applied.
    const few = await detect(volume, { model, predictor: mapWith(4), tile: [4, 48, 48] });
    expect(few.clutter).toBe(2);
    expect(few.clutterRaise).toBeCloseTo(0.1 * Math.log2(2 / 0.35), 12);
    expect(few.clutterRaiseDropped).toBeUndefined();
    expect(few.points).toHaveLength(2);
  });

  it("moves the threshold to the valley of the map's scores with a valley term: down always, up in bright volumes", async () => {
    const withRule = (threshold: number, raiseFrom: number) => {
      const detector = tinyDetector();
      const rule: ThresholdRule = {
        kind: 'signal',
        confidence: 0.8,
        minSpots: 1,
        knots: [-1e6, 1e6],
        thresholds: [threshold, threshold],
        valley: { from: 0.2, bandwidth: 0.03, topFrom: 0.6, maxDepth: 0.5, raiseFrom },
      };
      return { ...detector, metadata: { ...detector.metadata, thresholdRule: rule } };
    };
    const volume = createVolume(new Float32Array(4 * 48 * 48).fill(100), [4, 48, 48]);
    const run = (groups: [number, number][], threshold: number, raiseFrom: number) =>
      detect(volume, {
        model: withRule(threshold, raiseFrom),
        predictor: drawnMap(groups),
        tile: [4, 48, 48],
      });
    // 20 at 0.3, 8 at 0.72, 12 at 0.9, a rule of 0.8: lowered to the valley between 0.3 and 0.72.
    const scores: [number, number][] = [
      [20, 0.3],
      [8, 0.72],
      [12, 0.9],
    ];
    const expected = scoreValley(
      scores.flatMap(([n, v]) => Array.from({ length: n }, () => v)),
      { from: 0.2, bandwidth: 0.03, topFrom: 0.6 },
    );
    const lowered = await run(scores, 0.8, 1e6);
    expect(lowered.ruleThreshold).toBeCloseTo(expected?.score as number, 6);
    expect(lowered.valley?.score).toBeCloseTo(expected?.score as number, 6);
    expect(lowered.valleyShift).toBeCloseTo((expected?.score as number) - 0.8, 6);
    expect(lowered.points).toHaveLength(20);
    // 5 at 0.25, 20 at 0.45, 12 at 0.95, a rule of 0.4: raised to the valley above 0.45 where any
    // signal may raise (the flat volume's is 0), not where raiseFrom is above it.
    const clutter: [number, number][] = [
      [5, 0.25],
      [20, 0.45],
      [12, 0.95],
    ];
    const raised = await run(clutter, 0.4, -1);
    expect(raised.valleyShift).toBeGreaterThan(0.2);
    expect(raised.points).toHaveLength(12);
    const faint = await run(clutter, 0.4, 1e6);
    expect(faint.threshold).toBe(0.4);
    expect(faint.valleyShift).toBeUndefined();
    expect(faint.valley?.score).toBeCloseTo(raised.threshold, 12);
    expect(faint.points).toHaveLength(32);
    // With the term's zoom gate, a volume enlarged 4× in voxels (spots of 0.7 px for a model of 1.4)
    // is not raised; one enlarged 2× is.
    const gated = async (xy: number, side: number) => {
      const model = withRule(0.4, -1);
      const rule = model.metadata.thresholdRule as ThresholdRule;
      return detect(createVolume(new Float32Array(4 * side * side).fill(100), [4, side, side]), {
        model: {
          ...model,
          metadata: {
            ...model.metadata,
            spotScale: { xy: 1.4, z: 1 },
            thresholdRule: { ...rule, valley: { ...(rule.valley as ValleyTerm), maxLogZoom: 1 } },
          },
        },
        spotSize: { xy, z: 1 },
        predictor: drawnMap(clutter),
      });
    };
    const enlarged = await gated(0.7, 24);
    expect(enlarged.resampling?.to).toEqual([4, 48, 48]);
    expect(enlarged.threshold).toBe(0.4);
    expect(enlarged.valley?.score).toBeCloseTo(raised.threshold, 12);
    expect(enlarged.points).toHaveLength(32);
    const twice = await gated(1.4 / Math.SQRT2, 34);
    expect(twice.resampling?.to).toEqual([4, 48, 48]);
    expect(twice.valleyShift).toBeGreaterThan(0.2);
  });

  it("raises the threshold with a decoy term until the decoy map's maxima above it are few", async () => {
    const detector = tinyDetector();
    const rule: ThresholdRule = {
      kind: 'signal',
      confidence: 0.8,
      minSpots: 1,
      knots: [-1e6, 1e6],
      thresholds: [0.4, 0.4],
      decoy: { fdr: 0.2, minDecoys: 3, maxThreshold: 0.95 },
    };
    const model = { ...detector, metadata: { ...detector.metadata, thresholdRule: rule } };
    // A volume with some structure, so its input and the negated input differ.
    const data = Float32Array.from({ length: 4 * 48 * 48 }, (_, i) => 100 + ((i * 7919) % 13));
    const volume = createVolume(data, [4, 48, 48]);
    // The first prediction draws the volume's map, the second the decoy's; each input is recorded.
    const twoMaps = (real: [number, number][], decoy: [number, number][]) => {
      const inputs: Float32Array[] = [];
      const maps = [drawnMap(real), drawnMap(decoy)];
      const predictor: TilePredictor = {
        size: 1,
        predict: async (tile) => {
          inputs.push(Float32Array.from(tile.data));
          return (maps[Math.min(inputs.length - 1, 1)] as TilePredictor).predict(tile);
        },
      };
      return { predictor, inputs };
    };
    // 12 spots at 0.95 and 20 grains at 0.5 in the map; the 20 grains in the decoy's too.
    const grains = twoMaps(
      [
        [12, 0.95],
        [20, 0.5],
      ],
      [[20, 0.5]],
    );
    const progress: DetectProgress[] = [];
    const raised = await detect(volume, {
      model,
      predictor: grains.predictor,
      tile: [4, 48, 48],
      onProgress: (p) => progress.push(p),
    });
    // The decoy map's tile is counted again from 1, tagged.
    expect(progress).toEqual([
      { done: 1, total: 1 },
      { done: 1, total: 1, map: 'decoy' },
    ]);
    expect(grains.inputs).toHaveLength(2);
    expect(grains.inputs[1]).toEqual(Float32Array.from(grains.inputs[0] as Float32Array, (v) => -v));
    // From 0.40 up by 0.01: 20 decoys against 32 maxima until 0.51, where none is left.
    expect(raised.ruleThreshold).toBe(0.4);
    expect(raised.threshold).toBeCloseTo(0.51, 12);
    expect(raised.decoy?.decoys).toBe(20);
    expect(raised.decoy?.maxima).toBe(32);
    expect(raised.decoy?.raise).toBeCloseTo(0.11, 12);
    expect(raised.points).toHaveLength(12);
    expect(raised.tiles).toBe(2);
    // A raise of 0.11 draws no warning (below 0.2).
    const decoyWarnings = (r: { warnings: string[] }) => r.warnings.filter((w) => /decoy check/.test(w));
    expect(decoyWarnings(raised)).toEqual([]);
    // A raise of twenty 0.01 steps warns though it falls a hair short of 0.2 in floating point.
    expect(0.345 + 20 * 0.01 - 0.345).toBeLessThan(0.2);
    expect(decoyRaiseWarns(0.345 + 20 * 0.01 - 0.345)).toBe(true);
    expect(decoyRaiseWarns(0.19)).toBe(false);
    // Grains at 0.75 in both maps: up from 0.40 until 0.76, where none of the decoy's is left, a
    // raise of 0.36, which warns; for a model trained with grainy cells, without pointing to `tissue`.
    for (const [training, tissue] of [
      [undefined, true],
      [{ data: { general: { effects: true } } }, false],
      [{ from: 'tissue' }, false],
    ] as const) {
      const strong = twoMaps(
        [
          [12, 0.95],
          [20, 0.75],
        ],
        [[20, 0.75]],
      );
      const trained = { ...model, metadata: { ...model.metadata, ...(training ? { training } : {}) } };
      const r = await detect(volume, { model: trained, predictor: strong.predictor, tile: [4, 48, 48] });
      expect(r.threshold).toBeCloseTo(0.76, 12);
      expect(r.decoy?.raise).toBeCloseTo(0.36, 12);
      expect(r.points).toHaveLength(12);
      const [warning, ...more] = decoyWarnings(r);
      expect(more).toEqual([]);
      expect(warning).toMatch(
        /^the decoy check raised the threshold by 0\.36: many maxima here score as spots do but are not/,
      );
      expect(warning).toMatch(/dmdet train --threshold-only/);
      expect(/--model tissue/.test(warning as string)).toBe(tissue);
    }
    // Two decoy maxima (fewer than minDecoys): kept at 0.4.
    const few = twoMaps(
      [
        [12, 0.95],
        [20, 0.5],
      ],
      [[2, 0.5]],
    );
    const kept = await detect(volume, { model, predictor: few.predictor, tile: [4, 48, 48] });
    expect(kept.threshold).toBe(0.4);
    expect(kept.decoy).toEqual({ decoys: 2, maxima: 32, raise: 0 });
    expect(kept.points).toHaveLength(32);
    // `decoy: false` and a given threshold predict one map.
    for (const options of [{ decoy: false }, { threshold: 0.45 }]) {
      const once = twoMaps([[12, 0.95]], [[20, 0.5]]);
      const r = await detect(volume, { model, predictor: once.predictor, tile: [4, 48, 48], ...options });
      expect(once.inputs).toHaveLength(1);
      expect(r.decoy).toBeUndefined();
    }
    // With `fromClutter`, the decoy runs only where the rule's clutter (here 20 maxima at 0.5 per 12
    // at 0.95: 1.67, the clutter term's slope 0 raising nothing) reaches it.
    for (const [fromClutter, predictions] of [
      [1.6, 2],
      [1.7, 1],
    ] as const) {
      const gated = {
        ...model,
        metadata: {
          ...model.metadata,
          thresholdRule: {
            ...rule,
            clutter: { score: 0.5, ratio: 0.35, slope: 0, from: 0 },
            decoy: { fdr: 0.2, minDecoys: 3, maxThreshold: 0.95, fromClutter },
          },
        },
      };
      const maps = twoMaps(
        [
          [12, 0.95],
          [20, 0.5],
        ],
        [[20, 0.5]],
      );
      const r = await detect(volume, { model: gated, predictor: maps.predictor, tile: [4, 48, 48] });
      expect(r.clutter).toBeCloseTo(20 / 12, 12);
      expect(maps.inputs).toHaveLength(predictions);
      expect(r.points).toHaveLength(predictions === 2 ? 12 : 32);
    }
    // Only where the rule measured the signal: with minSpots 13, the 12 confident maxima are too
    // few, the rule takes its fallback and no decoy is predicted.
    const unmeasured = {
      ...model,
      metadata: { ...model.metadata, thresholdRule: { ...rule, minSpots: 13, fallback: 0.4 } },
    };
    const sparse = twoMaps(
      [
        [12, 0.95],
        [20, 0.5],
      ],
      [[20, 0.5]],
    );
    const r = await detect(volume, { model: unmeasured, predictor: sparse.predictor, tile: [4, 48, 48] });
    expect(r.thresholdSource).toBe('sparse');
    expect(sparse.inputs).toHaveLength(1);
    expect(r.decoy).toBeUndefined();
    expect(r.points).toHaveLength(32);
    await expect(
      detect(volume, { model, decoy: 'yes' as unknown as boolean, tile: [4, 48, 48] }),
    ).rejects.toThrow(/decoy must be true or false, got "yes"/);
  });

  it("follows the volume's signal with a threshold rule; a given threshold or too few confident maxima bypass it", async () => {
    const input = normalizePercentile(volume);
    const map = await predictVolume(detector.model, input);
    const all = localMaxima3D(map, { threshold: 0.01, minDistance: DEFAULT_MIN_DISTANCE });
    expect(all.length).toBeGreaterThan(12);
    const confidence = (all[9] as { score: number }).score; // 10 maxima at least this
    const [Z, Y, X] = input.shape;
    const means = all
      .filter((p) => p.score >= confidence)
      .map((p) => {
        const [z, y, x] = [p.z, p.y, p.x].map(Math.round) as [number, number, number];
        let sum = 0;
        let n = 0;
        for (let c = z - 1; c <= z + 1; c++)
          for (let b = y - 1; b <= y + 1; b++)
            for (let a = x - 1; a <= x + 1; a++)
              if (c >= 0 && b >= 0 && a >= 0 && c < Z && b < Y && a < X) {
                sum += input.data[(c * Y + b) * X + a] as number;
                n++;
              }
        return sum / n;
      })
      .sort((a, b) => a - b);
    const signal = ((means[4] as number) + (means[5] as number)) / 2;
    const scores = all.map((p) => p.score).sort((a, b) => a - b);
    const [t0, t1] = [scores[2] as number, scores[8] as number];
    const rule = {
      kind: 'signal' as const,
      confidence,
      minSpots: 10,
      knots: [signal - 1, signal + 3],
      thresholds: [t0, t1],
    };
    const ruled = { ...detector, metadata: { ...detector.metadata, thresholdRule: rule } };
    const expected = t0 + (t1 - t0) / 4;
    const got = await detect(volume, { model: ruled });
    expect(got.thresholdSource).toBe('signal');
    expect(got.signal).toBeCloseTo(signal, 5);
    expect(got.threshold).toBeCloseTo(expected, 6);
    expect(got.points.map((p) => p.score)).toEqual(
      all.filter((p) => p.score >= got.threshold).map((p) => p.score),
    );
    // 11 confident maxima needed: the model's fixed threshold.
    const few = await detect(volume, {
      model: { ...detector, metadata: { ...detector.metadata, thresholdRule: { ...rule, minSpots: 11 } } },
    });
    expect(few.thresholdSource).toBe('model');
    expect(few.signal).toBeUndefined();
    expect(few.threshold).toBe(0.5);
    // …or the rule's fallback where it has one, below every other threshold: every maximum down to it is kept.
    const sparseFallback = (scores[0] as number) + 1e-6;
    const sparse = await detect(volume, {
      model: {
        ...detector,
        metadata: {
          ...detector.metadata,
          thresholdRule: { ...rule, minSpots: 11, fallback: sparseFallback },
        },
      },
    });
    expect(sparse.thresholdSource).toBe('sparse');
    expect(sparse.signal).toBeUndefined();
    expect(sparse.threshold).toBe(sparseFallback);
    expect(sparse.ruleThreshold).toBe(sparseFallback);
    expect(sparse.points.length).toBe(all.filter((p) => p.score >= sparseFallback).length);
    // A crowded branch: the signal is below its cut and the map has at least its density of maxima
    // scoring ≥ its score (counted by brute force here over the whole map): its threshold, below
    // every other, keeps every maximum down to it. One maximum fewer than the density needs: the knots.
    const branchScore = scores[4] as number;
    const counted = all.filter((p) => p.score >= branchScore).length;
    const perMillion = (counted / (Z * Y * X)) * 1e6;
    const crowdedThreshold = (scores[1] as number) + 1e-6;
    const withBranch = (density: number) => ({
      ...detector,
      metadata: {
        ...detector.metadata,
        thresholdRule: {
          ...rule,
          crowded: { below: signal + 0.01, score: branchScore, density, threshold: crowdedThreshold },
        },
      },
    });
    const crowdedResult = await detect(volume, { model: withBranch(perMillion) });
    expect(crowdedResult.thresholdSource).toBe('crowded');
    expect(crowdedResult.density).toBeCloseTo(perMillion, 6);
    expect(crowdedResult.threshold).toBe(crowdedThreshold);
    expect(crowdedResult.points.length).toBe(all.filter((p) => p.score >= crowdedThreshold).length);
    const notCrowded = await detect(volume, { model: withBranch(((counted + 1) / (Z * Y * X)) * 1e6) });
    expect(notCrowded.thresholdSource).toBe('signal');
    expect(notCrowded.threshold).toBeCloseTo(expected, 6);
    expect(got.density).toBeUndefined(); // no crowded branch, no density
    expect(got.clutter).toBeUndefined(); // no clutter term, no clutter
    // A clutter term: the maxima in [its score, the confidence) per confident one, counted by brute
    // force over the whole map; at twice its ratio the threshold rises by its slope, unless the
    // knots' threshold is below its `from`.
    const clutterScore = scores[3] as number;
    const clutter =
      all.filter((p) => p.score >= clutterScore && p.score < confidence).length /
      all.filter((p) => p.score >= confidence).length;
    expect(clutter).toBeGreaterThan(0);
    const withClutter = (from: number) => ({
      ...detector,
      metadata: {
        ...detector.metadata,
        thresholdRule: { ...rule, clutter: { score: clutterScore, ratio: clutter / 2, slope: 0.01, from } },
      },
    });
    const cluttered = await detect(volume, { model: withClutter(0) });
    expect(cluttered.thresholdSource).toBe('signal');
    expect(cluttered.clutter).toBeCloseTo(clutter, 12);
    expect(cluttered.threshold).toBeCloseTo(expected + 0.01, 6);
    expect(cluttered.clutterRaise).toBeCloseTo(0.01, 6);
    expect(cluttered.points.length).toBe(all.filter((p) => p.score >= cluttered.threshold).length);
    expect(cluttered.clutterRaiseDropped).toBeUndefined();
    const clutterFrom = await detect(volume, { model: withClutter(expected + 0.001) });
    expect(clutterFrom.clutter).toBeCloseTo(clutter, 12);
    expect(clutterFrom.threshold).toBeCloseTo(expected, 6);
    expect(clutterFrom.clutterRaise).toBeUndefined();
    const given = await detect(volume, { model: ruled, threshold: 0.3 });
    expect(given.thresholdSource).toBe('given');
    expect(given.threshold).toBe(0.3);
    expect(given.ruleThreshold).toBeCloseTo(expected, 6);
    const plain = await detect(volume, { model: detector });
    expect(plain.thresholdSource).toBe('model');
    expect(plain.ruleThreshold).toBeUndefined();
    // A zoom term below the knots' thresholds: a volume shrunk to the model's spot scale (σxy 2.8 →
    // 1.4: a quarter of the voxels in-plane, log2 zoom −2) gets 0.2 less, and every maximum down to
    // that threshold is kept, below any knot's threshold, the confidence and the fixed one.
    const spotScaled = { ...detector, metadata: { ...detector.metadata, spotScale: { xy: 1.4, z: 1 } } };
    const spotSize = { xy: 2.8, z: 1 };
    const probe = await detect(volume, { model: spotScaled, spotSize, threshold: 0.01, keepMap: true });
    const zoom = [0, 1, 2].reduce(
      (a, k) => a + Math.log2(probe.resampling!.to[k]! / probe.resampling!.from[k]!),
      0,
    );
    expect(zoom).toBeCloseTo(-2, 1);
    const probeScores = probe.points.map((p) => p.score).sort((a, b) => a - b);
    const low = probeScores[Math.floor(probeScores.length / 4)] as number;
    const knot = Math.min(0.99, low + 0.2);
    const zoomRule = {
      ...rule,
      confidence: probeScores.at(-1) as number,
      minSpots: 1,
      thresholds: [knot, knot],
      zoomSlope: 0.1,
    };
    const shrunk = await detect(volume, {
      model: {
        ...spotScaled,
        metadata: { ...spotScaled.metadata, threshold: 0.99, thresholdRule: zoomRule },
      },
      spotSize,
    });
    expect(shrunk.thresholdSource).toBe('signal');
    expect(shrunk.threshold).toBeCloseTo(knot + 0.1 * zoom, 6);
    const expectedScores = probe.points.filter((p) => p.score >= shrunk.threshold).map((p) => p.score);
    expect(shrunk.points.map((p) => p.score)).toEqual(expectedScores);
    // The case is exercised: maxima between the shifted threshold and the smallest of the others.
    const others = Math.min(0.99, zoomRule.confidence, knot);
    expect(expectedScores.filter((v) => v < others).length).toBeGreaterThan(0);
  }, 60_000);
});
