import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createVolume, VolumeIoError } from '../src/index';
import {
  readPointsCsvFile,
  readPtcXmlFile,
  readTiffFile,
  readTiffFileInfo,
  writePointsCsvFile,
  writeTiffFile,
} from '../src/node';
import { FIXTURES } from './fixture-pattern';

const dir = mkdtempSync(join(tmpdir(), 'dmdet-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('@dmdet/volume-io/node', () => {
  it('reads a TIFF file lazily, one time point of a series', async () => {
    const file = join(FIXTURES, 'imagej_timeseries_tzyx.tif');
    const info = await readTiffFileInfo(file);
    expect(info.frames).toBe(40);
    const v = await readTiffFile(file, { time: 39 });
    expect(v.shape).toEqual([2, 8, 8]);
    // pattern(t=39, z=0, y=0, x=0) for uint16 = (39 * 97 * 131) % 65521
    expect(v.data[0]).toBe((39 * 97 * 131) % 65521);
  });

  it('writes a TIFF and never replaces a file unless asked', async () => {
    const path = join(dir, 'out.tif');
    const volume = createVolume(Uint16Array.from([1, 2, 3, 4]), [1, 2, 2], [1, 0.5, 0.5]);
    await writeTiffFile(path, volume);
    const before = readFileSync(path);
    const err = await writeTiffFile(path, createVolume(new Uint16Array(4), [1, 2, 2])).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VolumeIoError);
    expect(err).toMatchObject({ code: 'FILE_EXISTS', file: path });
    expect((err as Error).message).toContain('pass overwrite: true');
    expect(readFileSync(path).equals(before)).toBe(true);
    await writeTiffFile(path, createVolume(new Uint16Array(4), [1, 2, 2]), { overwrite: true });
    expect(Array.from((await readTiffFile(path)).data)).toEqual([0, 0, 0, 0]);
  });

  it('writes and reads CSV point files, refusing to overwrite', async () => {
    const path = join(dir, 'points.csv');
    const points = [{ x: 1.5, y: 2, z: 0, score: 0.9 }];
    await writePointsCsvFile(path, points);
    expect(await readPointsCsvFile(path)).toEqual(points);
    await expect(writePointsCsvFile(path, [])).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    await writePointsCsvFile(path, [], { overwrite: true });
    expect(await readPointsCsvFile(path)).toEqual([]);
  });

  it('reads PTC XML files and names missing files', async () => {
    const path = join(dir, 'gt.xml');
    writeFileSync(
      path,
      '<root><TrackContestISBI2012><particle><detection t="0" x="1" y="2" z="3"/></particle></TrackContestISBI2012></root>',
    );
    expect(await readPtcXmlFile(path)).toEqual([{ x: 1, y: 2, z: 3, track: 0 }]);
    for (const read of [readTiffFile, readPointsCsvFile, readPtcXmlFile, readTiffFileInfo]) {
      await expect(read(join(dir, 'missing.file'))).rejects.toMatchObject({
        code: 'FILE_NOT_FOUND',
        message: expect.stringContaining('missing.file: no such file'),
      });
    }
    await expect(readTiffFile(dir)).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringContaining('is not a file'),
    });
  });

  it('reports a CSV file given as a TIFF as not a TIFF', async () => {
    const path = join(dir, 'not-a.tif');
    writeFileSync(path, 'x,y,z\n');
    await expect(readTiffFile(path)).rejects.toMatchObject({ code: 'NOT_TIFF', file: path });
  });
});
