import { freezeNormalization, predictVolume } from '@dmdet/model';
import { localMaxima3D } from '@dmdet/postprocess';
import { normalizeInput } from '@dmdet/preprocess';
import { simulateVolume } from '@dmdet/simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIN_DISTANCE, detect } from '../src/index';
import { tinyDetector, useCpu } from './setup-tf';

beforeAll(useCpu);

describe('detect with a frozen-statistics model', () => {
  const sim = simulateVolume({ shape: [6, 40, 48], count: 12, snr: 6, seed: 3 });
  it("normalises by noise as the metadata says, and tiles give exactly the whole volume's map", async () => {
    const base = tinyDetector(0.5);
    const input = normalizeInput(sim.volume, { method: 'noise' });
    const detector = {
      model: await freezeNormalization(base.model, [input]),
      metadata: { ...base.metadata, normalization: { method: 'noise' as const } },
    };
    const map = await predictVolume(detector.model, input);
    const whole = await detect(sim.volume, { model: detector, keepMap: true });
    expect(whole.tiles).toBe(1);
    expect(Array.from(whole.map?.data ?? [])).toEqual(Array.from(map.data));
    expect(whole.points.map(({ x, y, z }) => ({ x, y, z }))).toEqual(
      localMaxima3D(map, { threshold: 0.5, minDistance: DEFAULT_MIN_DISTANCE }).map(({ x, y, z }) => ({
        x,
        y,
        z,
      })),
    );
    const tiled = await detect(sim.volume, { model: detector, keepMap: true, maxTileVoxels: 6 * 40 * 30 });
    expect(tiled.tiles).toBeGreaterThan(1);
    let worst = 0;
    for (let i = 0; i < map.data.length; i++)
      worst = Math.max(worst, Math.abs((tiled.map?.data[i] as number) - (map.data[i] as number)));
    expect(worst).toBeLessThan(1e-5);
    // with per-tile instance statistics the same tiling is not exact
    const plain = await detect(sim.volume, { model: base, keepMap: true, maxTileVoxels: 6 * 40 * 30 });
    const plainWhole = await detect(sim.volume, { model: base, keepMap: true });
    let plainWorst = 0;
    for (let i = 0; i < map.data.length; i++)
      plainWorst = Math.max(
        plainWorst,
        Math.abs((plain.map?.data[i] as number) - (plainWhole.map?.data[i] as number)),
      );
    expect(plainWorst).toBeGreaterThan(1e-4);
  }, 60_000);
});
