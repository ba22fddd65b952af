import { VolumeIoError } from './errors';
import type { PointRecord } from './points';
import { writePointsCsv } from './points-csv';
import type { Vec3 } from './volume';

/**
 * A layout {@link writeDetections} writes, each one another tool opens as it is:
 *
 * - `dmdet`: `x,y,z,<columns…>[,x_um,y_um,z_um]`, voxels (0-based), µm with a voxel size;
 * - `napari`: a points layer CSV, `index,axis-0,axis-1,axis-2,<properties…>` in z, y, x order
 *   (voxels); with a `t` column a 4D layer, `axis-0` = t, then z, y, x;
 * - `spotiflow`: `z,y,x,intensity,probability[,t]` (voxels), as Spotiflow writes 3D predictions;
 * - `trackmate`: a TrackMate spot table as its "Export to CSV" writes it (`LABEL,ID,TRACK_ID,
 *   QUALITY,POSITION_X,…`, then its three rows of names, short names and units), positions in µm
 *   (in pixels, unit `pixel`, without a voxel size); its CSV importer reads it;
 * - `ptc`: Particle Tracking Challenge XML, one `<particle>` per detection with `<detection t x y
 *   z/>` in voxels.
 */
export type DetectionFormat = 'dmdet' | 'napari' | 'spotiflow' | 'trackmate' | 'ptc';

/** Every {@link DetectionFormat}. */
export const DETECTION_FORMATS: readonly DetectionFormat[] = [
  'dmdet',
  'napari',
  'spotiflow',
  'trackmate',
  'ptc',
];

/** Options of {@link writeDetections}. */
export interface WriteDetectionsOptions {
  /** The layout. Default `'dmdet'`. */
  format?: DetectionFormat;
  /** Voxel size in µm `[z, y, x]`: µm columns (`dmdet`), µm positions (`trackmate`). */
  voxelSize?: Vec3;
  /**
   * Columns besides x, y, z to write, in order (`dmdet`, and the properties of `napari`); default
   * every other key of the first point. Given, the header is the same with no points.
   */
  columns?: readonly string[];
  /** `trackmate`: the spot radius in µm (pixels without a voxel size). Default 1 voxel in x. */
  radius?: number;
  /** `trackmate`: seconds between time points (POSITION_T = t · interval). Default 1. */
  frameInterval?: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const cell = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/**
 * Writes detections (voxels, 0-based, each with a `score` and optionally `t`, `c` and measurement
 * columns) in a layout another tool opens: see {@link DetectionFormat}.
 *
 * @example
 * const text = writeDetections(points, { format: 'napari' });
 * // "index,axis-0,axis-1,axis-2,score\n0,3,20.5,11,0.91\n"
 */
export function writeDetections(
  points: readonly PointRecord[],
  options: WriteDetectionsOptions = {},
): string {
  const format = options.format ?? 'dmdet';
  if (!DETECTION_FORMATS.includes(format))
    throw new VolumeIoError(
      'INVALID_OPTION',
      `format must be one of ${DETECTION_FORMATS.join(', ')}, got ${JSON.stringify(format)}`,
    );
  const first = points[0] as Record<string, unknown> | undefined;
  const columns =
    options.columns ?? Object.keys(first ?? {}).filter((k) => k !== 'x' && k !== 'y' && k !== 'z');
  const hasT = columns.includes('t');
  if (format === 'dmdet')
    return writePointsCsv(points, {
      columns,
      ...(options.voxelSize ? { voxelSize: options.voxelSize } : {}),
    });
  if (format === 'napari') {
    const props = columns.filter((c) => c !== 't');
    const axes = hasT ? ['axis-0', 'axis-1', 'axis-2', 'axis-3'] : ['axis-0', 'axis-1', 'axis-2'];
    const lines = [['index', ...axes, ...props].join(',')];
    points.forEach((p, i) => {
      const r = p as Record<string, unknown>;
      const coords = hasT ? [r['t'], p.z, p.y, p.x] : [p.z, p.y, p.x];
      lines.push([i, ...coords, ...props.map((c) => r[c])].map(cell).join(','));
    });
    return `${lines.join('\n')}\n`;
  }
  if (format === 'spotiflow') {
    const lines = [['z', 'y', 'x', 'intensity', 'probability', ...(hasT ? ['t'] : [])].join(',')];
    for (const p of points) {
      const r = p as Record<string, unknown>;
      lines.push([p.z, p.y, p.x, r['intensity'], r['score'], ...(hasT ? [r['t']] : [])].map(cell).join(','));
    }
    return `${lines.join('\n')}\n`;
  }
  if (format === 'trackmate') return trackMateTable(points, options);
  return ptcXml(points);
}

function trackMateTable(points: readonly PointRecord[], options: WriteDetectionsOptions): string {
  const v = options.voxelSize;
  const unit = v ? 'micron' : 'pixel';
  const radius = options.radius ?? (v ? v[2] : 1);
  const interval = options.frameInterval ?? 1;
  const keys = [
    'LABEL',
    'ID',
    'TRACK_ID',
    'QUALITY',
    'POSITION_X',
    'POSITION_Y',
    'POSITION_Z',
    'POSITION_T',
    'FRAME',
    'RADIUS',
    'VISIBILITY',
    'MEAN_INTENSITY_CH1',
  ];
  const names = [
    'Label',
    'Spot ID',
    'Track ID',
    'Quality',
    'X',
    'Y',
    'Z',
    'T',
    'Frame',
    'Radius',
    'Visibility',
    'Mean intensity ch1',
  ];
  const short = [
    'Label',
    'Spot ID',
    'Track ID',
    'Quality',
    'X',
    'Y',
    'Z',
    'T',
    'Frame',
    'R',
    'Visibility',
    'Mean ch1',
  ];
  const units = [
    '',
    '',
    '',
    '(quality)',
    `(${unit})`,
    `(${unit})`,
    `(${unit})`,
    '(sec)',
    '',
    `(${unit})`,
    '',
    '(counts)',
  ];
  const lines = [keys.join(','), names.join(','), short.join(','), units.join(',')];
  points.forEach((p, i) => {
    const r = p as Record<string, unknown>;
    const t = num(r['t']) ?? 0;
    lines.push(
      [
        `ID${i}`,
        i,
        '',
        num(r['score']) ?? '',
        v ? p.x * v[2] : p.x,
        v ? p.y * v[1] : p.y,
        v ? p.z * v[0] : p.z,
        t * interval,
        t,
        radius,
        1,
        num(r['intensity']) ?? '',
      ]
        .map(cell)
        .join(','),
    );
  });
  return `${lines.join('\n')}\n`;
}

function ptcXml(points: readonly PointRecord[]): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    '<root>',
    '<TrackContestISBI2012 SNR="" density="" scenario="dmdet">',
  ];
  for (const p of points) {
    const t = num((p as Record<string, unknown>)['t']) ?? 0;
    lines.push(`<particle>`, `<detection t="${t}" x="${p.x}" y="${p.y}" z="${p.z}"/>`, `</particle>`);
  }
  lines.push('</TrackContestISBI2012>', '</root>');
  return `${lines.join('\n')}\n`;
}
