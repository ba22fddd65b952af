import { VolumeIoError } from './errors';
import { toRational } from './rational';
import { type Volume, validateShape, volumeDType } from './volume';
import { minMax } from './volume-ops';

enum FieldType {
  ASCII = 2,
  SHORT = 3,
  LONG = 4,
  RATIONAL = 5,
}

interface Entry {
  tag: number;
  type: FieldType;
  values: number[] | string;
}

const TYPE_SIZE: Record<FieldType, number> = { 2: 1, 3: 2, 4: 4, 5: 8 };

function entryBytes(e: Entry): number {
  const count = typeof e.values === 'string' ? e.values.length + 1 : e.values.length / (e.type === 5 ? 2 : 1);
  return count * TYPE_SIZE[e.type];
}

function entryCount(e: Entry): number {
  return typeof e.values === 'string' ? e.values.length + 1 : e.values.length / (e.type === 5 ? 2 : 1);
}

/** Writes values of one field at `at` (little-endian). */
function putValues(view: DataView, at: number, e: Entry): void {
  if (typeof e.values === 'string') {
    for (let i = 0; i < e.values.length; i++) view.setUint8(at + i, e.values.charCodeAt(i));
    view.setUint8(at + e.values.length, 0);
    return;
  }
  const step = e.type === FieldType.SHORT ? 2 : 4;
  e.values.forEach((v, i) => {
    if (step === 2) view.setUint16(at + i * 2, v, true);
    else view.setUint32(at + i * 4, v, true);
  });
}

/** Bytes an IFD with these entries takes, itself plus its out-of-line values (word aligned). */
function ifdSize(entries: Entry[]): number {
  let n = 2 + entries.length * 12 + 4;
  for (const e of entries) {
    const b = entryBytes(e);
    if (b > 4) n += b + (b & 1);
  }
  return n;
}

/** Writes an IFD at `at`, its long values right after it; returns the offset of its next-IFD field. */
function putIfd(view: DataView, at: number, entries: Entry[]): number {
  view.setUint16(at, entries.length, true);
  let extra = at + 2 + entries.length * 12 + 4;
  entries.forEach((e, i) => {
    const p = at + 2 + i * 12;
    view.setUint16(p, e.tag, true);
    view.setUint16(p + 2, e.type, true);
    view.setUint32(p + 4, entryCount(e), true);
    const b = entryBytes(e);
    if (b <= 4) {
      putValues(view, p + 8, e);
    } else {
      view.setUint32(p + 8, extra, true);
      putValues(view, extra, e);
      extra += b + (b & 1);
    }
  });
  return at + 2 + entries.length * 12;
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/** The ImageJ ImageDescription of a z-stack, as ImageJ itself writes it. */
export function imagejDescription(volume: Volume): string {
  const [Z] = volume.shape;
  const lines = ['ImageJ=1.54f', `images=${Z}`];
  if (Z > 1) lines.push(`slices=${Z}`);
  if (volume.voxelSize) lines.push('unit=micron', `spacing=${formatNumber(volume.voxelSize[0])}`);
  lines.push('loop=false');
  const { min, max } = minMax(volume);
  if (Number.isFinite(min) && Number.isFinite(max))
    lines.push(`min=${formatNumber(min)}`, `max=${formatNumber(max)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Encodes a volume as a multi-page little-endian TIFF, one page per z-slice, with ImageJ metadata
 * (slice count, voxel size as resolution in pixels per µm and `spacing` in µm, `unit=micron`,
 * display range) that ImageJ/Fiji and tifffile read back with the same shape, dtype and voxel size.
 * Pixel data is stored uncompressed and contiguous, as ImageJ writes it. Files over 4 GiB are
 * refused (`TOO_LARGE`): classic TIFF offsets are 32-bit.
 *
 * @example
 * const bytes = writeTiff(volume); // ArrayBuffer, e.g. new Blob([bytes]) for a download
 */
export function writeTiff(volume: Volume): ArrayBuffer {
  const dtype = volumeDType(volume);
  validateShape(volume.shape, volume.voxelSize);
  const [Z, Y, X] = volume.shape;
  if (volume.data.length !== Z * Y * X) {
    throw new VolumeIoError(
      'INVALID_VOLUME',
      `data has ${volume.data.length} values, shape needs ${Z * Y * X}`,
    );
  }
  const bytesPerSample = volume.data.BYTES_PER_ELEMENT;
  const pageBytes = Y * X * bytesPerSample;
  const description = imagejDescription(volume);
  const resolution = volume.voxelSize
    ? { x: toRational(1 / volume.voxelSize[2]), y: toRational(1 / volume.voxelSize[1]) }
    : undefined;

  const entriesFor = (page: number, dataOffset: number): Entry[] => {
    const entries: Entry[] = [
      { tag: 254, type: FieldType.LONG, values: [0] },
      { tag: 256, type: FieldType.LONG, values: [X] },
      { tag: 257, type: FieldType.LONG, values: [Y] },
      { tag: 258, type: FieldType.SHORT, values: [bytesPerSample * 8] },
      { tag: 259, type: FieldType.SHORT, values: [1] },
      { tag: 262, type: FieldType.SHORT, values: [1] },
    ];
    if (page === 0) entries.push({ tag: 270, type: FieldType.ASCII, values: description });
    entries.push(
      { tag: 273, type: FieldType.LONG, values: [dataOffset] },
      { tag: 277, type: FieldType.SHORT, values: [1] },
      { tag: 278, type: FieldType.LONG, values: [Y] },
      { tag: 279, type: FieldType.LONG, values: [pageBytes] },
    );
    if (resolution) {
      entries.push(
        { tag: 282, type: FieldType.RATIONAL, values: resolution.x },
        { tag: 283, type: FieldType.RATIONAL, values: resolution.y },
        { tag: 296, type: FieldType.SHORT, values: [1] },
      );
    }
    entries.push({ tag: 339, type: FieldType.SHORT, values: [dtype === 'float32' ? 3 : 1] });
    return entries;
  };

  // Layout: header | IFD 0 (+ description) | pixel data of all pages | IFDs 1..Z-1.
  const ifd0Size = ifdSize(entriesFor(0, 0));
  const dataStart = Math.ceil((8 + ifd0Size) / 16) * 16;
  const otherIfdSize = ifdSize(entriesFor(1, 0));
  const ifdsStart = dataStart + Z * pageBytes + ((Z * pageBytes) % 2);
  const total = ifdsStart + (Z - 1) * otherIfdSize;
  if (total > 0xffffffff) {
    throw new VolumeIoError(
      'TOO_LARGE',
      `the TIFF would be ${total} bytes; classic TIFF holds at most 4 GiB: crop the volume or write float32 as uint16`,
    );
  }
  const buffer = new ArrayBuffer(total);
  const view = new DataView(buffer);
  view.setUint16(0, 0x4949, false);
  view.setUint16(2, 42, true);
  view.setUint32(4, 8, true);
  let nextField = putIfd(view, 8, entriesFor(0, dataStart));
  for (let z = 1; z < Z; z++) {
    const at = ifdsStart + (z - 1) * otherIfdSize;
    view.setUint32(nextField, at, true);
    nextField = putIfd(view, at, entriesFor(z, dataStart + z * pageBytes));
  }
  view.setUint32(nextField, 0, true);
  // Pixel data, little-endian like the header.
  const src = volume.data;
  if (bytesPerSample === 1) {
    new Uint8Array(buffer, dataStart, src.length).set(src);
  } else {
    for (let i = 0; i < src.length; i++) {
      const at = dataStart + i * bytesPerSample;
      if (dtype === 'uint16') view.setUint16(at, src[i] as number, true);
      else view.setFloat32(at, src[i] as number, true);
    }
  }
  return buffer;
}
