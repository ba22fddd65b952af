import { describe, expect, it } from 'vitest';
import {
  blockVoxels,
  DEFAULT_MAX_MEMORY,
  DEFAULT_MAX_TILE_VOXELS,
  detectionMemory,
  holdsSecondMap,
  MEMORY_MODEL,
  MIN_BUDGET_TILE_VOXELS,
  tileVoxelsForMemory,
} from '../src/index';

const MiB = 2 ** 20;

describe('memory model', () => {
  it('detectionMemory adds the process, each worker, the held voxels and each worker’s tile', () => {
    // 60 MiB + 2 × 140 MiB + 1 M voxels × 16 B + 2 × 0.5 M voxels × 160 B (hand-computed).
    expect(detectionMemory(2 ** 20, 2 ** 19, 2)).toBe(60 * MiB + 280 * MiB + 16 * MiB + 160 * MiB);
    // No worker: the main thread predicts, one tile at a time, no worker overhead.
    expect(detectionMemory(0, 2 ** 19, 0)).toBe(60 * MiB + 80 * MiB);
  });

  it('counts the flipped copies, the maps coming back and the float64 sum of each tile with flips', () => {
    // 4 flips: 4 × 8 B + 16 B = 48 B more per tile voxel; 2 workers × 0.5 M voxels × 48 B = 48 MiB.
    expect(detectionMemory(2 ** 20, 2 ** 19, 2, 4) - detectionMemory(2 ** 20, 2 ** 19, 2)).toBe(48 * MiB);
    // 2 flips: 2 × 8 + 16 = 32 B; 8 flips: 80 B; 1 flip: nothing more (hand-computed).
    expect(detectionMemory(0, 2 ** 20, 0, 2) - detectionMemory(0, 2 ** 20, 0)).toBe(32 * MiB);
    expect(detectionMemory(0, 2 ** 20, 0, 8) - detectionMemory(0, 2 ** 20, 0)).toBe(80 * MiB);
    expect(detectionMemory(0, 2 ** 20, 0, 1)).toBe(detectionMemory(0, 2 ** 20, 0));
    // The tile planned for 4 flips: (0.92 × 1 GiB − 340 MiB − held × 16 B) / (2 × (160 + 48) B).
    const held = 32 * 626 * 626;
    const plan = tileVoxelsForMemory(held, 2, 1024 * MiB, 4);
    expect(plan.tileVoxels).toBe(Math.floor((0.92 * 1024 * MiB - 340 * MiB - held * 16) / 416));
    expect(plan.tileVoxels).toBeLessThan(tileVoxelsForMemory(held, 2, 1024 * MiB).tileVoxels);
    expect(plan.estimate).toBe(detectionMemory(held, plan.tileVoxels, 2, 4));
    expect(plan.estimate).toBeLessThanOrEqual(1024 * MiB);
  });

  it('tileVoxelsForMemory: the largest tile within 92 % of the bound, clamped, and says when it does not fit', () => {
    // 2 workers, a 32×626×626 block held, a bound of 1 GiB: (0.92 × 1024 MiB − 340 MiB − 12.54 M × 16 B) / (2 × 160 B).
    const held = 32 * 626 * 626;
    const expected = Math.floor((0.92 * 1024 * MiB - 340 * MiB - held * 16) / 320);
    const plan = tileVoxelsForMemory(held, 2, 1024 * MiB);
    expect(plan.tileVoxels).toBe(expected);
    expect(plan.tileVoxels).toBeGreaterThan(1.2e6);
    expect(plan.tileVoxels).toBeLessThan(1.5e6);
    expect(plan.fits).toBe(true);
    expect(plan.estimate).toBeLessThanOrEqual(1024 * MiB);
    // The default bound (1.5 GiB) leaves room for the default tile here.
    expect(tileVoxelsForMemory(held, 2, DEFAULT_MAX_MEMORY).tileVoxels).toBe(DEFAULT_MAX_TILE_VOXELS);
    // Plenty of memory: never above the default tile.
    expect(tileVoxelsForMemory(held, 2, 64 * 2 ** 30).tileVoxels).toBe(DEFAULT_MAX_TILE_VOXELS);
    // More workers share the bound: smaller tiles.
    expect(tileVoxelsForMemory(held, 3, 1024 * MiB).tileVoxels).toBeLessThan(plan.tileVoxels);
    // Too little memory: the smallest tile, and fits false.
    const tight = tileVoxelsForMemory(held, 2, 256 * MiB);
    expect(tight.tileVoxels).toBe(MIN_BUDGET_TILE_VOXELS);
    expect(tight.fits).toBe(false);
    expect(tight.estimate).toBe(detectionMemory(held, MIN_BUDGET_TILE_VOXELS, 2));
    expect(MEMORY_MODEL.tileBytesPerVoxel).toBe(160);
  });

  it('counts a second map of the volume where detection may predict one (decoy term, bright pass)', () => {
    // 8 B more per voxel held: 1 M voxels → 8 MiB (hand-computed); tiles unchanged.
    expect(detectionMemory(2 ** 20, 2 ** 19, 2, 1, true) - detectionMemory(2 ** 20, 2 ** 19, 2)).toBe(
      8 * MiB,
    );
    expect(detectionMemory(2 ** 20, 2 ** 19, 2, 4, true) - detectionMemory(2 ** 20, 2 ** 19, 2, 4)).toBe(
      8 * MiB,
    );
    // The tile planned with it: (0.92 × 1 GiB − 340 MiB − held × 24 B) / (2 × 160 B).
    const held = 32 * 626 * 626;
    const plan = tileVoxelsForMemory(held, 2, 1024 * MiB, 1, true);
    expect(plan.tileVoxels).toBe(Math.floor((0.92 * 1024 * MiB - 340 * MiB - held * 24) / 320));
    expect(plan.estimate).toBe(detectionMemory(held, plan.tileVoxels, 2, 1, true));
    expect(plan.estimate).toBeLessThanOrEqual(1024 * MiB);
    // Which detections hold one.
    const decoy = { fdr: 0.1, minDecoys: 3, maxThreshold: 0.95 };
    const rule = {
      kind: 'signal' as const,
      confidence: 0.8,
      minSpots: 5,
      knots: [0],
      thresholds: [0.5],
      decoy,
    };
    const bright = { fromPeak: 40, kneeFactor: 4, separation: 2 };
    expect(holdsSecondMap({})).toBe(false);
    expect(holdsSecondMap({ thresholdRule: { ...rule, decoy: undefined } })).toBe(false);
    expect(holdsSecondMap({ thresholdRule: rule })).toBe(true);
    expect(holdsSecondMap({ thresholdRule: rule }, { decoy: false })).toBe(false);
    expect(holdsSecondMap({ thresholdRule: rule }, { threshold: 0.5 })).toBe(false);
    expect(holdsSecondMap({ brightPass: bright })).toBe(true);
    expect(holdsSecondMap({ brightPass: bright }, { brightPass: false })).toBe(false);
    expect(holdsSecondMap({ brightPass: bright }, { inputKnee: 20 })).toBe(false);
    expect(holdsSecondMap({}, { brightPass: bright })).toBe(true);
    expect(holdsSecondMap({ thresholdRule: rule, brightPass: bright }, { decoy: false })).toBe(true);
  });

  it('blockVoxels: the block and its margin on both sides, clipped to the volume', () => {
    expect(blockVoxels([32, 512, 512], [23, 57, 57], [32, 2048, 2048])).toBe(32 * 626 * 626);
    expect(blockVoxels([8, 16, 16], [2, 3, 4], [100, 100, 100])).toBe(12 * 22 * 24);
    expect(blockVoxels([8, 16, 16], [2, 3, 4], [5, 20, 100])).toBe(5 * 20 * 24);
  });
});
