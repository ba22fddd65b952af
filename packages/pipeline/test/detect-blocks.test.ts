import { evaluatePoints } from '@dmdet/metrics';
import { findAxialGhosts, localContrasts } from '@dmdet/postprocess';
import { spotScaleFactors } from '@dmdet/preprocess';
import { GENERAL_CENTRE, mergeGeneralParams, simulateGeneral } from '@dmdet/simulate';
import { createVolume, cropVolume, type Vec3 } from '@dmdet/volume-io';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  blockMargin,
  blockVoxels,
  type DetectorModel,
  detect,
  detectInBlocks,
  type TilePredictor,
  tileVoxelsForMemory,
} from '../src/index';
import { loadModel } from '../src/node';
import { oneMap, useCpu } from './setup-tf';

let model: DetectorModel;
beforeAll(async () => {
  await useCpu();
  // One map per volume (the default model averages four: 4× the time, and not what these test).
  model = oneMap(await loadModel('default'));
}, 60_000);

/**
 * `count` spots at local SNR `snr` in the first `width` px (x) of a `shape` volume; the rest a volume
 * like it without spots (the same seed); read by regions.
 */
function spotsOnTheLeft(shape: Vec3, width: number, count: number, snr: number, seed: number) {
  const params = (n: number) =>
    mergeGeneralParams(GENERAL_CENTRE, { shape: [...shape], spots: { count: n, snr } });
  const spots = simulateGeneral(params(count), seed).volume;
  const empty = simulateGeneral(params(0), seed).volume;
  const X = shape[2];
  const data = Float32Array.from(spots.data, (v, i) => (i % X < width ? v : (empty.data[i] as number)));
  const volume = createVolume(data, spots.shape);
  const source = {
    shape: volume.shape,
    read: async (start: Vec3, size: Vec3) => cropVolume(volume, start, size),
  };
  return { volume, source };
}

/** 40 spots at SNR 7 in the left half of 6×64×128; the right half a volume like it without spots. */
const spotsInLeftHalf = () => spotsOnTheLeft([6, 64, 128], 64, 40, 7, 77);

describe('detect with a region', () => {
  it('finds what whole-volume detection finds inside the region, predicting only the tiles it needs', async () => {
    const params = mergeGeneralParams(GENERAL_CENTRE, { shape: [6, 64, 128], spots: { count: 150 } });
    const { volume } = simulateGeneral(params, 777);
    const spotSize = { xy: 1.4, z: 1 };
    const whole = await detect(volume, { model, spotSize });
    const region = { start: [0, 8, 8] as Vec3, size: [6, 24, 24] as Vec3 };
    const maxTileVoxels = 6 * 64 * 72;
    const inside = await detect(volume, { model, spotSize, region, maxTileVoxels, keepMap: true });
    const all = await detect(volume, { model, spotSize, maxTileVoxels });
    expect(inside.tiles).toBeLessThan(all.tiles);
    const within = (p: { x: number; y: number; z: number }) =>
      [p.z, p.y, p.x].every((v, k) => {
        const r = Math.round(v);
        return (
          r >= (region.start[k] as number) && r < (region.start[k] as number) + (region.size[k] as number)
        );
      });
    const expected = whole.points.filter(within);
    expect(expected.length).toBeGreaterThan(3);
    expect(inside.points.length).toBe(expected.length);
    for (const [i, p] of inside.points.entries()) {
      const q = expected[i] as (typeof expected)[0];
      expect(Math.abs(p.x - q.x) + Math.abs(p.y - q.y) + Math.abs(p.z - q.z)).toBeLessThan(1e-4);
    }
    // Far from the region the map was not predicted.
    expect(inside.map?.data[(3 * 64 + 60) * 128 + 120]).toBe(0);
    await expect(detect(volume, { model, region: { start: [0, 0, 0], size: [7, 8, 8] } })).rejects.toThrow(
      /region must be .* inside the 6×64×128 volume/,
    );
  }, 120_000);
});

describe('detectInBlocks', () => {
  it('block by block finds what whole-volume detection finds, each spot once, reading bounded regions', async () => {
    const params = mergeGeneralParams(GENERAL_CENTRE, { shape: [6, 64, 128], spots: { count: 30 } });
    const { volume, points: truth } = simulateGeneral(params, 4242);
    const reads: Vec3[] = [];
    const source = {
      shape: volume.shape,
      read: async (start: Vec3, size: Vec3) => {
        reads.push(size);
        return cropVolume(volume, start, size);
      },
    };
    const projections: { y0: number; x0: number; height: number; width: number }[] = [];
    const progress: number[] = [];
    const blocks = await detectInBlocks(source, {
      model,
      block: [6, 32, 64],
      measure: true,
      onProgress: (p) => progress.push(p.done),
      onProjection: ({ data: _d, ...where }) => projections.push(where),
    });
    const whole = await detect(volume, { model });
    expect(blocks.blocks).toBe(4);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(projections.map((p) => [p.y0, p.x0, p.height, p.width])).toEqual([
      [0, 0, 32, 64],
      [0, 64, 32, 64],
      [32, 0, 32, 64],
      [32, 64, 32, 64],
    ]);
    // The same spot size everywhere (estimated once), and as good as the whole volume against the truth.
    expect(blocks.spotSize?.source).toBe('estimated');
    const f1Blocks = evaluatePoints(truth, blocks.points, { gate: 5 }).f1;
    const f1Whole = evaluatePoints(truth, whole.points, { gate: 5 }).f1;
    expect(f1Blocks).toBeGreaterThan(f1Whole - 0.03);
    expect(evaluatePoints(whole.points, blocks.points, { gate: 1 }).f1).toBeGreaterThan(0.95);
    // No spot twice across a block border.
    for (const [i, p] of blocks.points.entries())
      for (const q of blocks.points.slice(i + 1))
        expect(Math.hypot(p.x - q.x, p.y - q.y, p.z - q.z)).toBeGreaterThan(1);
    expect(blocks.points.every((p) => p.measurement !== undefined)).toBe(true);
    // One threshold per block; the result's is their median.
    expect(blocks.blockThresholds).toHaveLength(4);
    const sorted = [...blocks.blockThresholds].sort((a, b) => a - b);
    expect(blocks.threshold).toBeCloseTo(((sorted[1] as number) + (sorted[2] as number)) / 2, 12);
    // Reads: the central region for the spot size, then each block with its margin, never the whole.
    for (const size of reads.slice(1)) expect(size[1] * size[2]).toBeLessThan(64 * 128);
    await expect(detectInBlocks(source, { model, block: [0, 8, 8] })).rejects.toThrow(/block must be/);
    await expect(detectInBlocks(source, { model, maxMemory: -1 })).rejects.toThrow(/maxMemory must be/);
    // Tiles sized for the memory bound (one block with its margin held, no worker), unless given.
    const held = blockVoxels([6, 32, 64], blockMargin(model.metadata.config, [1, 1, 1]), volume.shape);
    expect(blocks.maxTileVoxels).toBe(tileVoxelsForMemory(held, 0).tileVoxels);
    const given = await detectInBlocks(source, { model, block: [6, 64, 128], maxTileVoxels: 6 * 64 * 72 });
    expect(given.maxTileVoxels).toBe(6 * 64 * 72);
    expect(given.tiles).toBeGreaterThan(1);
    const tight = await detectInBlocks(source, { model, block: [6, 64, 128], maxMemory: 64 * 2 ** 20 });
    expect(tight.warnings.join('\n')).toMatch(/above the bound of 64 MiB/);
  }, 240_000);

  it("with a threshold rule, each block takes its threshold from its own signal, or the model's with too few confident maxima", async () => {
    const { volume, source } = spotsInLeftHalf();
    const thresholdRule = {
      kind: 'signal' as const,
      confidence: 0.8,
      minSpots: 3,
      knots: [0],
      thresholds: [0.61],
    };
    const ruled = { ...model, metadata: { ...model.metadata, thresholdRule } };
    const size = { spotSize: { xy: 1.4, z: 1 } };
    const blocks = await detectInBlocks(source, { model: ruled, block: [6, 64, 64], ...size });
    expect(blocks.thresholdSource).toBe('signal');
    expect(blocks.blockThresholds).toEqual([0.61, model.metadata.threshold]);
    const left = await detect(cropVolume(volume, [0, 0, 0], [6, 64, 64]), { model: ruled, ...size });
    expect(left.thresholdSource).toBe('signal');
    expect(left.threshold).toBe(0.61);
    const right = await detect(cropVolume(volume, [0, 0, 64], [6, 64, 64]), { model: ruled, ...size });
    expect(right.thresholdSource).toBe('model');
    expect(blocks.points.every((p) => p.score >= 0.61)).toBe(true);
  }, 120_000);

  it('runs the decoy term block by block and counts the blocks it ran in and raised', async () => {
    const { source } = spotsInLeftHalf();
    const size = { spotSize: { xy: 1.4, z: 1 } };
    const thresholdRule = {
      kind: 'signal' as const,
      confidence: 0.8,
      minSpots: 3,
      knots: [0],
      thresholds: [0.61],
    };
    const ruled = { ...model, metadata: { ...model.metadata, thresholdRule } };
    const blocks = await detectInBlocks(source, { model: ruled, block: [6, 64, 64], ...size });
    // With a decoy term that raises past any decoy maximum (fdr 0, one decoy enough), it runs in
    // the block whose signal the rule measured (the left one; the right one, without spots, keeps
    // the model's threshold); the blocks it raised are those whose threshold ended above the rule's.
    const decoyed = {
      ...model,
      metadata: {
        ...model.metadata,
        thresholdRule: { ...thresholdRule, decoy: { fdr: 0, minDecoys: 1, maxThreshold: 0.99 } },
      },
    };
    const withDecoy = await detectInBlocks(source, { model: decoyed, block: [6, 64, 64], ...size });
    const unraised = [0.61, model.metadata.threshold as number];
    expect(withDecoy.decoy?.blocks).toBe(1);
    expect(withDecoy.blockThresholds[1]).toBe(model.metadata.threshold);
    expect(withDecoy.decoy?.raised).toBe(
      withDecoy.blockThresholds.filter((t, i) => t > (unraised[i] as number)).length,
    );
    const skipped = await detectInBlocks(source, {
      model: decoyed,
      block: [6, 64, 64],
      ...size,
      decoy: false,
    });
    expect(skipped.decoy).toBeUndefined();
    expect(skipped.blockThresholds).toEqual(blocks.blockThresholds);
  }, 240_000);

  it('warns once for the blocks whose decoy raise is 0.2 or more, with the largest raise', async () => {
    const { source } = spotsInLeftHalf();
    // A map with the spots at 0.95 (input maxima 5 standard deviations above its mean) and grains at 0.75 on a fixed grid
    // of the middle slice, whatever the input: the decoy (the input negated) has the grains and no spot.
    const spotsAndGrains: TilePredictor = {
      size: 1,
      predict: async (tile) => {
        const [Z, Y, X] = tile.shape;
        const input = tile.data;
        const data = new Float32Array(Z * Y * X);
        const at = (z: number, y: number, x: number) => input[(z * Y + y) * X + x] as number;
        const mean = input.reduce((a, v) => a + v, 0) / input.length;
        const sd = Math.sqrt(input.reduce((a, v) => a + (v - mean) ** 2, 0) / input.length);
        for (let z = 0; z < Z; z++)
          for (let y = 0; y < Y; y++)
            for (let x = 0; x < X; x++) {
              const v = at(z, y, x);
              let top = v > mean + 5 * sd;
              for (let dz = -1; dz <= 1 && top; dz++)
                for (let dy = -1; dy <= 1 && top; dy++)
                  for (let dx = -1; dx <= 1 && top; dx++) {
                    const [zz, yy, xx] = [z + dz, y + dy, x + dx];
                    if (zz >= 0 && zz < Z && yy >= 0 && yy < Y && xx >= 0 && xx < X && at(zz, yy, xx) > v)
                      top = false;
                  }
              if (top) data[(z * Y + y) * X + x] = 0.95;
            }
        const z = Z >> 1;
        for (let y = 4; y < Y - 4; y += 8)
          for (let x = 4; x < X - 4; x += 8)
            if (data[(z * Y + y) * X + x] === 0) data[(z * Y + y) * X + x] = 0.75;
        return createVolume(data, [Z, Y, X]);
      },
    };
    const decoyed = {
      ...model,
      metadata: {
        ...model.metadata,
        thresholdRule: {
          kind: 'signal' as const,
          confidence: 0.8,
          minSpots: 3,
          knots: [0],
          thresholds: [0.4],
          decoy: { fdr: 0.1, minDecoys: 3, maxThreshold: 0.95 },
        },
      },
    };
    const options = { model: decoyed, block: [6, 64, 64] as Vec3, spotSize: { xy: 1.4, z: 1 } };
    const blocks = await detectInBlocks(source, { ...options, predictor: spotsAndGrains });
    // The left block: from 0.40 up until 0.76, where no grain of the decoy is left; the right block
    // (no spot, so no signal and no decoy) keeps the model's threshold.
    expect(blocks.decoy).toEqual({ blocks: 1, raised: 1 });
    expect(blocks.blockThresholds[0]).toBeCloseTo(0.76, 12);
    const warned = blocks.warnings.filter((w) => /decoy check/.test(w));
    expect(warned).toEqual([
      expect.stringMatching(
        /^the decoy check raised the threshold by up to 0\.36 in 1 of 2 blocks: many maxima/,
      ),
    ]);
    expect(warned[0]).toMatch(/--model tissue/);
    // The same warning as the block alone draws, less the blocks.
    const left = await detect(await source.read([0, 0, 0], [6, 64, 64]), {
      ...options,
      predictor: spotsAndGrains,
    });
    expect(left.decoy?.raise).toBeCloseTo(0.36, 12);
    expect(left.warnings.filter((w) => /decoy check/.test(w))).toEqual([
      (warned[0] as string).replace('by up to 0.36 in 1 of 2 blocks', 'by 0.36'),
    ]);
  }, 120_000);

  it("each block's input knee follows its own spots (blockKnees); a given inputKnee holds in every block", async () => {
    // Very bright spots (local SNR 120) in the left quarter only; blocks of 56 px in x read a margin
    // of context, so the second block sees some of them and the last two none.
    const { source } = spotsOnTheLeft([6, 48, 224], 56, 80, 120, 78);
    const options = { model, block: [6, 48, 56] as Vec3, spotSize: { xy: 1.4, z: 1 } };
    const blocks = await detectInBlocks(source, options);
    expect(blocks.blockKnees).toHaveLength(4);
    // The built-in model's rule: max(20, peak / 25), the peak near a thousand σ here.
    expect(blocks.blockKnees?.[0]).toBeGreaterThan(25);
    expect(blocks.blockKnees?.slice(2)).toEqual([20, 20]);
    // The built-in model's bright pass runs where a block's spots peak at 40 σ or more: the first
    // block, not the last two (no spots).
    expect(blocks.brightPass?.blocks).toBeGreaterThanOrEqual(1);
    expect(blocks.brightPass?.blocks).toBeLessThanOrEqual(2);
    const fixed = await detectInBlocks(source, { ...options, inputKnee: 30 });
    expect(fixed.blockKnees).toEqual([30, 30, 30, 30]);
    expect(fixed.brightPass).toBeUndefined();
  }, 120_000);

  // Against the rule applied by hand to the blocks' detections without it, with contrasts measured
  // in the whole volume: ghosts about 4 slices from their spots, blocks 4 slices deep.
  it('drops axial ghosts over all blocks at once, also where a ghost and its spot lie in different blocks', async () => {
    const params = mergeGeneralParams(GENERAL_CENTRE, {
      shape: [12, 48, 48],
      psf: { axialElongation: { amplitude: 0.3, length: 3, offset: 1 }, tilt: { x: 0.2, y: 0.2 } },
      spots: { count: 20, snr: 20 },
    });
    const { volume } = simulateGeneral(params, 14);
    const source = {
      shape: volume.shape,
      read: async (start: Vec3, size: Vec3) => cropVolume(volume, start, size),
    };
    const common = { model, block: [4, 48, 48] as Vec3, flips: 1 as const };
    const all = await detectInBlocks(source, { ...common, axialGhosts: false });
    const got = await detectInBlocks(source, common);
    const rule = model.metadata.axialGhosts;
    if (!rule || !all.spotSize || !model.metadata.spotScale)
      throw new Error('the default model has a ghost rule and a spot scale');
    const zoom = spotScaleFactors(all.spotSize, model.metadata.spotScale);
    const atScale = all.points.map((p) => ({ z: p.z * zoom[0], y: p.y * zoom[1], x: p.x * zoom[2] }));
    const contrasts = localContrasts(volume.data, volume.shape, all.points);
    const ghost = findAxialGhosts(atScale, contrasts, rule);
    expect(got.points).toEqual(all.points.filter((_, i) => !ghost[i]));
    expect(got.axialGhosts).toBe(ghost.filter(Boolean).length);
    // At least one ghost's brighter spot lies in another block (per-block rules would keep it).
    const block = (p: { z: number }) => Math.floor(Math.round(p.z) / 4);
    const across = all.points.filter(
      (p, i) =>
        ghost[i] &&
        all.points.some(
          (q, j) =>
            block(q) !== block(p) &&
            (contrasts[i] as number) < rule.ratio * (contrasts[j] as number) &&
            Math.abs((atScale[j]?.z as number) - (atScale[i]?.z as number)) >= rule.dz[0] &&
            Math.abs((atScale[j]?.z as number) - (atScale[i]?.z as number)) <= rule.dz[1] &&
            Math.hypot(
              (atScale[j]?.y as number) - (atScale[i]?.y as number),
              (atScale[j]?.x as number) - (atScale[i]?.x as number),
            ) <= rule.lateral,
        ),
    );
    expect(across.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('detectInBlocks: voxels without data', () => {
  it('skips blocks without any data, counts the blocks with missing voxels, finds nothing in them', async () => {
    const params = mergeGeneralParams(GENERAL_CENTRE, { shape: [6, 64, 256], spots: { count: 60 } });
    const { volume } = simulateGeneral(params, 99);
    const X = 256;
    // The left half NaN (a float stack masked, or chunks never written).
    const masked = createVolume(
      Float32Array.from(volume.data, (v, i) => (i % X < 128 ? Number.NaN : v)),
      volume.shape,
    );
    const source = {
      shape: masked.shape,
      read: async (start: Vec3, size: Vec3) => cropVolume(masked, start, size),
    };
    const result = await detectInBlocks(source, { model, block: [6, 64, 32], spotSize: { xy: 1.4, z: 1 } });
    expect(result.blocks).toBe(8);
    const skipped = result.blocks - result.blockThresholds.length;
    expect(skipped).toBeGreaterThan(0);
    // Skipped blocks, and the blocks whose margin reaches into the NaN half.
    expect(result.missingBlocks).toBeGreaterThan(skipped);
    expect(result.missingBlocks).toBeLessThan(8);
    expect(result.points.length).toBeGreaterThan(10);
    expect(result.points.every((p) => Math.round(p.x) >= 128)).toBe(true);
    const empty = createVolume(new Float32Array(6 * 64 * 64).fill(Number.NaN), [6, 64, 64]);
    await expect(
      detectInBlocks(
        { shape: empty.shape, read: async (start: Vec3, size: Vec3) => cropVolume(empty, start, size) },
        { model, block: [6, 64, 32], spotSize: { xy: 1.4, z: 1 } },
      ),
    ).rejects.toThrow(/no voxel of the volume holds data/);
  }, 120_000);
});
