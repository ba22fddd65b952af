import { GeoTIFFImage } from 'geotiff';
import { describe, expect, it, vi } from 'vitest';
import { readTiff, readTiffInfo, VolumeIoError, volumeDType } from '../src/index';
import { expectedVolume, type FixtureEntry, fixtureBuffer, manifest } from './fixture-pattern';

const good = manifest.entries.filter((e) => e.expectError === null);
const bad = manifest.entries.filter((e) => e.expectError !== null);
const name = (e: FixtureEntry) => `${e.file} t=${e.select.time} c=${e.select.channel} (${e.note})`;

describe('readTiff on the fixture zoo written by tifffile and libtiff', () => {
  it('has a zoo to read', () => {
    expect(good.length).toBeGreaterThanOrEqual(25);
    expect(bad.length).toBeGreaterThanOrEqual(3);
  });

  it.each(good.map((e) => [name(e), e] as const))('%s', async (_, e) => {
    const volume = await readTiff(fixtureBuffer(e.file), { ...e.select, file: e.file });
    const [T, C, Z, Y, X] = e.tczyx;
    expect(volume.shape).toEqual([Z, Y, X]);
    expect(volumeDType(volume)).toBe(e.expectedDtype);
    expect(Array.from(volume.data)).toEqual(expectedVolume(e));
    if (e.voxelSize) {
      expect(volume.voxelSize).toBeDefined();
      volume.voxelSize?.forEach((v, i) => {
        expect(v).toBeCloseTo(e.voxelSize?.[i] as number, 6);
      });
    } else {
      expect(volume.voxelSize).toBeUndefined();
    }
    const info = await readTiffInfo(fixtureBuffer(e.file));
    expect(info.shape).toEqual([Z, Y, X]);
    expect([info.frames, info.channels]).toEqual([T, C]);
    expect(info.dtype).toBe(e.expectedDtype);
    expect(info.storedType).toBe(e.sourceDtype);
  });

  it.each(bad.map((e) => [e.file, e] as const))('%s fails with its code', async (_, e) => {
    const err = await readTiff(fixtureBuffer(e.file), { file: e.file }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(VolumeIoError);
    expect((err as VolumeIoError).code).toBe(e.expectError);
    expect((err as VolumeIoError).message).toContain(e.file);
  });

  it('names the metadata each file was read with', async () => {
    expect((await readTiffInfo(fixtureBuffer('imagej_uint16.tif'))).metadata).toBe('imagej');
    expect((await readTiffInfo(fixtureBuffer('ome_zyx_uint16.ome.tif'))).metadata).toBe('ome');
    expect((await readTiffInfo(fixtureBuffer('plain_uint16.tif'))).metadata).toBe('none');
  });

  it('reads the same from a Blob, a typed-array view and an ArrayBuffer', async () => {
    const buf = fixtureBuffer('ome_tczyx_float32.ome.tif');
    const padded = new Uint8Array(buf.byteLength + 7);
    padded.set(new Uint8Array(buf), 3);
    const view = padded.subarray(3, 3 + buf.byteLength);
    const opts = { time: 1, channel: 2 };
    const a = await readTiff(buf, opts);
    const b = await readTiff(new Blob([buf]), opts);
    const c = await readTiff(view, opts);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(c.data)).toEqual(Array.from(a.data));
    expect(b.voxelSize).toEqual(a.voxelSize);
  });

  it('decodes only the pages of the selected time point of a long series', async () => {
    const spy = vi.spyOn(GeoTIFFImage.prototype, 'readRasters');
    try {
      const v = await readTiff(new Blob([fixtureBuffer('imagej_timeseries_tzyx.tif')]), { time: 37 });
      expect(v.shape).toEqual([2, 8, 8]);
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('rejects a time point or channel the file does not have', async () => {
    const buf = fixtureBuffer('imagej_hyperstack_tzcyx.tif');
    await expect(readTiff(buf, { time: 3, file: 'h.tif' })).rejects.toMatchObject({
      code: 'OUT_OF_RANGE',
      message: expect.stringMatching(/h\.tif: time 3 .*3 time point/),
    });
    await expect(readTiff(buf, { channel: -1 })).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    await expect(readTiff(buf, { channel: 2 })).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    await expect(readTiff(fixtureBuffer('plain_uint16.tif'), { time: 1 })).rejects.toMatchObject({
      code: 'OUT_OF_RANGE',
    });
  });

  it('stops between pages when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      readTiff(fixtureBuffer('plain_uint16.tif'), { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('readTiff on bad input', () => {
  const expectCode = async (input: ArrayBuffer | Blob, code: string) => {
    const err = await readTiff(input, { file: 'bad.tif' }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(VolumeIoError);
    expect(err).toMatchObject({ code, file: 'bad.tif' });
    expect((err as Error).message.startsWith('bad.tif: ')).toBe(true);
    return err as VolumeIoError;
  };

  it('says a text file is not a TIFF, and shows its first bytes', async () => {
    const err = await expectCode(
      new TextEncoder().encode('x,y,z\n1,2,3\n').buffer as ArrayBuffer,
      'NOT_TIFF',
    );
    expect(err.message).toContain('78 2c 79 2c');
  });

  it('says an empty file is not a TIFF', async () => {
    await expectCode(new ArrayBuffer(0), 'NOT_TIFF');
  });

  it('reads a TIFF cut anywhere as an error, or as the full data when the cut spares it', async () => {
    for (const file of ['imagej_uint16.tif', 'lzw_uint16.tif', 'tiled_uint16.tif', 'bigtiff_uint16.tif']) {
      const full = fixtureBuffer(file);
      const whole = Array.from((await readTiff(full)).data);
      let errors = 0;
      for (const keep of [4, 9, 40, 200, Math.floor(full.byteLength / 2), full.byteLength - 1]) {
        const result = await readTiff(full.slice(0, keep), { file }).catch((x: unknown) => x);
        if (result instanceof VolumeIoError) {
          expect(['TRUNCATED', 'CORRUPT_TIFF']).toContain(result.code);
          errors++;
        } else {
          // Only metadata the reader never needs (e.g. the last IFD's Software string) was cut.
          expect(Array.from((result as { data: ArrayLike<number> }).data), `${file} cut to ${keep}`).toEqual(
            whole,
          );
        }
      }
      expect(errors, file).toBeGreaterThanOrEqual(5);
    }
  });

  it('calls a TIFF cut inside its pixel data truncated', async () => {
    // single_page_uint16.tif (tifffile): one IFD at byte 8, its 198 bytes of pixels at the end.
    const full = fixtureBuffer('single_page_uint16.tif');
    const err = await expectCode(full.slice(0, full.byteLength - 10), 'TRUNCATED');
    expect(err.message).toMatch(/page 0's image data ends at byte 454 but the file has 444 bytes/);
    // imagej_uint16.tif: the IFDs of pages 1-4 follow the pixel data; a cut there is caught too.
    await expectCode(fixtureBuffer('imagej_uint16.tif').slice(0, 2000), 'TRUNCATED');
  });

  it('explains RGB, 64-bit integers and mixed page sizes', async () => {
    expect((await expectCode(fixtureBuffer('bad_rgb.tif'), 'UNSUPPORTED_SAMPLES')).message).toMatch(/RGB/);
    expect((await expectCode(fixtureBuffer('bad_int64.tif'), 'UNSUPPORTED_SAMPLE_FORMAT')).message).toMatch(
      /64-bit int/,
    );
    expect((await expectCode(fixtureBuffer('bad_page_sizes.tif'), 'PAGE_MISMATCH')).message).toMatch(
      /page 1 is 8x6 uint16 but page 0 is 8x8/,
    );
  });
});
