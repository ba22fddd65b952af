import { Random } from '@dmdet/simulate';
import { createVolume, cropVolume, type Vec3 } from '@dmdet/volume-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { detect, detectInBlocks, modelForPixelPattern, readPixelPattern } from '../src/index';
import { tinyDetector, useCpu } from './setup-tf';

beforeAll(useCpu);

/** Camera noise (σ 5 about 100) with a per-pixel offset of σ `offset`, the same in every slice. */
function stack(shape: Vec3, offset: number, seed: number) {
  const random = new Random(seed);
  const [Z, Y, X] = shape;
  const data = Float32Array.from({ length: Z * Y * X }, () => 100 + 5 * random.normal());
  for (let p = 0; p < Y * X; p++) {
    const o = offset * random.normal();
    for (let z = 0; z < Z; z++) data[z * Y * X + p] = (data[z * Y * X + p] as number) + o;
  }
  return createVolume(data, shape);
}

const patternWarnings = (w: string[]) => w.filter((x) => /repeated in every slice/.test(x));

describe('the pixel-pattern warning', () => {
  it('reports the pattern and warns once it stands above what noise gives, not before', async () => {
    const model = tinyDetector(0.5);
    const clean = await detect(stack([12, 32, 32], 0, 1), { model });
    expect(clean.pixelPattern).toBeGreaterThan(0.7);
    expect(clean.pixelPattern).toBeLessThan(1.4);
    expect(patternWarnings(clean.warnings)).toEqual([]);
    // σ 5 offsets against noise of σ 5 over 12 slices: ratio √(1 + (√12 / 1.09)²) ≈ 3.3
    const camera = await detect(stack([12, 32, 32], 5, 2), { model });
    expect(camera.pixelPattern).toBeGreaterThan(2.5);
    expect(patternWarnings(camera.warnings)).toHaveLength(1);
    expect(patternWarnings(camera.warnings)[0]).toMatch(/subtract the camera's offset \(dark\) image/);
    expect(patternWarnings(camera.warnings)[0]).toMatch(/--model scmos/);
    // A model trained with such patterns is not sent to itself.
    const trained = {
      ...model,
      metadata: { ...model.metadata, training: { data: { general: { cameraPattern: true } } } },
    };
    const again = await detect(stack([12, 32, 32], 5, 2), { model: trained });
    expect(again.pixelPattern).toBe(camera.pixelPattern);
    expect(patternWarnings(again.warnings)).toHaveLength(1);
    expect(patternWarnings(again.warnings)[0]).toMatch(/subtract the camera's offset \(dark\) image first$/);
    const thin = await detect(stack([5, 32, 32], 5, 3), { model });
    expect(thin.pixelPattern).toBeUndefined();
    expect(patternWarnings(thin.warnings)).toEqual([]);
  }, 60_000);

  it('block by block, warns once with the largest block reading', async () => {
    const volume = stack([12, 32, 64], 5, 4);
    const source = {
      shape: volume.shape,
      read: async (start: Vec3, size: Vec3) => cropVolume(volume, start, size),
    };
    const blocks = await detectInBlocks(source, { model: tinyDetector(0.5), block: [12, 32, 32] });
    expect(blocks.blocks).toBe(2);
    expect(blocks.pixelPattern).toBeGreaterThan(2.5);
    const warned = patternWarnings(blocks.warnings);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain(`${(blocks.pixelPattern as number).toFixed(1)}×`);
    expect(warned[0]).toMatch(/--model scmos/);
  }, 60_000);
});

describe('choosing the built-in model by the pixel pattern', () => {
  it('modelForPixelPattern: scmos only above the warning level, default where none was read', () => {
    expect(modelForPixelPattern(undefined)).toBe('default');
    expect(modelForPixelPattern(Number.NaN)).toBe('default');
    expect(modelForPixelPattern(1)).toBe('default');
    expect(modelForPixelPattern(1.5)).toBe('default');
    expect(modelForPixelPattern(1.5001)).toBe('scmos');
    expect(modelForPixelPattern(9)).toBe('scmos');
  });

  it('readPixelPattern reads what detect reports, without detecting; voxels without data left out', async () => {
    const model = tinyDetector(0.5);
    for (const [offset, seed] of [
      [0, 5],
      [5, 6],
    ] as const) {
      const volume = stack([12, 32, 32], offset, seed);
      const read = readPixelPattern(volume);
      expect(read).toBe((await detect(volume, { model })).pixelPattern);
      expect(modelForPixelPattern(read)).toBe(offset === 0 ? 'default' : 'scmos');
    }
    // A slice of NaN (a registered stack's missing plane) is left out, as detect leaves it.
    const holed = stack([12, 32, 32], 5, 7);
    holed.data.fill(Number.NaN, 3 * 32 * 32, 4 * 32 * 32);
    const read = readPixelPattern(holed) as number;
    expect(read).toBeGreaterThan(2.5);
    expect(read).toBe((await detect(holed, { model })).pixelPattern);
    // Too few slices to tell a pattern from a spot, or no data at all: nothing read.
    expect(readPixelPattern(stack([5, 32, 32], 5, 8))).toBeUndefined();
    expect(
      readPixelPattern(createVolume(new Float32Array(12 * 16 * 16).fill(Number.NaN), [12, 16, 16])),
    ).toBeUndefined();
  }, 60_000);
});
