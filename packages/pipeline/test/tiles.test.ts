import { resolveConfig } from '@dmdet/model';
import { tilePlan } from '@dmdet/postprocess';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_TILE_VOXELS, tileLayout } from '../src/index';

const config = resolveConfig({});

describe('tileLayout', () => {
  it('a 10×512×512 volume: whole for one worker, two exact tiles for two', () => {
    const one = tileLayout([10, 512, 512], config);
    expect(one).toMatchObject({ tile: [10, 512, 512], count: 1 });
    const two = tileLayout([10, 512, 512], config, { parts: 2 });
    // half of 512 plus 33 voxels of context on the inner side, rounded up to the stride multiple 4
    expect(two).toEqual({ tile: [10, 292, 512], overlap: [17, 33, 33], align: [1, 4, 4], count: 2 });
  });

  it('keeps every tile under the voxel limit and covers the volume', () => {
    for (const [shape, max, parts] of [
      [[10, 1024, 1024], DEFAULT_MAX_TILE_VOXELS, 1],
      [[40, 300, 700], 500_000, 2],
      [[10, 200, 200], 100_000, 3],
    ] as [[number, number, number], number, number][]) {
      const l = tileLayout(shape, config, { parts, maxVoxels: max });
      expect(l.tile[0] * l.tile[1] * l.tile[2]).toBeLessThanOrEqual(max);
      expect(l.count).toBeGreaterThanOrEqual(parts);
      const counted = [0, 1, 2].reduce(
        (n, a) =>
          n *
          tilePlan(shape[a] as number, l.tile[a] as number, l.overlap[a] as number, l.align[a] as number)
            .length,
        1,
      );
      expect(counted).toBe(l.count);
    }
  });

  it('a limit below what the context needs gives the smallest tiles there are', () => {
    const l = tileLayout([6, 96, 96], config, { maxVoxels: 1000 });
    expect(l.count).toBeGreaterThan(1);
    expect(l.tile[1]).toBeLessThan(96);
  });

  it('a measured context (metadata.context) replaces the radius: less context, less work', () => {
    const region = {
      start: [0, 57, 57] as [number, number, number],
      size: [32, 512, 512] as [number, number, number],
    };
    const full = tileLayout([32, 626, 626], config, { parts: 2, maxVoxels: 1_500_000, region });
    const less = tileLayout([32, 626, 626], config, {
      parts: 2,
      maxVoxels: 1_500_000,
      region,
      context: [12, 24, 24],
    });
    expect(full.overlap).toEqual([17, 33, 33]);
    expect(less.overlap).toEqual([12, 24, 24]);
    const work = (l: typeof full) => l.count * l.tile[0] * l.tile[1] * l.tile[2];
    expect(work(less)).toBeLessThan(0.85 * work(full));
    // two tiles of 10×512×512: half of 512 plus 24 on the inner side, rounded up to 4
    expect(tileLayout([10, 512, 512], config, { parts: 2, context: [12, 24, 24] }).tile).toEqual([
      10, 280, 512,
    ]);
  });

  it('does not split a volume too small to split', () => {
    expect(tileLayout([10, 64, 64], config, { parts: 2 })).toMatchObject({ tile: [10, 64, 64], count: 1 });
  });

  it('never splits an axis into tiles that leave no core (70 px with 33 of context per side)', () => {
    // Two tiles of 68 would keep 2 voxels of core, less than the alignment 4: tilePlan refuses them.
    for (const shape of [
      [20, 70, 70],
      [40, 69, 75],
      [10, 70, 300],
    ] as [number, number, number][]) {
      const layout = tileLayout(shape, config, { parts: 2 });
      const n = [0, 1, 2].reduce(
        (acc, a) =>
          acc *
          tilePlan(
            shape[a] as number,
            layout.tile[a] as number,
            layout.overlap[a] as number,
            layout.align[a] as number,
          ).length,
        1,
      );
      expect(n).toBe(layout.count);
    }
  });
});
