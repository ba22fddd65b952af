import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isZarrFolder, openOmeZarrFile, readOmeZarrFile } from '../src/node';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const tczyx = join(fixtures, 'ome_v04_tczyx.zarr');

describe('OME-Zarr (NGFF 0.4, written by python3-zarr: make_ome_zarr.py)', () => {
  it('reads axes, levels, shape, time points, channels and the voxel size', async () => {
    const { info } = await openOmeZarrFile(tczyx);
    expect(info).toMatchObject({
      version: '0.4',
      level: 0,
      shape: [6, 20, 24],
      frames: 2,
      channels: 2,
      storedType: 'uint16',
      dtype: 'uint16',
      chunks: [3, 10, 12],
    });
    expect(info.axes.map((a) => a.name)).toEqual(['t', 'c', 'z', 'y', 'x']);
    expect(info.levels.map((l) => l.shape)).toEqual([
      [2, 2, 6, 20, 24],
      [2, 2, 6, 10, 12],
    ]);
    expect(info.voxelSize?.[0]).toBeCloseTo(0.3, 12);
    expect(info.voxelSize?.[1]).toBeCloseTo(0.1, 12);
    const low = await openOmeZarrFile(tczyx, { level: 1 });
    expect(low.info.shape).toEqual([6, 10, 12]);
    expect(low.info.voxelSize?.[2]).toBeCloseTo(0.2, 12);
  });

  it('every voxel of a chosen time point and channel, and of a region across chunks (Blosc and zlib)', async () => {
    for (const [t, c] of [
      [0, 0],
      [1, 1],
      [1, 0],
    ] as const) {
      const v = await readOmeZarrFile(tczyx, { time: t, channel: c });
      expect(v.shape).toEqual([6, 20, 24]);
      expect(v.data).toBeInstanceOf(Uint16Array);
      for (let z = 0; z < 6; z++)
        for (let y = 0; y < 20; y++)
          for (let x = 0; x < 24; x++)
            expect(v.data[(z * 20 + y) * 24 + x]).toBe(20000 * t + 5000 * c + 500 * z + 20 * y + x);
    }
    const image = await openOmeZarrFile(tczyx);
    const r = await image.read({ time: 1, channel: 0, start: [2, 7, 9], size: [3, 6, 5] });
    expect(r.shape).toEqual([3, 6, 5]);
    expect(r.data[0]).toBe(20000 + 500 * 2 + 20 * 7 + 9);
    expect(r.data[(2 * 6 + 5) * 5 + 4]).toBe(20000 + 500 * 4 + 20 * 12 + 13);
    const low = await readOmeZarrFile(tczyx, { level: 1, time: 1, channel: 1 });
    expect(low.data[(3 * 10 + 4) * 12 + 5]).toBe(25000 + 500 * 3 + 20 * 8 + 10);
  });

  it('a zyx float32 image in nanometres: µm voxel size, values as stored', async () => {
    const v = await readOmeZarrFile(join(fixtures, 'ome_v04_zyx_nm.zarr'));
    expect(v.shape).toEqual([4, 9, 7]);
    expect(v.voxelSize?.[0]).toBeCloseTo(0.3, 9);
    expect(v.voxelSize?.[2]).toBeCloseTo(0.1, 9);
    expect(v.data[(3 * 9 + 8) * 7 + 6]).toBeCloseTo(3 + 0.8 + 0.06, 5);
  });

  it('NGFF 0.5 on Zarr v3 (c, z, y, x; int16 read as float32; partial edge chunks)', async () => {
    const path = join(fixtures, 'ome_v05_czyx.zarr');
    const image = await openOmeZarrFile(path);
    expect(image.info).toMatchObject({
      version: '0.5',
      shape: [5, 6, 7],
      frames: 1,
      channels: 2,
      storedType: 'int16',
      dtype: 'float32',
    });
    expect(image.info.voxelSize?.[0]).toBeCloseTo(0.5, 12);
    const v = await image.read({ channel: 1 });
    expect(v.data).toBeInstanceOf(Float32Array);
    for (let z = 0; z < 5; z++)
      for (let y = 0; y < 6; y++)
        for (let x = 0; x < 7; x++) expect(v.data[(z * 6 + y) * 7 + x]).toBe(1000 - 100 * z + 10 * y + x);
    const c0 = await image.read({ channel: 0, start: [4, 5, 6], size: [1, 1, 1] });
    expect(Array.from(c0.data)).toEqual([-400 + 50 + 6]);
  });

  it('clear errors: not Zarr, no such level, time point or channel, a region outside', async () => {
    expect(await isZarrFolder(fixtures)).toBe(false);
    await expect(openOmeZarrFile(fixtures)).rejects.toThrow(/no Zarr group here/);
    await expect(openOmeZarrFile(tczyx, { level: 2 })).rejects.toThrow(
      /level 2: the image has 2 resolution levels \(0–1\)/,
    );
    const image = await openOmeZarrFile(tczyx);
    await expect(image.read({ time: 2 })).rejects.toThrow(/time 2: the image has 2 \(0–1\)/);
    await expect(image.read({ channel: -1 })).rejects.toThrow(/channel -1/);
    await expect(image.read({ start: [0, 15, 0], size: [1, 10, 1] })).rejects.toThrow(
      /region y 15\+10 must lie inside 0..20/,
    );
  });
});
