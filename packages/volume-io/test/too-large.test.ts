import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAX_VOLUME_BYTES, readTiff } from '../src/index';
import { readTiffFile } from '../src/node';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** A 200-byte TIFF whose one Deflate page declares 65536×65536 uint16 pixels (8 GiB). */
function hugeTiff(): ArrayBuffer {
  const entries: [number, number, number, number][] = [
    [256, 4, 1, 65536], // ImageWidth LONG
    [257, 4, 1, 65536], // ImageLength LONG
    [258, 3, 1, 16], // BitsPerSample SHORT
    [259, 3, 1, 8], // Compression: Deflate
    [262, 3, 1, 1], // Photometric: BlackIsZero
    [273, 4, 1, 8], // StripOffsets
    [277, 3, 1, 1], // SamplesPerPixel
    [278, 4, 1, 65536], // RowsPerStrip
    [279, 4, 1, 16], // StripByteCounts
  ];
  const ifd = 8 + 16;
  const buf = new ArrayBuffer(ifd + 2 + entries.length * 12 + 4);
  const v = new DataView(buf);
  v.setUint16(0, 0x4949);
  v.setUint16(2, 42, true);
  v.setUint32(4, ifd, true);
  v.setUint16(ifd, entries.length, true);
  entries.forEach(([tag, type, count, value], i) => {
    const o = ifd + 2 + i * 12;
    v.setUint16(o, tag, true);
    v.setUint16(o + 2, type, true);
    v.setUint32(o + 4, count, true);
    if (type === 3) v.setUint16(o + 8, value, true);
    else v.setUint32(o + 8, value, true);
  });
  return buf;
}

describe('a volume too large to hold', () => {
  it('is refused before allocating, naming its size and the way out', async () => {
    expect(MAX_VOLUME_BYTES).toBe(2 ** 32);
    await expect(readTiff(hugeTiff(), { file: 'huge.tif' })).rejects.toThrow(
      /huge.tif: one volume is 1×65536×65536 uint16 voxels \(8\.0 GiB\), more than is read into memory at once \(4\.0 GiB, maxBytes\)\. Read it by regions \(start, size\), as dmdet detect does by itself block by block \(--block z,y,x\), or convert it to OME-Zarr/,
    );
    await expect(readTiffFile(join(fixtures, 'imagej_uint16.tif'), { maxBytes: 100 })).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
    expect((await readTiffFile(join(fixtures, 'imagej_uint16.tif'))).shape.length).toBe(3);
  });
});

describe('readTiff of a region', () => {
  it('equals the crop of the whole volume, for strips, tiles, compression, byte order and hyperstacks', async () => {
    const { cropVolume } = await import('../src/index');
    for (const [name, opts] of [
      ['plain_uint16.tif', {}],
      ['tiled_uint16.tif', {}],
      ['lzw_uint16.tif', {}],
      ['deflate_predictor_uint16.tif', {}],
      ['bigendian_float32.tif', {}],
      ['imagej_hyperstack_tzcyx.tif', { time: 2, channel: 1 }],
      ['ome_tczyx_float32.ome.tif', { time: 1, channel: 2 }],
    ] as const) {
      const path = join(fixtures, name);
      const whole = await readTiffFile(path, opts);
      const [Z, Y, X] = whole.shape;
      const start = [Math.floor(Z / 3), Math.floor(Y / 4), Math.floor(X / 3)] as const;
      const size = [
        Math.max(1, Z - start[0] - 1),
        Math.max(1, Math.floor(Y / 2)),
        Math.max(1, X - start[2] - 1),
      ] as const;
      const region = await readTiffFile(path, { ...opts, start, size });
      const crop = cropVolume(whole, start, size);
      expect(region.shape, name).toEqual(size);
      expect(Array.from(region.data), name).toEqual(Array.from(crop.data));
      expect(region.voxelSize).toEqual(whole.voxelSize);
    }
    await expect(
      readTiffFile(join(fixtures, 'plain_uint16.tif'), { start: [0, 0, 0], size: [1, 1, 100000] }),
    ).rejects.toThrow(/region x 0\+100000 must lie inside/);
    // The size check is on the region: the 8 GiB page can be read a window at a time.
    await expect(readTiff(hugeTiff(), { start: [0, 0, 0], size: [1, 65536, 65535] })).rejects.toThrow(
      /the region is 1×65536×65535 uint16 voxels/,
    );
  });
});
