/**
 * File-path helpers of `@dmdet/volume-io` for Node.js. The main entry has no `fs`; import these
 * from `@dmdet/volume-io/node`.
 */
import { openAsBlob } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { type Annotations, type ReadAnnotationsOptions, readAnnotations } from './annotations';
import { type WriteDetectionsOptions, writeDetections } from './detections-write';
import { VolumeIoError } from './errors';
import { type OmeZarrImage, type OpenOmeZarrOptions, openOmeZarr, type ReadOmeZarrOptions } from './ome-zarr';
import type { Point, PointRecord } from './points';
import {
  type ReadPointsCsvOptions,
  readPointsCsv,
  type WritePointsCsvOptions,
  writePointsCsv,
} from './points-csv';
import { type ReadPtcXmlOptions, readPtcXml } from './ptc-xml';
import { type ReadTiffOptions, readTiff, readTiffInfo, type TiffInfo } from './tiff-read';
import { writeTiff } from './tiff-write';
import type { Volume } from './volume';

/** Options of the file writers: nothing a user has is replaced unless `overwrite` is true. */
export interface WriteFileOptions {
  /** Replace an existing file. Default false: an existing file is an error (`FILE_EXISTS`). */
  overwrite?: boolean;
}

async function existingFile(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new VolumeIoError('FILE_NOT_FOUND', 'is not a file', { file: path });
    return s.size;
  } catch (e) {
    if (e instanceof VolumeIoError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new VolumeIoError('FILE_NOT_FOUND', 'no such file', { file: path, cause: e });
    }
    throw e;
  }
}

async function readText(path: string): Promise<string> {
  await existingFile(path);
  return readFile(path, 'utf8');
}

async function writeNew(path: string, data: string | Uint8Array, options: WriteFileOptions): Promise<void> {
  try {
    await writeFile(path, data, { flag: options.overwrite ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new VolumeIoError('FILE_EXISTS', 'the file exists; pass overwrite: true to replace it', {
        file: path,
        cause: e,
      });
    }
    throw e;
  }
}

/**
 * Reads a volume from a TIFF file (see `readTiff`). The file is read lazily, so selecting one time
 * point of a long series reads only its pages.
 *
 * @example
 * const volume = await readTiffFile('cells.tif', { channel: 1 });
 */
export async function readTiffFile(
  path: string,
  options: Omit<ReadTiffOptions, 'file'> = {},
): Promise<Volume> {
  await existingFile(path);
  return readTiff(await openAsBlob(path), { ...options, file: path });
}

/** Reads shape, channels, time points, sample type and voxel size of a TIFF file without decoding it. */
export async function readTiffFileInfo(path: string): Promise<TiffInfo> {
  await existingFile(path);
  return readTiffInfo(await openAsBlob(path), { file: path });
}

/** Writes a volume as an ImageJ-compatible multi-page TIFF (see `writeTiff`); refuses to replace a file unless asked. */
export async function writeTiffFile(
  path: string,
  volume: Volume,
  options: WriteFileOptions = {},
): Promise<void> {
  await writeNew(path, new Uint8Array(writeTiff(volume)), options);
}

/** Reads a CSV point list from a file (see `readPointsCsv`). */
export async function readPointsCsvFile(
  path: string,
  options: Omit<ReadPointsCsvOptions, 'file'> = {},
): Promise<PointRecord[]> {
  return readPointsCsv(await readText(path), { ...options, file: path });
}

/** Writes points as CSV (see `writePointsCsv`); refuses to replace a file unless asked. */
export async function writePointsCsvFile(
  path: string,
  points: readonly (Point | PointRecord)[],
  options: WritePointsCsvOptions & WriteFileOptions = {},
): Promise<void> {
  await writeNew(path, writePointsCsv(points, options), options);
}

/** Writes detections in a layout another tool opens (see `writeDetections`); refuses to replace a file unless asked. */
export async function writeDetectionsFile(
  path: string,
  points: readonly PointRecord[],
  options: WriteDetectionsOptions & WriteFileOptions = {},
): Promise<void> {
  await writeNew(path, writeDetections(points, options), options);
}

/** True when `path` is a folder holding a Zarr group (`.zgroup`, `.zattrs` or `zarr.json`). */
export async function isZarrFolder(path: string): Promise<boolean> {
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) return false;
  for (const name of ['.zattrs', '.zgroup', 'zarr.json'])
    if (
      await stat(`${path}/${name}`).then(
        () => true,
        () => false,
      )
    )
      return true;
  return false;
}

/**
 * Opens an OME-Zarr folder (NGFF 0.4 or 0.5) with zarrita's file-system store (see `openOmeZarr`):
 * its axes, levels, shape, time points, channels and voxel size, and a reader of volumes and
 * regions that reads only the chunks it needs.
 *
 * @example
 * const image = await openOmeZarrFile('embryo.ome.zarr', { level: 1 });
 * console.log(image.info.shape, image.info.frames, image.info.voxelSize);
 */
export async function openOmeZarrFile(
  path: string,
  options: Omit<OpenOmeZarrOptions, 'file'> = {},
): Promise<OmeZarrImage> {
  if (!(await isZarrFolder(path)))
    throw new VolumeIoError(
      'FILE_NOT_FOUND',
      'no Zarr group here (expected a folder with .zattrs/.zgroup or zarr.json)',
      {
        file: path,
      },
    );
  const { default: FileSystemStore } = await import('@zarrita/storage/fs');
  return openOmeZarr(new FileSystemStore(path), { ...options, file: path });
}

/**
 * Reads one volume (a time point and channel, at a resolution level) of an OME-Zarr folder.
 *
 * @example
 * const volume = await readOmeZarrFile('embryo.ome.zarr', { time: 3, channel: 1 });
 */
export async function readOmeZarrFile(
  path: string,
  options: Omit<OpenOmeZarrOptions, 'file'> & ReadOmeZarrOptions = {},
): Promise<Volume> {
  const { level, ...read } = options;
  const image = await openOmeZarrFile(path, level === undefined ? {} : { level });
  return image.read(read);
}

/** Reads Particle Tracking Challenge XML ground truth from a file (see `readPtcXml`). */
export async function readPtcXmlFile(
  path: string,
  options: Omit<ReadPtcXmlOptions, 'file'> = {},
): Promise<PointRecord[]> {
  return readPtcXml(await readText(path), { ...options, file: path });
}

/**
 * Reads annotated spot positions from a file (see `readAnnotations`): plain CSV, napari points
 * CSV, Spotiflow CSV, a Fiji Measure table, a TrackMate spot table or Particle Tracking Challenge
 * XML, returned in voxels. The path names the file in errors, and a `.xml` path is read as PTC XML.
 *
 * @example
 * const { points, format } = await readAnnotationsFile('stack_spots.csv', { voxelSize: [0.3, 0.1, 0.1] });
 */
export async function readAnnotationsFile(
  path: string,
  options: Omit<ReadAnnotationsOptions, 'file'> = {},
): Promise<Annotations> {
  return readAnnotations(await readText(path), { ...options, file: path });
}
