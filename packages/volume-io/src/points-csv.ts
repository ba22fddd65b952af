import {
  type CsvRecord,
  checkRowWidths,
  columnReader,
  csvField,
  csvHeader,
  csvNumber,
  parseCsv,
} from './csv';
import { VolumeIoError } from './errors';
import type { Point, PointRecord } from './points';
import type { Vec3 } from './volume';

/** Options of {@link readPointsCsv}. */
export interface ReadPointsCsvOptions {
  /** Name of the file, used in error messages. */
  file?: string;
  /** Voxel size in µm `[z, y, x]`, to convert µm coordinates to voxels. */
  voxelSize?: Vec3;
  /**
   * Units of plain `x,y,z` columns: `'voxel'` (default) or `'um'` (then `voxelSize` is needed).
   * Columns named `x_um`/`x_µm`/`x [um]` are always µm; voxel columns win when both are present.
   */
  units?: 'voxel' | 'um';
}

/** Options of {@link writePointsCsv}. */
export interface WritePointsCsvOptions {
  /** Extra columns to write after x,y,z, in order. Default: the other keys of the first point. */
  columns?: readonly string[];
  /** Voxel size in µm `[z, y, x]`: adds `x_um,y_um,z_um` columns. */
  voxelSize?: Vec3;
  /** Field delimiter. Default `,`. */
  delimiter?: string;
}

type Axis = 'x' | 'y' | 'z';
const AXIS_INDEX: Record<Axis, number> = { z: 0, y: 1, x: 2 };
const VOXEL_RE =
  /^(?:pos(?:ition)?[_-]?)?([xyz])(?:[_-]?(?:\[|\()?(?:px|pix|pixels?|vox|voxels?)(?:\]|\))?)?$/;
const MICRON_RE = /^(?:pos(?:ition)?[_-]?)?([xyz])[_-]?(?:\[|\()?(?:um|µm|μm|microns?)(?:\]|\))?$/;
const NAPARI_RE = /^axis-(\d+)$/;
const UM_COLUMNS = new Set(['x_um', 'y_um', 'z_um']);

/** Number of axes of a napari points-layer export (`axis-0 … axis-(n-1)`), 0 when there are none. */
export function napariAxisCount(names: readonly string[]): number {
  let n = 0;
  for (const name of names) {
    const m = NAPARI_RE.exec(name.trim().toLowerCase());
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

/**
 * True for the header of a TrackMate spot table (`LABEL,ID,TRACK_ID,QUALITY,POSITION_X,…,FRAME`):
 * its POSITION_X/Y/Z are physical units, not voxels, so it must not pass for a plain point list.
 */
export function isTrackMateHeader(names: readonly string[]): boolean {
  const upper = new Set(names.map((n) => n.trim().toUpperCase()));
  return upper.has('POSITION_X') && upper.has('FRAME') && (upper.has('QUALITY') || upper.has('LABEL'));
}

// napari writes the layer's axes as axis-0 … axis-(n-1); the last three are z, y, x (a 4D layer's
// axis-0 is time), and any leading axis stays an ordinary column.
function classify(header: string, napariAxes: number): { axis: Axis; um: boolean } | undefined {
  const h = header.trim().toLowerCase().replace(/\s+/g, '');
  const v = VOXEL_RE.exec(h);
  if (v) return { axis: v[1] as Axis, um: false };
  const m = MICRON_RE.exec(h);
  if (m) return { axis: m[1] as Axis, um: true };
  const n = NAPARI_RE.exec(h);
  if (n) {
    const k = Number(n[1]) - (napariAxes - 3);
    return k >= 0 && k < 3 ? { axis: (['z', 'y', 'x'] as const)[k] as Axis, um: false } : undefined;
  }
  return undefined;
}

/** A point table as read: the points, whether they came from µm, the header and the data rows. */
export interface PointTable {
  points: PointRecord[];
  um: boolean;
  names: string[];
  rows: CsvRecord[];
}

/** {@link readPointsCsv} with what the annotation reader needs besides the points. */
export function readPointTable(text: string, options: ReadPointsCsvOptions = {}): PointTable {
  const { file, voxelSize, units = 'voxel' } = options;
  const where = file === undefined ? {} : { file };
  const records = parseCsv(text);
  const names = csvHeader(records, where, 'a header row with x, y, z');
  if (isTrackMateHeader(names)) {
    throw new VolumeIoError(
      'ANNOTATIONS_FORMAT',
      "this is a TrackMate spot table: POSITION_X/Y/Z are in the image's physical units, not voxels; " +
        "read it with readAnnotations (format 'trackmate') and the voxel size",
      where,
    );
  }
  const napariAxes = napariAxisCount(names);
  const voxelCols: Partial<Record<Axis, number>> = {};
  const umCols: Partial<Record<Axis, number>> = {};
  names.forEach((name, i) => {
    const c = classify(name, napariAxes);
    const into = c ? (c.um || units === 'um' ? umCols : voxelCols) : undefined;
    if (c && into && into[c.axis] === undefined) into[c.axis] = i;
  });
  const axes: Axis[] = ['x', 'y', 'z'];
  const useVoxel = axes.every((a) => voxelCols[a] !== undefined);
  const useUm = !useVoxel && axes.every((a) => umCols[a] !== undefined);
  if (!useVoxel && !useUm) {
    const found = axes.filter((a) => voxelCols[a] !== undefined || umCols[a] !== undefined);
    throw new VolumeIoError(
      'CSV_NO_COORDINATES',
      `no coordinate columns: expected a header naming x, y and z (e.g. "x,y,z" or "z,y,x"); ` +
        `found columns ${JSON.stringify(names)}${found.length ? ` (recognised only ${found.join(', ')})` : ''}`,
      where,
    );
  }
  if (useUm && !voxelSize) {
    throw new VolumeIoError(
      'CSV_NEEDS_VOXEL_SIZE',
      'the coordinates are in µm; pass voxelSize [z, y, x] in µm to convert them to voxels (CLI: --voxel-size z,y,x)',
      where,
    );
  }
  const cols = useVoxel ? voxelCols : umCols;
  const coordinateIndices = new Set(axes.map((a) => cols[a] as number));
  const extraIndices = names
    .map((_, i) => i)
    .filter((i) => !coordinateIndices.has(i) && !(useVoxel && Object.values(umCols).includes(i)));
  const rows = records.slice(1);
  checkRowWidths(rows, names.length, where);
  const extras = extraIndices.map((i) => [names[i] as string, columnReader(rows, i)] as const);
  const points = rows.map((r) => {
    const coord = (axis: Axis): number => {
      const i = cols[axis] as number;
      const v = csvNumber(r.fields[i] as string, r.line, names[i] as string, where);
      return useUm ? v / (voxelSize as Vec3)[AXIS_INDEX[axis]]! : v;
    };
    const point: PointRecord = { x: coord('x'), y: coord('y'), z: coord('z') };
    for (const [name, read] of extras) point[name] = read(r);
    return point;
  });
  return { points, um: useUm, names, rows };
}

/**
 * Reads a point list from CSV (or TSV / semicolon-separated) text with a header row. Coordinate
 * columns are found by name in any order (`x,y,z`, `z,y,x`, `pos_x`, `x [px]`, napari's
 * `axis-0..2` = z,y,x (a 4D layer's `axis-1..3`, its `axis-0` kept as a column), or µm columns
 * `x_um` with a voxel size); every other column is kept on each point, as numbers when the whole
 * column is numeric, else as text. A TrackMate spot table is refused (`ANNOTATIONS_FORMAT`): its
 * positions are physical units; read it with `readAnnotations`.
 *
 * @example
 * const points = readPointsCsv('x,y,z,score\n10.5,20,3,0.9\n', { file: 'det.csv' });
 * // [{ x: 10.5, y: 20, z: 3, score: 0.9 }]
 */
export function readPointsCsv(text: string, options: ReadPointsCsvOptions = {}): PointRecord[] {
  return readPointTable(text, options).points;
}

function formatValue(v: unknown, delimiter: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return String(v);
  return csvField(String(v), delimiter);
}

/**
 * Writes points as CSV: a header `x,y,z`, the extra columns, and `x_um,y_um,z_um` when a voxel
 * size is given. Numbers are written in full precision (shortest round-trip form).
 *
 * @example
 * const csv = writePointsCsv([{ x: 1, y: 2, z: 0, score: 0.8 }], { voxelSize: [0.3, 0.1, 0.1] });
 * // "x,y,z,score,x_um,y_um,z_um\n1,2,0,0.8,0.1,0.2,0\n"
 */
export function writePointsCsv(
  points: readonly (Point | PointRecord)[],
  options: WritePointsCsvOptions = {},
): string {
  const { voxelSize, delimiter = ',' } = options;
  const first = points[0] as Record<string, unknown> | undefined;
  const columns =
    options.columns ??
    Object.keys(first ?? {}).filter(
      (k) => k !== 'x' && k !== 'y' && k !== 'z' && !(voxelSize && UM_COLUMNS.has(k)),
    );
  const header = ['x', 'y', 'z', ...columns, ...(voxelSize ? ['x_um', 'y_um', 'z_um'] : [])];
  const lines = [header.map((h) => csvField(h, delimiter)).join(delimiter)];
  for (const p of points) {
    const row = [p.x, p.y, p.z, ...columns.map((c) => (p as Record<string, unknown>)[c])];
    if (voxelSize) row.push(p.x * voxelSize[2], p.y * voxelSize[1], p.z * voxelSize[0]);
    lines.push(row.map((v) => formatValue(v, delimiter)).join(delimiter));
  }
  return `${lines.join('\n')}\n`;
}
