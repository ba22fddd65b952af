import {
  type CsvRecord,
  type CsvWhere,
  checkRowWidths,
  columnReader,
  csvHeader,
  csvNumber,
  parseCsv,
} from './csv';
import { VolumeIoError } from './errors';
import type { PointRecord } from './points';
import { isTrackMateHeader, napariAxisCount, readPointTable } from './points-csv';
import { ptcDetections } from './ptc-xml';
import { micronsPerUnit } from './units';
import type { Vec3 } from './volume';

/**
 * A layout of annotated spot positions that {@link readAnnotations} reads:
 *
 * - `xyz`: plain CSV, columns `x`, `y`, `z` found by name in any order, voxels;
 * - `napari`: a napari points layer saved as CSV, `index,axis-0,axis-1,axis-2[,properties…]`;
 * - `spotiflow`: Spotiflow's CSV, `z,y,x[,intensity,probability,…]`, voxels;
 * - `fiji`: a Fiji/ImageJ Measure results table of a (multi-)point selection, ` ,…,X,Y,Ch,Slice,Frame`;
 * - `trackmate`: a TrackMate spot table exported to CSV, `LABEL,ID,TRACK_ID,QUALITY,POSITION_X,…,FRAME,…`;
 * - `ptc`: Particle Tracking Challenge XML ground truth.
 */
export type AnnotationFormat = 'xyz' | 'napari' | 'spotiflow' | 'fiji' | 'trackmate' | 'ptc';

const FORMATS: readonly AnnotationFormat[] = ['xyz', 'napari', 'spotiflow', 'fiji', 'trackmate', 'ptc'];

/** Options of {@link readAnnotations}. */
export interface ReadAnnotationsOptions {
  /** The file's layout; `'auto'` (default) tells it from the header (XML → `ptc`). */
  format?: 'auto' | AnnotationFormat;
  /** Voxel size in µm `[z, y, x]`, needed when the file's coordinates are physical (µm, nm, …). */
  voxelSize?: Vec3;
  /**
   * Units of the file's coordinates when the file does not say: `'px'` (voxels) or `'um'` (µm,
   * converted with `voxelSize`). Required for a Fiji Measure table (its X, Y are in the image's
   * calibration, which the table does not record) and for a TrackMate table without its units row;
   * for the other layouts the default is `'px'`.
   */
  units?: 'px' | 'um';
  /**
   * Time point to read, 0-based (Fiji's 1-based `Frame` 3 is time 2), or `'all'` for every point
   * with its time in `time`. Required when the file has points at several time points; ignored
   * for a file without times.
   */
  time?: number | 'all';
  /**
   * Channel to read, 0-based (Fiji's 1-based `Ch` 2 is channel 1), or `'all'` for every point with
   * its channel in `channel`. Required when the file has points in several channels; ignored for
   * a file without channels.
   */
  channel?: number | 'all';
  /** Name of the file, used in error messages; a name ending in `.xml` is read as `ptc`. */
  file?: string;
}

/** What {@link readAnnotations} read. */
export interface Annotations {
  /**
   * The points in voxels (0-based, the centre of voxel (z, y, x) at exactly (z, y, x)), each with
   * the file's other columns (napari properties, Spotiflow intensity, TrackMate QUALITY, …).
   */
  points: PointRecord[];
  /** The layout read. */
  format: AnnotationFormat;
  /** True when the layout was told from the file (format `'auto'`). */
  detected: boolean;
  /** Units of the coordinates in the file: voxels (`'px'`) or physical units converted with the voxel size (`'um'`). */
  units: 'px' | 'um';
  /** Time point (0-based) of each point, when the file has times. */
  time?: number[];
  /** Channel (0-based) of each point, when the file has channels. */
  channel?: number[];
  /** One line saying which layout was read and how its columns became voxels. */
  description: string;
}

/** A column of time points or channels, as stored (`base` 1 for Fiji's 1-based columns). */
interface IndexColumn {
  values: number[];
  column: string;
  base: 0 | 1;
}

/** What a layout's reader hands to the common time/channel selection. */
interface Parsed {
  points: PointRecord[];
  units: 'px' | 'um';
  description: string;
  time?: IndexColumn;
  channel?: IndexColumn;
}

const VOXEL_SIZE_HINT = 'pass voxelSize [z, y, x] in µm (CLI: --voxel-size z,y,x)';
const UNITS_HINT = "pass units: 'px' or 'um' (CLI: --annotation-units px|um)";
const SPOTIFLOW_COLUMNS = new Set(['intensity', 'probability', 'fwhm', 'intens_a', 'intens_b', 'snb']);
const TIME_COLUMN = /^(t|time|frame)$/i;
const CHANNEL_COLUMN = /^(c|ch|channel)$/i;

function needVoxelSize(voxelSize: Vec3 | undefined, what: string, where: CsvWhere): Vec3 {
  if (!voxelSize) {
    throw new VolumeIoError(
      'CSV_NEEDS_VOXEL_SIZE',
      `${what}; ${VOXEL_SIZE_HINT} to convert them to voxels`,
      where,
    );
  }
  return voxelSize;
}

/** A 0-based index from a cell holding a `base`-based integer (`CSV_BAD_NUMBER` otherwise). */
function indexCell(raw: string, line: number, column: string, base: 0 | 1, what: string, where: CsvWhere) {
  const v = csvNumber(raw, line, column, where);
  if (!Number.isInteger(v) || v < base) {
    throw new VolumeIoError(
      'CSV_BAD_NUMBER',
      `line ${line}, column "${column}": expected a ${base}-based integer ${what}, got ${JSON.stringify(raw)}`,
      where,
    );
  }
  return v - base;
}

function findColumn(names: readonly string[], wanted: string): number {
  return names.indexOf(wanted);
}

function missingColumn(
  layout: string,
  missing: readonly string[],
  names: readonly string[],
  where: CsvWhere,
) {
  return new VolumeIoError(
    'CSV_NO_COORDINATES',
    `${layout}: no column ${missing.map((m) => `"${m}"`).join(', ')}; found columns ${JSON.stringify(names)}`,
    where,
  );
}

/** Tells the layout from the text: XML → ptc, else from the CSV header. */
function detectFormat(text: string, file: string | undefined): AnnotationFormat {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (/^\s*</.test(src) || (file !== undefined && /\.xml$/i.test(file))) return 'ptc';
  const header = parseCsv(src)[0];
  if (!header) return 'xyz'; // readPointsCsv explains the empty file
  const names = header.fields.map((f) => f.trim());
  const lower = names.map((n) => n.toLowerCase());
  if (isTrackMateHeader(names)) return 'trackmate';
  if (napariAxisCount(names) > 0) return 'napari';
  if (isFijiHeader(names)) return 'fiji';
  if (lower[0] === 'z' && lower[1] === 'y' && lower[2] === 'x' && lower.some((n) => SPOTIFLOW_COLUMNS.has(n)))
    return 'spotiflow';
  return 'xyz';
}

// ImageJ's Results table: "X" or "Y" (capitals), no Z column, and something only it writes (the
// blank-named row-number column, Slice/Ch/Frame, a measurement, the point counters).
function isFijiHeader(names: readonly string[]): boolean {
  if (!names.includes('X') && !names.includes('Y')) return false;
  if (names.some((n) => n.toLowerCase() === 'z')) return false;
  const marks = ['Slice', 'Ch', 'Frame', 'Area', 'Mean', 'Min', 'Max', 'Counter', 'Count', 'Label'];
  return names[0] === '' || names.some((n) => marks.includes(n));
}

/** Time and channel columns of a plain or Spotiflow CSV (0-based, as written). */
function plainIndexColumns(names: readonly string[], rows: readonly CsvRecord[], where: CsvWhere) {
  const pick = (re: RegExp, what: string): IndexColumn | undefined => {
    const i = names.findIndex((n) => re.test(n));
    if (i < 0) return undefined;
    const column = names[i] as string;
    return {
      column,
      base: 0,
      values: rows.map((r) => indexCell(r.fields[i] as string, r.line, column, 0, what, where)),
    };
  };
  return { time: pick(TIME_COLUMN, 'time point'), channel: pick(CHANNEL_COLUMN, 'channel') };
}

function readPlain(
  text: string,
  format: 'xyz' | 'spotiflow',
  options: ReadAnnotationsOptions,
  where: CsvWhere,
): Parsed {
  const table = readPointTable(text, {
    ...where,
    ...(options.voxelSize ? { voxelSize: options.voxelSize } : {}),
    units: options.units === 'um' ? 'um' : 'voxel',
  });
  const { time, channel } = plainIndexColumns(table.names, table.rows, where);
  for (const p of table.points) {
    if (time) delete p[time.column];
    if (channel) delete p[channel.column];
  }
  const how = table.um ? 'in µm ÷ voxel size' : 'in voxels';
  const description =
    format === 'spotiflow'
      ? `Spotiflow CSV: z, y, x ${how}, other columns (intensity, probability, …) kept`
      : `plain CSV: x, y, z columns by name ${how}${time ? `, "${time.column}" = time` : ''}${
          channel ? `, "${channel.column}" = channel` : ''
        }`;
  return {
    points: table.points,
    units: table.um ? 'um' : 'px',
    description,
    ...(time ? { time } : {}),
    ...(channel ? { channel } : {}),
  };
}

// napari's CSV writer (napari_builtins/io/_write.py, napari_write_points) writes
// `index, axis-0 … axis-(D-1), <properties>`: the layer's *data* coordinates, in which the centre of
// pixel i is at i. For a 3D layer axis-0..2 are z, y, x; a 4D layer (time slider) has axis-0 = t.
function readNapari(text: string, options: ReadAnnotationsOptions, where: CsvWhere): Parsed {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const names = (parseCsv(src)[0]?.fields ?? []).map((f) => f.trim());
  const axes = napariAxisCount(names);
  if (axes === 0) throw missingColumn('napari points CSV', ['axis-0', 'axis-1', 'axis-2'], names, where);
  if (axes !== 3 && axes !== 4) {
    throw new VolumeIoError(
      'ANNOTATIONS_FORMAT',
      axes < 3
        ? `a ${axes}-D napari points layer (axis-0..axis-${axes - 1}): expected a 3D layer (axis-0..2 = z, y, x) or 4D (axis-0 = time)`
        : `a ${axes}-D napari points layer: expected 3D (axis-0..2 = z, y, x) or 4D (axis-0 = time, axis-1..3 = z, y, x); ` +
            'save the points of a 3D or 4D layer',
      where,
    );
  }
  const table = readPointTable(text, {
    ...where,
    ...(options.voxelSize ? { voxelSize: options.voxelSize } : {}),
    units: options.units === 'um' ? 'um' : 'voxel',
  });
  const timeIndex = axes === 4 ? table.names.findIndex((n) => n.toLowerCase() === 'axis-0') : -1;
  const time: IndexColumn | undefined =
    timeIndex >= 0
      ? {
          column: table.names[timeIndex] as string,
          base: 0,
          values: table.rows.map((r) =>
            indexCell(r.fields[timeIndex] as string, r.line, 'axis-0', 0, 'time point', where),
          ),
        }
      : undefined;
  const indexName = table.names.find((n) => n.toLowerCase() === 'index');
  for (const p of table.points) {
    if (indexName !== undefined) delete p[indexName];
    if (time) delete p[time.column];
  }
  return {
    points: table.points,
    units: table.um ? 'um' : 'px',
    description:
      axes === 4
        ? 'napari points layer CSV (4D): axis-0 = time, axis-1..3 = z, y, x in voxels'
        : `napari points layer CSV: axis-0..2 = z, y, x ${table.um ? 'in µm ÷ voxel size' : 'in voxels'}`,
    ...(time ? { time } : {}),
  };
}

// ImageJ Analyze > Measure of a (multi-)point selection (ij/plugin/filter/Analyzer.java,
// savePoints): X = cal.getX(x) = (x − xOrigin) · pixelWidth and Y likewise, where x, y are the
// point's coordinates. Point selections use the pixel-centre convention: "Line and Point Rois:
// Integer coordinates refer to the center of a pixel" (ij/gui/Roi.java; PointRoi subtracts 0.5 from
// the canvas' area coordinate and rounds it below 150 % zoom). So a point on pixel i has X = i
// pixels, i · pixelWidth when calibrated, and the centre of voxel i maps to i with no offset.
// Slice, Ch and Frame are the 1-based stack position of the point.
function readFiji(text: string, options: ReadAnnotationsOptions, where: CsvWhere): Parsed {
  const records = parseCsv(text);
  const names = csvHeader(records, where, 'a Fiji Measure table with X, Y (and Slice, Ch, Frame)');
  const ix = findColumn(names, 'X');
  const iy = findColumn(names, 'Y');
  const missing = [ix < 0 ? 'X' : '', iy < 0 ? 'Y' : ''].filter((m) => m);
  if (missing.length) throw missingColumn('Fiji Measure table', missing, names, where);
  const { units } = options;
  if (units === undefined) {
    throw new VolumeIoError(
      'ANNOTATIONS_NEEDS_UNITS',
      "a Fiji Measure table gives X and Y in the image's calibrated units (µm when the image is calibrated, " +
        `pixels otherwise) and does not say which; ${UNITS_HINT}, and with 'um' the voxel size (${VOXEL_SIZE_HINT})`,
      where,
    );
  }
  const vs =
    units === 'um'
      ? needVoxelSize(options.voxelSize, 'the table\'s X and Y are in µm (units: "um")', where)
      : undefined;
  const rows = records.slice(1);
  checkRowWidths(rows, names.length, where);
  const iz = findColumn(names, 'Slice');
  const ic = findColumn(names, 'Ch');
  const it = findColumn(names, 'Frame');
  const used = new Set([ix, iy, iz, ic, it]);
  const extras = names
    .map((name, i) => ({ name, i }))
    .filter(({ name, i }) => !used.has(i) && !(i === 0 && name === ''))
    .map(({ name, i }) => [name, columnReader(rows, i)] as const);
  const points = rows.map((r) => {
    const X = csvNumber(r.fields[ix] as string, r.line, 'X', where);
    const Y = csvNumber(r.fields[iy] as string, r.line, 'Y', where);
    const z = iz >= 0 ? indexCell(r.fields[iz] as string, r.line, 'Slice', 1, 'slice number', where) : 0;
    const point: PointRecord = { x: vs ? X / vs[2] : X, y: vs ? Y / vs[1] : Y, z };
    for (const [name, read] of extras) point[name] = read(r);
    return point;
  });
  const column = (i: number, name: string, what: string): IndexColumn | undefined =>
    i < 0
      ? undefined
      : {
          column: name,
          base: 1,
          values: rows.map((r) => indexCell(r.fields[i] as string, r.line, name, 1, what, where)),
        };
  const time = column(it, 'Frame', 'frame number');
  const channel = column(ic, 'Ch', 'channel number');
  return {
    points,
    units,
    description:
      `Fiji Measure table: X, Y ${vs ? 'in µm ÷ voxel size' : 'in pixels'} (point selections: pixel i at i)` +
      `${iz >= 0 ? ', Slice − 1 = z' : ', no Slice column: z = 0'}${ic >= 0 ? ', Ch − 1 = channel' : ''}${
        it >= 0 ? ', Frame − 1 = time' : ''
      }`,
    ...(time ? { time } : {}),
    ...(channel ? { channel } : {}),
  };
}

// TrackMate's spot table export (fiji.plugin.trackmate.visualization.table.TablePanel.exportToCsv,
// TrackMate ≥ 7): a header of feature keys (LABEL, ID, TRACK_ID, QUALITY, POSITION_X, …), then up to
// three more header rows — long names and short names (each starting "Label", left out when equal
// to the row above) and units ("", "(micron)", …) — then one row per spot. Detectors store
// POSITION_X = pixel index × pixel width (e.g. x = refinedPeak.getDoublePosition(0) * calibration[0]),
// so the centre of voxel i is at i × calibration and voxel = position ÷ voxel size. FRAME is 0-based.
function readTrackMate(text: string, options: ReadAnnotationsOptions, where: CsvWhere): Parsed {
  const records = parseCsv(text);
  const names = csvHeader(records, where, 'a TrackMate spot table header (LABEL, …, POSITION_X, …)');
  const upper = names.map((n) => n.toUpperCase());
  const [ix, iy, iz] = ['POSITION_X', 'POSITION_Y', 'POSITION_Z'].map((c) => upper.indexOf(c)) as [
    number,
    number,
    number,
  ];
  const missing = ['POSITION_X', 'POSITION_Y', 'POSITION_Z'].filter((_, k) => [ix, iy, iz][k]! < 0);
  if (missing.length) throw missingColumn('TrackMate spot table', missing, names, where);
  let next = 1;
  let unitCell: string | undefined;
  for (let k = 0; k < 3 && next < records.length; k++) {
    const fields = (records[next] as CsvRecord).fields.map((f) => f.trim());
    if (fields[0] === 'Label') {
      next++;
    } else if (fields.every((f, i) => f === '' || (i > 0 && /^\(.*\)$/.test(f)))) {
      unitCell = fields[ix];
      next++;
      break;
    } else break;
  }
  const rows = records.slice(next);
  checkRowWidths(rows, names.length, where);

  // µm per unit of the positions; undefined for pixels.
  let perUnit: number | undefined;
  let unitName: string;
  const fileUnit = unitCell?.replace(/^\((.*)\)$/, '$1').trim();
  if (fileUnit !== undefined && fileUnit !== '') {
    const isPixel = /^pix(el)?s?$/i.test(fileUnit);
    perUnit = isPixel ? undefined : micronsPerUnit(fileUnit);
    if (!isPixel && perUnit === undefined) {
      throw new VolumeIoError(
        'ANNOTATIONS_NEEDS_UNITS',
        `the TrackMate table gives positions in "${fileUnit}", a unit not known here (pixel, µm, micron, nm, mm, …)`,
        where,
      );
    }
    if (options.units !== undefined && (options.units === 'px') !== isPixel) {
      throw new VolumeIoError(
        'INVALID_OPTION',
        `units: '${options.units}' contradicts the table, whose units row gives positions in "${fileUnit}"`,
        where,
      );
    }
    unitName = fileUnit;
  } else if (options.units !== undefined) {
    perUnit = options.units === 'um' ? 1 : undefined;
    unitName = options.units === 'um' ? 'µm' : 'pixels';
  } else {
    throw new VolumeIoError(
      'ANNOTATIONS_NEEDS_UNITS',
      "the TrackMate table has no units row, so the units of POSITION_X/Y/Z are unknown (the image's " +
        `calibration: µm when calibrated, pixels otherwise); ${UNITS_HINT}, and with 'um' the voxel size (${VOXEL_SIZE_HINT})`,
      where,
    );
  }
  const vs =
    perUnit === undefined
      ? undefined
      : needVoxelSize(options.voxelSize, `the TrackMate positions are in ${unitName}`, where);
  const scale = (v: number, axis: 0 | 1 | 2) => (vs ? (v * (perUnit as number)) / vs[axis] : v);
  const it = upper.indexOf('FRAME');
  const used = new Set([ix, iy, iz, it]);
  const extras = names
    .map((name, i) => ({ name, i }))
    .filter(({ i }) => !used.has(i))
    .map(({ name, i }) => [name, columnReader(rows, i)] as const);
  const points = rows.map((r) => {
    const point: PointRecord = {
      x: scale(csvNumber(r.fields[ix] as string, r.line, names[ix] as string, where), 2),
      y: scale(csvNumber(r.fields[iy] as string, r.line, names[iy] as string, where), 1),
      z: scale(csvNumber(r.fields[iz] as string, r.line, names[iz] as string, where), 0),
    };
    for (const [name, read] of extras) point[name] = read(r);
    return point;
  });
  const time: IndexColumn | undefined =
    it < 0
      ? undefined
      : {
          column: names[it] as string,
          base: 0,
          values: rows.map((r) =>
            indexCell(r.fields[it] as string, r.line, names[it] as string, 0, 'frame', where),
          ),
        };
  return {
    points,
    units: vs ? 'um' : 'px',
    description: `TrackMate spot table: POSITION_X/Y/Z in ${unitName}${vs ? ' ÷ voxel size' : ''}${
      time ? ', FRAME = time' : ''
    }`,
    ...(time ? { time } : {}),
  };
}

function readPtc(text: string, options: ReadAnnotationsOptions, where: CsvWhere): Parsed {
  const byFrame = ptcDetections(text, where.file);
  const frames = [...byFrame.keys()].sort((a, b) => a - b);
  const vs =
    options.units === 'um'
      ? needVoxelSize(options.voxelSize, 'the coordinates are in µm (units: "um")', where)
      : undefined;
  const points: PointRecord[] = [];
  const values: number[] = [];
  for (const t of frames) {
    for (const p of byFrame.get(t) ?? []) {
      points.push(vs ? { ...p, x: p.x / vs[2], y: p.y / vs[1], z: p.z / vs[0] } : p);
      values.push(t);
    }
  }
  if (values.some((t) => !Number.isInteger(t) || t < 0)) {
    throw new VolumeIoError(
      'CSV_BAD_NUMBER',
      'a detection has a time t that is not a 0-based integer',
      where,
    );
  }
  return {
    points,
    units: vs ? 'um' : 'px',
    description: `Particle Tracking Challenge XML: x, y, z ${vs ? 'in µm ÷ voxel size' : 'in voxels'}, t = time`,
    time: { column: 't', base: 0, values },
  };
}

function list(values: readonly number[], base: 0 | 1, column: string, name: 'time' | 'channel'): string {
  const shown = values.slice(0, 12);
  const more = values.length > shown.length ? `, … (${values.length} in all)` : '';
  const ours = `${name} = ${shown.join(', ')}${more}`;
  return base === 0 ? ours : `${ours} (column "${column}" = ${shown.map((v) => v + base).join(', ')}${more})`;
}

/** Which rows a time or channel option keeps; refuses what would silently read less. */
function selection(
  col: IndexColumn | undefined,
  wanted: number | 'all' | undefined,
  name: 'time' | 'channel',
  where: CsvWhere,
): ((row: number) => boolean) | undefined {
  if (!col || wanted === 'all') return undefined;
  const distinct = [...new Set(col.values)].sort((a, b) => a - b);
  const plural = name === 'time' ? 'time points' : 'channels';
  if (wanted === undefined) {
    if (distinct.length > 1) {
      throw new VolumeIoError(
        name === 'time' ? 'ANNOTATIONS_TIME_REQUIRED' : 'ANNOTATIONS_CHANNEL_REQUIRED',
        `the file has points ${name === 'time' ? 'at' : 'in'} ${distinct.length} ${plural}: ` +
          `${list(distinct, col.base, col.column, name)}; ` +
          `pass ${name} (0-based) to read one, or ${name}: 'all' to read every point with its ${name}`,
        where,
      );
    }
    return undefined;
  }
  const first = distinct[0];
  const last = distinct[distinct.length - 1];
  if (first !== undefined && last !== undefined && (wanted < first || wanted > last)) {
    throw new VolumeIoError(
      name === 'time' ? 'ANNOTATIONS_NO_SUCH_TIME' : 'ANNOTATIONS_NO_SUCH_CHANNEL',
      `no points at ${name} ${wanted}${col.base ? ` (column "${col.column}" = ${wanted + col.base})` : ''}; ` +
        `the file has ${list(distinct, col.base, col.column, name)}`,
      where,
    );
  }
  return (row) => col.values[row] === wanted;
}

function checkOptions(options: ReadAnnotationsOptions, where: CsvWhere): void {
  const { format, voxelSize, units, time, channel } = options;
  if (format !== undefined && format !== 'auto' && !FORMATS.includes(format)) {
    throw new VolumeIoError(
      'INVALID_OPTION',
      `format must be 'auto' or one of ${FORMATS.map((f) => `'${f}'`).join(', ')}, got ${JSON.stringify(format)}`,
      where,
    );
  }
  if (
    voxelSize !== undefined &&
    (!Array.isArray(voxelSize) ||
      voxelSize.length !== 3 ||
      !voxelSize.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0))
  ) {
    throw new VolumeIoError(
      'INVALID_OPTION',
      `voxelSize must be three positive numbers [z, y, x] in µm, got ${JSON.stringify(voxelSize)}`,
      where,
    );
  }
  if (units !== undefined && units !== 'px' && units !== 'um') {
    throw new VolumeIoError(
      'INVALID_OPTION',
      `units must be 'px' or 'um', got ${JSON.stringify(units)}`,
      where,
    );
  }
  for (const [name, v] of [
    ['time', time],
    ['channel', channel],
  ] as const) {
    if (v !== undefined && v !== 'all' && !(Number.isInteger(v) && v >= 0)) {
      throw new VolumeIoError(
        'INVALID_OPTION',
        `${name} must be a 0-based integer or 'all', got ${JSON.stringify(v)}`,
        where,
      );
    }
  }
}

/**
 * Reads annotated spot positions as microscopists have them — plain `x,y,z` / `z,y,x` CSV, a
 * napari points layer CSV, Spotiflow CSV, a Fiji multi-point Measure table, a TrackMate spot table
 * or Particle Tracking Challenge XML — and returns them in voxels (0-based, the centre of voxel
 * (z, y, x) at exactly (z, y, x)). The layout is told from the header unless `format` says it
 * (the result says which, in `format` and `description`). µm are converted with `voxelSize`;
 * a file whose units cannot be resolved is refused, naming the option that gives them. A file with
 * points at several time points or channels is refused unless `time` / `channel` picks one (or
 * `'all'`, which returns each point's time and channel alongside it): never read as less than it
 * holds.
 *
 * @example
 * const { points, format, description } = readAnnotations(csvText, {
 *   file: 'cells_spots.csv',
 *   voxelSize: [0.3, 0.1, 0.1],
 *   units: 'um',
 * });
 * console.log(format, description, points.length); // 'fiji' 'Fiji Measure table: X, Y in µm ÷ voxel size …' 12
 */
export function readAnnotations(text: string, options: ReadAnnotationsOptions = {}): Annotations {
  const where: CsvWhere = options.file === undefined ? {} : { file: options.file };
  checkOptions(options, where);
  const detected = options.format === undefined || options.format === 'auto';
  const format = detected ? detectFormat(text, options.file) : (options.format as AnnotationFormat);
  let parsed: Parsed;
  try {
    if (format === 'xyz' || format === 'spotiflow') parsed = readPlain(text, format, options, where);
    else if (format === 'napari') parsed = readNapari(text, options, where);
    else if (format === 'fiji') parsed = readFiji(text, options, where);
    else if (format === 'trackmate') parsed = readTrackMate(text, options, where);
    else parsed = readPtc(text, options, where);
  } catch (e) {
    if (detected && e instanceof VolumeIoError && e.code === 'CSV_NO_COORDINATES' && format === 'xyz') {
      const message = e.message.slice(e.file ? e.file.length + 2 : 0);
      throw new VolumeIoError(
        'CSV_NO_COORDINATES',
        `${message}; nor is it a layout readAnnotations knows (napari points CSV, Spotiflow CSV, ` +
          'Fiji Measure table with X, Y, TrackMate spot table, Particle Tracking Challenge XML)',
        { ...where, cause: e },
      );
    }
    throw e;
  }
  const byTime = selection(parsed.time, options.time, 'time', where);
  const byChannel = selection(parsed.channel, options.channel, 'channel', where);
  const keep = parsed.points.map((_, i) => (byTime ? byTime(i) : true) && (byChannel ? byChannel(i) : true));
  const pick = <T>(values: readonly T[]) => values.filter((_, i) => keep[i]);
  return {
    points: pick(parsed.points),
    format,
    detected,
    units: parsed.units,
    ...(parsed.time ? { time: pick(parsed.time.values) } : {}),
    ...(parsed.channel ? { channel: pick(parsed.channel.values) } : {}),
    description: `${parsed.description}${detected ? ' (layout told from the header)' : ''}`,
  };
}
