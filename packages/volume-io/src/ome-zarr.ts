import { VolumeIoError } from './errors';
import type { Vec3, Volume, VolumeData, VolumeDType } from './volume';

/**
 * A Zarr store as zarrita reads it: anything with `get(key)` returning the bytes at a key (a
 * `FileSystemStore` or `FetchStore` of `@zarrita/storage`, or your own).
 */
export interface ZarrStore {
  get(key: `/${string}`, options?: unknown): Promise<Uint8Array | undefined>;
}

/** One axis of an OME-Zarr image, as its `multiscales` metadata names it. */
export interface OmeZarrAxis {
  name: string;
  type?: string;
  unit?: string;
}

/** One resolution level: its array path, shape and scale, in the image's axis order. */
export interface OmeZarrLevel {
  path: string;
  shape: number[];
  scale: number[];
}

/** What {@link openOmeZarr} found: the image's axes, levels, and the chosen level's volume geometry. */
export interface OmeZarrInfo {
  /** NGFF version of the `multiscales` metadata (`'0.4'`, `'0.5'`). */
  version: string;
  axes: OmeZarrAxis[];
  levels: OmeZarrLevel[];
  /** The level read (0: full resolution). */
  level: number;
  /** Slices, rows and columns of one volume at that level: `[z, y, x]` (z is 1 for a 2D image). */
  shape: Vec3;
  /** Time points (1 without a time axis). */
  frames: number;
  /** Channels (1 without a channel axis). */
  channels: number;
  /** Zarr data type as stored, e.g. `'uint16'`, `'int32'`, `'float64'`. */
  storedType: string;
  /** What reading returns: uint8 / uint16 / float32 kept, every other type as float32. */
  dtype: VolumeDType;
  /** Chunk size `[z, y, x]` at that level. */
  chunks: Vec3;
  /** Voxel size in µm `[z, y, x]` from the axes' units and the level's scale, when the units say. */
  voxelSize?: Vec3;
}

/** Options of {@link openOmeZarr}. */
export interface OpenOmeZarrOptions {
  /** Resolution level (0 = full resolution, the default). */
  level?: number;
  /** Name of the dataset, for error messages. */
  file?: string;
}

/** What to read from an opened OME-Zarr image. */
export interface ReadOmeZarrOptions {
  /** Time point (0-based). Default 0. */
  time?: number;
  /** Channel (0-based). Default 0. */
  channel?: number;
  /** First voxel `[z, y, x]` of a region; default the whole volume. */
  start?: Vec3;
  /** Size `[z, y, x]` of the region. */
  size?: Vec3;
}

/** An opened OME-Zarr image: its geometry, and reads of whole volumes or regions, chunk by chunk. */
export interface OmeZarrImage {
  info: OmeZarrInfo;
  /** Reads one volume (a time point and channel) or a region of it; only the chunks it touches are read. */
  read(options?: ReadOmeZarrOptions): Promise<Volume>;
}

const MICRONS: Record<string, number> = {
  angstrom: 1e-4,
  nanometer: 1e-3,
  micrometer: 1,
  millimeter: 1e3,
  centimeter: 1e4,
  meter: 1e6,
};

interface Multiscale {
  version?: string;
  axes?: (OmeZarrAxis | string)[];
  datasets?: { path: string; coordinateTransformations?: { type: string; scale?: number[] }[] }[];
  coordinateTransformations?: { type: string; scale?: number[] }[];
}

function scaleOf(transforms: Multiscale['coordinateTransformations'], n: number): number[] {
  const s = transforms?.find((t) => t.type === 'scale')?.scale;
  return Array.isArray(s) && s.length === n ? s.map(Number) : Array.from({ length: n }, () => 1);
}

/**
 * Opens an OME-Zarr image (NGFF 0.4 on Zarr v2, 0.5 on Zarr v3) with zarrita: reads its
 * `multiscales` metadata (axes, units, resolution levels and their scales) and returns its
 * geometry and a reader that fetches only the chunks a volume or region needs. Axes may be any of
 * t, c, z, y, x (a 2D yx image reads as one slice); lengths in µm come from the axes' units.
 *
 * @example
 * import FileSystemStore from '@zarrita/storage/fs';
 * const image = await openOmeZarr(new FileSystemStore('cells.ome.zarr'));
 * const volume = await image.read({ time: 1, channel: 0 });
 */
export async function openOmeZarr(store: ZarrStore, options: OpenOmeZarrOptions = {}): Promise<OmeZarrImage> {
  const where = options.file === undefined ? {} : { file: options.file };
  const zarr = await import('zarrita');
  const root = zarr.root(store as never);
  let attrs: Record<string, unknown>;
  try {
    attrs = (await zarr.open(root, { kind: 'group' })).attrs as Record<string, unknown>;
  } catch (e) {
    throw new VolumeIoError(
      'INVALID_VOLUME',
      `not a Zarr group (no .zgroup/.zattrs or zarr.json): ${(e as Error).message}`,
      { ...where, cause: e },
    );
  }
  const ome = (attrs['ome'] as Record<string, unknown> | undefined) ?? attrs;
  const multiscales = ome['multiscales'] as Multiscale[] | undefined;
  const ms = Array.isArray(multiscales) ? multiscales[0] : undefined;
  if (!ms || !Array.isArray(ms.datasets) || ms.datasets.length === 0)
    throw new VolumeIoError(
      'INVALID_VOLUME',
      'not an OME-Zarr image: its attributes have no "multiscales" with "datasets" (NGFF 0.4 .zattrs, or 0.5 zarr.json attributes.ome)',
      where,
    );
  const version = String(ms.version ?? (ome['version'] as string | undefined) ?? '');
  const axes: OmeZarrAxis[] = (ms.axes ?? ['t', 'c', 'z', 'y', 'x']).map((a) =>
    typeof a === 'string' ? { name: a } : a,
  );
  const names = axes.map((a) => a.name.toLowerCase());
  for (const need of ['y', 'x'])
    if (!names.includes(need))
      throw new VolumeIoError(
        'INVALID_VOLUME',
        `OME-Zarr axes ${JSON.stringify(names)} have no ${need} axis`,
        where,
      );
  const unknown = names.filter((n) => !['t', 'c', 'z', 'y', 'x'].includes(n));
  if (unknown.length > 0)
    throw new VolumeIoError(
      'INVALID_VOLUME',
      `OME-Zarr axes ${JSON.stringify(names)}: dmdet reads t, c, z, y, x; ${unknown.join(', ')} would be read as less than the file holds`,
      where,
    );
  const level = options.level ?? 0;
  if (!Number.isInteger(level) || level < 0 || level >= ms.datasets.length)
    throw new VolumeIoError(
      'OUT_OF_RANGE',
      `level ${level}: the image has ${ms.datasets.length} resolution level${ms.datasets.length === 1 ? '' : 's'} (0–${ms.datasets.length - 1})`,
      where,
    );
  const global = scaleOf(ms.coordinateTransformations, names.length);
  const arrays = await Promise.all(
    ms.datasets.map(async (d) => {
      try {
        return await zarr.open(root.resolve(d.path), { kind: 'array' });
      } catch (e) {
        throw new VolumeIoError(
          'INVALID_VOLUME',
          `resolution level "${d.path}" is not a readable Zarr array: ${(e as Error).message}`,
          {
            ...where,
            cause: e,
          },
        );
      }
    }),
  );
  const levels: OmeZarrLevel[] = ms.datasets.map((d, i) => ({
    path: d.path,
    shape: [...(arrays[i] as { shape: number[] }).shape],
    scale: scaleOf(d.coordinateTransformations, names.length).map((s, k) => s * (global[k] as number)),
  }));
  const array = arrays[level] as Awaited<ReturnType<typeof zarr.open.v2>> & {
    shape: number[];
    chunks: number[];
    dtype: string;
  };
  if (array.shape.length !== names.length)
    throw new VolumeIoError(
      'INVALID_VOLUME',
      `level "${levels[level]?.path}" has ${array.shape.length} dimensions, the axes name ${names.length}`,
      where,
    );
  const index = (n: string) => names.indexOf(n);
  const dim = (n: string) => (index(n) >= 0 ? (array.shape[index(n)] as number) : 1);
  const chunk = (n: string) => (index(n) >= 0 ? (array.chunks[index(n)] as number) : 1);
  const shape: Vec3 = [dim('z'), dim('y'), dim('x')];
  const storedType = String(array.dtype);
  const dtype: VolumeDType =
    storedType === 'uint8' || storedType === 'uint16' || storedType === 'float32' ? storedType : 'float32';
  if (storedType === 'bool' || storedType.startsWith('v2:') || storedType === 'string')
    throw new VolumeIoError(
      'UNSUPPORTED_SAMPLE_FORMAT',
      `data type ${storedType}: dmdet reads integer and float images`,
      where,
    );
  const scale = levels[level]?.scale as number[];
  const micron = (n: string): number | undefined => {
    const k = index(n);
    if (k < 0) return n === 'z' ? 1 : undefined;
    const unit = axes[k]?.unit;
    const f = unit ? MICRONS[unit.toLowerCase()] : undefined;
    return f === undefined ? undefined : (scale[k] as number) * f;
  };
  const vz = micron('z');
  const vy = micron('y');
  const vx = micron('x');
  const info: OmeZarrInfo = {
    version,
    axes,
    levels,
    level,
    shape,
    frames: dim('t'),
    channels: dim('c'),
    storedType,
    dtype,
    chunks: [chunk('z'), chunk('y'), chunk('x')],
    ...(vz !== undefined && vy !== undefined && vx !== undefined ? { voxelSize: [vz, vy, vx] as Vec3 } : {}),
  };
  const read = async (o: ReadOmeZarrOptions = {}): Promise<Volume> => {
    const time = o.time ?? 0;
    const channel = o.channel ?? 0;
    for (const [what, v, n] of [
      ['time', time, info.frames],
      ['channel', channel, info.channels],
    ] as const)
      if (!Number.isInteger(v) || v < 0 || v >= n)
        throw new VolumeIoError('OUT_OF_RANGE', `${what} ${v}: the image has ${n} (0–${n - 1})`, where);
    const start = o.start ?? [0, 0, 0];
    const size = o.size ?? ([shape[0] - start[0], shape[1] - start[1], shape[2] - start[2]] as Vec3);
    for (let k = 0; k < 3; k++)
      if (
        !Number.isInteger(start[k]) ||
        !Number.isInteger(size[k]) ||
        (start[k] as number) < 0 ||
        (size[k] as number) < 1 ||
        (start[k] as number) + (size[k] as number) > (shape[k] as number)
      )
        throw new VolumeIoError(
          'OUT_OF_RANGE',
          `region ${['z', 'y', 'x'][k]} ${start[k]}+${size[k]} must lie inside 0..${shape[k]}`,
          where,
        );
    const selection = names.map((n) => {
      if (n === 't') return time;
      if (n === 'c') return channel;
      const k = n === 'z' ? 0 : n === 'y' ? 1 : 2;
      return zarr.slice(start[k] as number, (start[k] as number) + (size[k] as number));
    });
    const view = (await zarr.get(array as never, selection as never)) as unknown as {
      data: ArrayLike<number | bigint>;
      shape: number[];
      stride: number[];
    };
    const out = toVolumeData(view, dtype, size);
    return { data: out, shape: size, ...(info.voxelSize ? { voxelSize: info.voxelSize } : {}) };
  };
  return { info, read };
}

/** The view's values in C order `[z, y, x]`, as the volume's dtype (bigints and other types as float32). */
function toVolumeData(
  view: { data: ArrayLike<number | bigint>; shape: number[]; stride: number[] },
  dtype: VolumeDType,
  size: Vec3,
): VolumeData {
  const n = size[0] * size[1] * size[2];
  const out =
    dtype === 'uint8' ? new Uint8Array(n) : dtype === 'uint16' ? new Uint16Array(n) : new Float32Array(n);
  // The view has one dimension per spatial axis present (z may be absent in a 2D image).
  const dims = view.shape.length;
  const stride = view.stride;
  const [Z, Y, X] = size;
  const sz = dims === 3 ? (stride[0] as number) : 0;
  const sy = stride[dims - 2] as number;
  const sx = stride[dims - 1] as number;
  let i = 0;
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let x = 0; x < X; x++) out[i++] = Number(view.data[z * sz + y * sy + x * sx]);
  return out;
}
