import { GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { VolumeIoError } from './errors';
import {
  imagejLayout,
  omeLayout,
  parseImageJDescription,
  plainLayout,
  type StackLayout,
} from './tiff-metadata';
import { createVolume, type Vec3, type Volume, type VolumeData, type VolumeDType } from './volume';

/** Bytes of a TIFF file: a whole buffer, or a Blob/File read lazily, page by page. */
export type TiffInput = ArrayBuffer | ArrayBufferView | Blob;

/** Options of {@link readTiff} and {@link readTiffInfo}. */
export interface ReadTiffOptions {
  /** Time point (0-based) to read from a time series or hyperstack. Default 0. */
  time?: number;
  /** Channel (0-based) to read from a multi-channel hyperstack. Default 0. */
  channel?: number;
  /** Name of the file, used in error messages. */
  file?: string;
  /** Cancels reading between pages. */
  signal?: AbortSignal;
  /**
   * Refuse (`TOO_LARGE`, before allocating) a volume whose decoded data would exceed this many
   * bytes. Default {@link MAX_VOLUME_BYTES} (4 GiB).
   */
  maxBytes?: number;
  /**
   * Read only the region `start .. start + size` (`[z, y, x]`): only its pages are decoded, and of
   * each only the strips or tiles the window touches. Default the whole volume.
   */
  start?: Vec3;
  /** Size `[z, y, x]` of the region (with `start`; default to the volume's end). */
  size?: Vec3;
}

/** The largest volume `readTiff` decodes by default: 4 GiB of voxel data. */
export const MAX_VOLUME_BYTES = 2 ** 32;

const GiB = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

/** What a TIFF holds, found from its first page and its ImageJ or OME metadata. */
export interface TiffInfo {
  /** Slices, rows and columns of one volume: `[z, y, x]`. */
  shape: Vec3;
  /** Number of channels of a hyperstack (1 otherwise). */
  channels: number;
  /** Number of time points (1 for a single stack). */
  frames: number;
  /** Sample type as stored, e.g. `'uint16'`, `'int16'`, `'float64'`. */
  storedType: string;
  /** The dtype {@link readTiff} returns: stored uint8 / uint16 / float32 are kept, all else becomes float32. */
  dtype: VolumeDType;
  /** Voxel size in µm `[z, y, x]` from ImageJ or OME metadata, when present. */
  voxelSize?: Vec3;
  /** Which metadata gave the axes: ImageJ, OME-XML, or none (every page is a slice). */
  metadata: StackLayout['source'];
}

interface PageType {
  width: number;
  height: number;
  bits: number;
  format: number;
  storedType: string;
  dtype: VolumeDType;
}

interface OpenedTiff {
  tiff: GeoTIFF;
  size: number;
  file: string | undefined;
}

const FORMAT_NAMES: Record<number, string> = { 1: 'uint', 2: 'int', 3: 'float' };

function label(file: string | undefined): { file?: string } {
  return file === undefined ? {} : { file };
}

/** Runs a geotiff call, turning its low-level failures into a {@link VolumeIoError}. */
async function guarded<T>(file: string | undefined, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof VolumeIoError) throw e;
    if ((e as Error)?.name === 'AbortError') throw e;
    if (e instanceof RangeError || /out of bounds|outside the bounds|No image at index/i.test(String(e))) {
      throw new VolumeIoError('TRUNCATED', `the TIFF ends early while reading ${what}`, {
        ...label(file),
        cause: e,
      });
    }
    throw new VolumeIoError('CORRUPT_TIFF', `could not read ${what}: ${(e as Error)?.message ?? e}`, {
      ...label(file),
      cause: e,
    });
  }
}

async function headBytes(input: TiffInput, n: number): Promise<Uint8Array> {
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    return new Uint8Array(await input.slice(0, n).arrayBuffer());
  }
  if (ArrayBuffer.isView(input)) {
    return new Uint8Array(input.buffer, input.byteOffset, Math.min(n, input.byteLength));
  }
  if (input instanceof ArrayBuffer) return new Uint8Array(input, 0, Math.min(n, input.byteLength));
  throw new VolumeIoError('INVALID_OPTION', 'TIFF input must be an ArrayBuffer, a typed array or a Blob');
}

function checkMagic(head: Uint8Array, size: number, file: string | undefined): void {
  const order = String.fromCharCode(head[0] ?? 0, head[1] ?? 0);
  if (size === 0) throw new VolumeIoError('NOT_TIFF', 'the file is empty, expected a TIFF', label(file));
  if ((order === 'II' || order === 'MM') && size < 8) {
    throw new VolumeIoError('TRUNCATED', `the TIFF header needs 8 bytes, the file has ${size}`, label(file));
  }
  const version =
    order === 'II' ? (head[2] ?? 0) | ((head[3] ?? 0) << 8) : ((head[2] ?? 0) << 8) | (head[3] ?? 0);
  if ((order !== 'II' && order !== 'MM') || (version !== 42 && version !== 43)) {
    const hex = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new VolumeIoError(
      'NOT_TIFF',
      `not a TIFF file: expected it to start with "II*\\0", "MM\\0*" or a BigTIFF header, got bytes ${hex}`,
      label(file),
    );
  }
}

async function openTiff(input: TiffInput, file: string | undefined): Promise<OpenedTiff> {
  const isBlob = typeof Blob !== 'undefined' && input instanceof Blob;
  const size = isBlob ? (input as Blob).size : (input as ArrayBuffer | ArrayBufferView).byteLength;
  checkMagic(await headBytes(input, 8), size, file);
  let source: {
    fetch(slices: { offset: number; length: number }[]): Promise<ArrayBuffer[]>;
    fileSize: number;
  };
  if (isBlob) {
    const blob = input as Blob;
    source = {
      fetch: (slices) =>
        Promise.all(slices.map((s) => blob.slice(s.offset, s.offset + s.length).arrayBuffer())),
      fileSize: size,
    };
  } else {
    const bytes = ArrayBuffer.isView(input)
      ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      : new Uint8Array(input as ArrayBuffer);
    source = {
      fetch: async (slices) => slices.map((s) => bytes.slice(s.offset, s.offset + s.length).buffer),
      fileSize: size,
    };
  }
  // geotiff's BaseSource interface is structural; fromSource reads the header and IFDs lazily.
  const tiff = await guarded(file, 'the TIFF header', () =>
    GeoTIFF.fromSource(source as unknown as Parameters<typeof GeoTIFF.fromSource>[0]),
  );
  return { tiff, size, file };
}

function pageType(image: GeoTIFFImage, page: number, file: string | undefined): PageType {
  const samples = image.getSamplesPerPixel();
  const photometric = image.fileDirectory.getValue('PhotometricInterpretation') as number | undefined;
  if (samples !== 1 || (photometric !== undefined && photometric > 1)) {
    const kind =
      photometric === 2 ? 'RGB' : photometric === 3 ? 'palette (indexed colour)' : `${samples} samples`;
    throw new VolumeIoError(
      'UNSUPPORTED_SAMPLES',
      `page ${page} is ${kind} with ${samples} sample(s) per pixel (photometric ${photometric}); ` +
        'expected single-channel grayscale pages: split the colour channels first (e.g. Fiji: Image > Color > Split Channels)',
      label(file),
    );
  }
  const bits = image.getBitsPerSample(0);
  const format = image.getSampleFormat(0) ?? 1;
  const name = FORMAT_NAMES[format];
  const ok =
    (format === 1 && (bits === 8 || bits === 16 || bits === 32)) ||
    (format === 2 && (bits === 8 || bits === 16 || bits === 32)) ||
    (format === 3 && (bits === 16 || bits === 32 || bits === 64));
  if (!ok || name === undefined) {
    throw new VolumeIoError(
      'UNSUPPORTED_SAMPLE_FORMAT',
      `page ${page} has ${bits}-bit ${name ?? `sample format ${format}`} samples; expected 8/16/32-bit integers ` +
        'or 16/32/64-bit floats',
      label(file),
    );
  }
  const storedType = `${name}${bits}`;
  const dtype: VolumeDType = storedType === 'uint8' || storedType === 'uint16' ? storedType : 'float32';
  return { width: image.getWidth(), height: image.getHeight(), bits, format, storedType, dtype };
}

async function layoutOf(opened: OpenedTiff, first: GeoTIFFImage): Promise<StackLayout> {
  const fd = first.fileDirectory;
  const description = fd.hasTag('ImageDescription')
    ? String(
        (await guarded(opened.file, 'the image description', () => fd.loadValue('ImageDescription'))) ?? '',
      )
    : '';
  const imagej = parseImageJDescription(description);
  if (imagej) {
    const res = async (tag: 'XResolution' | 'YResolution'): Promise<number | undefined> => {
      if (!fd.hasTag(tag)) return undefined;
      const v = (await guarded(opened.file, tag, () => fd.loadValue(tag))) as ArrayLike<number> | number;
      return typeof v === 'number' ? v : Number(v[0]) / Number(v[1]);
    };
    return imagejLayout(imagej, [await res('XResolution'), await res('YResolution')]);
  }
  if (/<(\w+:)?OME[\s>]/.test(description)) {
    const ome = omeLayout(description);
    if (ome) return ome;
  }
  return plainLayout(await guarded(opened.file, 'the page count', () => opened.tiff.getImageCount()));
}

async function inspect(
  opened: OpenedTiff,
): Promise<{ first: PageType; layout: StackLayout; info: TiffInfo }> {
  const firstImage = await guarded(opened.file, 'the first page', () => opened.tiff.getImage(0));
  const first = pageType(firstImage, 0, opened.file);
  const layout = await layoutOf(opened, firstImage);
  const info: TiffInfo = {
    shape: [layout.slices, first.height, first.width],
    channels: layout.channels,
    frames: layout.frames,
    storedType: first.storedType,
    dtype: first.dtype,
    metadata: layout.source,
  };
  if (layout.voxelSize) info.voxelSize = layout.voxelSize;
  return { first, layout, info };
}

/**
 * Reads what a TIFF holds (volume shape, channels, time points, sample type, voxel size) from its
 * first page and metadata, without decoding image data.
 *
 * @example
 * const info = await readTiffInfo(await file.arrayBuffer());
 * console.log(info.shape, info.channels, info.frames, info.voxelSize);
 */
export async function readTiffInfo(
  input: TiffInput,
  options: Pick<ReadTiffOptions, 'file'> = {},
): Promise<TiffInfo> {
  return (await inspect(await openTiff(input, options.file))).info;
}

function checkIndex(name: 'time' | 'channel', value: number, count: number, file: string | undefined): void {
  if (!Number.isInteger(value) || value < 0 || value >= count) {
    throw new VolumeIoError(
      'OUT_OF_RANGE',
      `${name} ${value} is not in the file: it has ${count} ${name === 'time' ? 'time point(s)' : 'channel(s)'} (0..${count - 1})`,
      label(file),
    );
  }
}

async function checkDataInFile(image: GeoTIFFImage, page: number, opened: OpenedTiff): Promise<void> {
  const fd = image.fileDirectory;
  const [offsetsTag, countsTag] = image.isTiled
    ? (['TileOffsets', 'TileByteCounts'] as const)
    : (['StripOffsets', 'StripByteCounts'] as const);
  if (!fd.hasTag(offsetsTag)) {
    throw new VolumeIoError('CORRUPT_TIFF', `page ${page} has no ${offsetsTag}`, label(opened.file));
  }
  if (!fd.hasTag(countsTag)) return;
  const what = `page ${page}'s ${offsetsTag}`;
  const offsets = (await guarded(opened.file, what, () => fd.loadValue(offsetsTag))) as ArrayLike<
    number | bigint
  >;
  const counts = (await guarded(opened.file, what, () => fd.loadValue(countsTag))) as ArrayLike<
    number | bigint
  >;
  for (let i = 0; i < offsets.length; i++) {
    const end = Number(offsets[i]) + Number(counts[i] ?? 0);
    if (end > opened.size) {
      throw new VolumeIoError(
        'TRUNCATED',
        `page ${page}'s image data ends at byte ${end} but the file has ${opened.size} bytes`,
        label(opened.file),
      );
    }
  }
}

function allocate(dtype: VolumeDType, n: number): VolumeData {
  return dtype === 'uint8'
    ? new Uint8Array(n)
    : dtype === 'uint16'
      ? new Uint16Array(n)
      : new Float32Array(n);
}

/**
 * Reads one 3D volume from a TIFF stack: every page a z-slice, or, for ImageJ hyperstacks and
 * OME-TIFF, the slices of one time point and channel. Only the pages of that volume are decoded
 * (a Blob is read lazily, so one frame of a long series costs one frame). uint8, uint16 and
 * float32 samples are kept; int8/16/32, uint32, float16 and float64 become float32. The voxel size
 * (µm) comes from ImageJ or OME metadata. Throws {@link VolumeIoError} on anything it cannot read.
 *
 * @example
 * const volume = await readTiff(await file.arrayBuffer(), { time: 3, channel: 1, file: file.name });
 */
export async function readTiff(input: TiffInput, options: ReadTiffOptions = {}): Promise<Volume> {
  const { time = 0, channel = 0, file, signal } = options;
  const opened = await openTiff(input, file);
  const { first, layout, info } = await inspect(opened);
  checkIndex('time', time, layout.frames, file);
  checkIndex('channel', channel, layout.channels, file);
  const [Z, Y, X] = info.shape;
  const start = options.start ?? [0, 0, 0];
  const size = options.size ?? ([Z - start[0], Y - start[1], X - start[2]] as Vec3);
  for (let k = 0; k < 3; k++) {
    const s0 = start[k] as number;
    const n = size[k] as number;
    if (
      !Number.isInteger(s0) ||
      !Number.isInteger(n) ||
      s0 < 0 ||
      n < 1 ||
      s0 + n > (info.shape[k] as number)
    )
      throw new VolumeIoError(
        'OUT_OF_RANGE',
        `region ${['z', 'y', 'x'][k]} ${s0}+${n} must lie inside 0..${info.shape[k]}`,
        label(file),
      );
  }
  const whole = size[0] === Z && size[1] === Y && size[2] === X;
  const [nz, ny, nx] = size;
  const bytes = nz * ny * nx * (first.dtype === 'uint8' ? 1 : first.dtype === 'uint16' ? 2 : 4);
  const maxBytes = options.maxBytes ?? MAX_VOLUME_BYTES;
  if (bytes > maxBytes)
    throw new VolumeIoError(
      'TOO_LARGE',
      `${whole ? 'one volume' : 'the region'} is ${nz}×${ny}×${nx} ${first.dtype} voxels (${GiB(bytes)}), more than is read into memory at once (${GiB(maxBytes)}, maxBytes). ` +
        'Read it by regions (start, size), as dmdet detect does by itself block by block (--block z,y,x), or convert it to OME-Zarr',
      file === undefined ? {} : { file },
    );
  const data = allocate(first.dtype, nz * ny * nx);
  const window = whole ? undefined : [start[2], start[1], start[2] + nx, start[1] + ny];
  for (let i = 0; i < nz; i++) {
    signal?.throwIfAborted();
    const z = start[0] + i;
    const page =
      layout.firstPage + z * layout.stride.z + channel * layout.stride.channel + time * layout.stride.time;
    const image = await guarded(file, `page ${page}`, () => opened.tiff.getImage(page));
    const type = pageType(image, page, file);
    if (type.width !== X || type.height !== Y || type.storedType !== first.storedType) {
      throw new VolumeIoError(
        'PAGE_MISMATCH',
        `page ${page} is ${type.width}x${type.height} ${type.storedType} but page 0 is ${X}x${Y} ${first.storedType}; ` +
          'expected all pages of a stack to have the same size and sample type',
        label(file),
      );
    }
    await checkDataInFile(image, page, opened);
    const raster = await guarded(file, `page ${page}'s image data`, () =>
      image.readRasters({ interleave: true, ...(window ? { window } : {}), ...(signal ? { signal } : {}) }),
    );
    data.set(raster as unknown as ArrayLike<number>, i * ny * nx);
  }
  return createVolume(data, [nz, ny, nx], info.voxelSize);
}
