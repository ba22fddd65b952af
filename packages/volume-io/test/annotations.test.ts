import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ReadAnnotationsOptions, readAnnotations, VolumeIoError } from '../src/index';
import { readAnnotationsFile } from '../src/node';
import { FIXTURES } from './fixture-pattern';

const DIR = join(FIXTURES, 'annotations');
const text = (name: string) => readFileSync(join(DIR, name), 'utf8');
/** Voxel size [z, y, x] in µm used by the µm fixtures: distinct per axis and exact in binary. */
const VS = [0.5, 0.25, 0.125] as const;

const xyz = (points: readonly { x: number; y: number; z: number }[]) =>
  points.map(({ x, y, z }) => ({ x, y, z }));

const errorOf = (fn: () => unknown): VolumeIoError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VolumeIoError);
    return e as VolumeIoError;
  }
  throw new Error('expected a VolumeIoError');
};

describe('readAnnotations: each layout to voxels', () => {
  it('plain z,y,x CSV, in voxels', () => {
    const a = readAnnotations(text('plain_zyx.csv'));
    expect(a.format).toBe('xyz');
    expect(a.units).toBe('px');
    expect(a.points).toEqual([
      { x: 20, y: 5, z: 3 },
      { x: 0, y: 40, z: 0 },
    ]);
    expect(a.time).toBeUndefined();
  });

  it('plain CSV with µm columns or units um, and a time column', () => {
    const um = readAnnotations('x_um,y_um,z_um\n2.5,1.25,1.5\n', { voxelSize: [...VS] });
    expect(um.units).toBe('um');
    expect(um.points).toEqual([{ x: 20, y: 5, z: 3 }]);
    const t = readAnnotations('t,x,y,z\n0,1,2,3\n1,4,5,6\n', { time: 1 });
    expect(t.points).toEqual([{ x: 4, y: 5, z: 6 }]);
    expect(t.time).toEqual([1]);
    expect(t.description).toContain('"t" = time');
  });

  it('napari 3D points layer: axis-0..2 = z, y, x, properties kept, index dropped', () => {
    const a = readAnnotations(text('napari_points_3d.csv'));
    expect(a.format).toBe('napari');
    expect(a.detected).toBe(true);
    expect(a.points).toEqual([
      { z: 3, y: 10.5, x: 20.25, confidence: 0.9 },
      { z: 0, y: 0, x: 0, confidence: 0.5 },
      { z: 7, y: 63, x: 31.5, confidence: 1 },
    ]);
  });

  it('napari 4D points layer: axis-0 = time, axis-1..3 = z, y, x', () => {
    const src = text('napari_points_4d.csv');
    const e = errorOf(() => readAnnotations(src, { file: 'pts.csv' }));
    expect(e.code).toBe('ANNOTATIONS_TIME_REQUIRED');
    expect(e.message).toMatch(/^pts\.csv: the file has points at 2 time points: time = 0, 1; pass time/);
    const t1 = readAnnotations(src, { time: 1 });
    expect(t1.points).toEqual([{ z: 3, y: 5, x: 6, label: 'blob' }]);
    expect(t1.time).toEqual([1]);
    const all = readAnnotations(src, { time: 'all' });
    expect(xyz(all.points)).toEqual([
      { z: 2, y: 5, x: 6 },
      { z: 4, y: 8, x: 9.5 },
      { z: 3, y: 5, x: 6 },
    ]);
    expect(all.time).toEqual([0, 0, 1]);
  });

  it('Spotiflow CSV: z, y, x in voxels, intensity and probability kept', () => {
    const a = readAnnotations(text('spotiflow_3d.csv'));
    expect(a.format).toBe('spotiflow');
    expect(a.points).toEqual([
      { z: 4.5123, y: 100.25, x: 37, intensity: 812.45, probability: 0.913 },
      { z: 12, y: 7.75, x: 250.5, intensity: 433.1, probability: 0.62 },
    ]);
  });

  it('Fiji Measure table in µm: X ÷ x size, Y ÷ y size, Slice − 1, Ch − 1, pixel centre at i', () => {
    const src = text('fiji_measure_um.csv');
    const opts: ReadAnnotationsOptions = { units: 'um', voxelSize: [...VS] };
    // Two channels (Ch 1 and 2): refused until one is chosen.
    const e = errorOf(() => readAnnotations(src, { ...opts, file: 'spots.csv' }));
    expect(e.code).toBe('ANNOTATIONS_CHANNEL_REQUIRED');
    expect(e.message).toContain(
      'spots.csv: the file has points in 2 channels: channel = 0, 1 (column "Ch" = 1, 2)',
    );
    const c0 = readAnnotations(src, { ...opts, channel: 0 });
    expect(c0.format).toBe('fiji');
    expect(c0.units).toBe('um');
    // X = 2.5 µm / 0.125 = 20, Y = 1.25 / 0.25 = 5, Slice 4 → z 3; X = 0, Y = 10 / 0.25 = 40, Slice 1 → 0.
    expect(xyz(c0.points)).toEqual([
      { x: 20, y: 5, z: 3 },
      { x: 0, y: 40, z: 0 },
    ]);
    expect(c0.points[0]).toMatchObject({ Area: 0, Mean: 812 });
    expect(Object.keys(c0.points[0] as object)).not.toContain('');
    expect(c0.channel).toEqual([0, 0]);
    expect(c0.time).toEqual([0, 0]);
    const c1 = readAnnotations(src, { ...opts, channel: 1 });
    // X = 6.25 / 0.125 = 50, Y = 3.75 / 0.25 = 15, Slice 7 → z 6.
    expect(xyz(c1.points)).toEqual([{ x: 50, y: 15, z: 6 }]);
    const all = readAnnotations(src, { ...opts, channel: 'all' });
    expect(all.channel).toEqual([0, 0, 1]);
  });

  it('Fiji Measure table of an uncalibrated stack: X, Y in pixels', () => {
    const a = readAnnotations(text('fiji_measure_px.csv'), { units: 'px' });
    expect(a.format).toBe('fiji');
    expect(a.units).toBe('px');
    expect(xyz(a.points)).toEqual([
      { x: 20, y: 5, z: 3 },
      { x: 0, y: 40, z: 0 },
    ]);
    expect(a.channel).toBeUndefined();
    expect(a.time).toBeUndefined();
    expect(a.description).toContain('pixel i at i');
  });

  it('TrackMate spot table in microns: position ÷ voxel size, FRAME = time, other columns kept', () => {
    const a = readAnnotations(text('trackmate_spots_micron.csv'), { voxelSize: [...VS] });
    expect(a.format).toBe('trackmate');
    expect(a.units).toBe('um');
    // 2.5 / 0.125 = 20, 1.25 / 0.25 = 5, 1.5 / 0.5 = 3; then 0, 40, 0; then 50, 15, 6.
    expect(xyz(a.points)).toEqual([
      { x: 20, y: 5, z: 3 },
      { x: 0, y: 40, z: 0 },
      { x: 50, y: 15, z: 6 },
    ]);
    expect(a.points[0]).toMatchObject({ LABEL: 'ID1', ID: 1, TRACK_ID: 0, QUALITY: 45.2, RADIUS: 0.25 });
    expect(a.points[2]?.TRACK_ID).toBeNaN(); // a spot in no track
    expect(a.time).toEqual([0, 0, 0]);
    expect(a.description).toContain('micron ÷ voxel size');
    // Another length unit in the units row is converted to µm first: 2500 nm = 2.5 µm → 20 voxels.
    const nm =
      'LABEL,ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,FRAME\n,,(quality),(nm),(nm),(nm),\nID0,0,1,2500,1250,1500,0\n';
    expect(xyz(readAnnotations(nm, { voxelSize: [...VS] }).points)).toEqual([{ x: 20, y: 5, z: 3 }]);
  });

  it('TrackMate spot table of an uncalibrated image: (pixel) units need no voxel size', () => {
    const src = text('trackmate_spots_pixel_2frames.csv');
    expect(errorOf(() => readAnnotations(src)).code).toBe('ANNOTATIONS_TIME_REQUIRED');
    const t1 = readAnnotations(src, { time: 1 });
    expect(t1.units).toBe('px');
    expect(xyz(t1.points)).toEqual([
      { x: 21.5, y: 5.5, z: 3 },
      { x: 50, y: 15, z: 6 },
    ]);
    expect(readAnnotations(src, { time: 'all' }).time).toEqual([0, 1, 1]);
    // The table says pixels: a contradicting option is refused, not obeyed.
    expect(errorOf(() => readAnnotations(src, { time: 0, units: 'um', voxelSize: [...VS] })).code).toBe(
      'INVALID_OPTION',
    );
  });

  it('TrackMate table without its three extra header rows needs units', () => {
    const src =
      'LABEL,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,POSITION_T,FRAME\nID0,0,0,9,2.5,1.25,1.5,0,0\n';
    const e = errorOf(() => readAnnotations(src, { file: 'tm.csv' }));
    expect(e.code).toBe('ANNOTATIONS_NEEDS_UNITS');
    expect(e.message).toContain('--annotation-units px|um');
    expect(xyz(readAnnotations(src, { units: 'um', voxelSize: [...VS] }).points)).toEqual([
      { x: 20, y: 5, z: 3 },
    ]);
    expect(xyz(readAnnotations(src, { units: 'px' }).points)).toEqual([{ x: 2.5, y: 1.25, z: 1.5 }]);
  });

  it('Particle Tracking Challenge XML is routed to the PTC reader', () => {
    const src = text('ptc_two_frames.xml');
    expect(errorOf(() => readAnnotations(src)).code).toBe('ANNOTATIONS_TIME_REQUIRED');
    const a = readAnnotations(src, { time: 1 });
    expect(a.format).toBe('ptc');
    expect(a.points).toEqual([
      { x: 21, y: 5.5, z: 3, track: 0 },
      { x: 50, y: 15, z: 6, track: 1 },
    ]);
    expect(a.time).toEqual([1, 1]);
    expect(errorOf(() => readAnnotations(src, { time: 5 })).code).toBe('ANNOTATIONS_NO_SUCH_TIME');
  });
});

describe('readAnnotations: detection and forcing', () => {
  it('tells every fixture layout from its header and says so', () => {
    const cases: [string, string, ReadAnnotationsOptions][] = [
      ['plain_zyx.csv', 'xyz', {}],
      ['napari_points_3d.csv', 'napari', {}],
      ['napari_points_4d.csv', 'napari', { time: 'all' }],
      ['spotiflow_3d.csv', 'spotiflow', {}],
      ['fiji_measure_um.csv', 'fiji', { units: 'um', voxelSize: [...VS], channel: 'all' }],
      ['fiji_measure_px.csv', 'fiji', { units: 'px' }],
      ['trackmate_spots_micron.csv', 'trackmate', { voxelSize: [...VS] }],
      ['trackmate_spots_pixel_2frames.csv', 'trackmate', { time: 'all' }],
      ['ptc_two_frames.xml', 'ptc', { time: 0 }],
    ];
    for (const [file, format, opts] of cases) {
      const a = readAnnotations(text(file), opts);
      expect(a.format, file).toBe(format);
      expect(a.detected, file).toBe(true);
      expect(a.description, file).toContain('layout told from the header');
    }
  });

  it('a forced format is used as given', () => {
    const a = readAnnotations(text('plain_zyx.csv'), { format: 'spotiflow' });
    expect(a.format).toBe('spotiflow');
    expect(a.detected).toBe(false);
    expect(a.description).not.toContain('told from the header');
    expect(errorOf(() => readAnnotations(text('plain_zyx.csv'), { format: 'fiji', units: 'px' })).code).toBe(
      'CSV_NO_COORDINATES',
    );
  });

  it('refuses a header it cannot place, listing the layouts it knows', () => {
    const e = errorOf(() => readAnnotations('a,b\n1,2\n', { file: 'what.csv' }));
    expect(e.code).toBe('CSV_NO_COORDINATES');
    expect(e.message).toMatch(/^what\.csv: no coordinate columns.*napari points CSV.*TrackMate spot table/);
  });

  it('refuses 2D napari and Spotiflow files (no z)', () => {
    expect(errorOf(() => readAnnotations('index,axis-0,axis-1\n0,1,2\n')).code).toBe('ANNOTATIONS_FORMAT');
    expect(errorOf(() => readAnnotations('y,x,intensity,probability\n1,2,3,0.5\n')).code).toBe(
      'CSV_NO_COORDINATES',
    );
  });
});

describe('readAnnotations: refusals', () => {
  it('µm without a voxel size names the option and the CLI flag', () => {
    const e = errorOf(() => readAnnotations(text('fiji_measure_um.csv'), { units: 'um', file: 'f.csv' }));
    expect(e.code).toBe('CSV_NEEDS_VOXEL_SIZE');
    expect(e.message).toContain('voxelSize [z, y, x]');
    expect(e.message).toContain('--voxel-size z,y,x');
    const t = errorOf(() => readAnnotations(text('trackmate_spots_micron.csv')));
    expect(t.code).toBe('CSV_NEEDS_VOXEL_SIZE');
    expect(t.message).toContain('micron');
  });

  it('a Fiji table without units says which option gives them', () => {
    const e = errorOf(() => readAnnotations(text('fiji_measure_px.csv'), { file: 'f.csv' }));
    expect(e.code).toBe('ANNOTATIONS_NEEDS_UNITS');
    expect(e.message).toMatch(/^f\.csv: a Fiji Measure table gives X and Y/);
    expect(e.message).toContain("units: 'px' or 'um' (CLI: --annotation-units px|um)");
  });

  it('a missing column is named', () => {
    const fiji = ' ,Area,X,Slice\n1,0,3,1\n';
    const e = errorOf(() => readAnnotations(fiji, { units: 'px', file: 'f.csv' }));
    expect(e.code).toBe('CSV_NO_COORDINATES');
    expect(e.message).toContain('f.csv: Fiji Measure table: no column "Y"');
    const tm = text('trackmate_spots_micron.csv').replace('POSITION_Z', 'POS_Z');
    expect(errorOf(() => readAnnotations(tm, { voxelSize: [...VS] })).message).toContain(
      'TrackMate spot table: no column "POSITION_Z"',
    );
  });

  it('a non-numeric cell names the line and the column', () => {
    const fiji = text('fiji_measure_px.csv').replace('0,433,433,433,0,40,1', '0,433,433,433,n/a,40,1');
    expect(() => readAnnotations(fiji, { units: 'px', file: 'f.csv' })).toThrow(
      'f.csv: line 3, column "X": expected a finite number, got "n/a"',
    );
    const slice = text('fiji_measure_px.csv').replace('0,433,433,433,0,40,1', '0,433,433,433,0,40,1.5');
    expect(() => readAnnotations(slice, { units: 'px', file: 'f.csv' })).toThrow(
      'f.csv: line 3, column "Slice": expected a 1-based integer slice number, got "1.5"',
    );
    const tm = text('trackmate_spots_micron.csv').replace('ID0,0,0,38.7,0.0', 'ID0,0,0,38.7,x');
    expect(() => readAnnotations(tm, { voxelSize: [...VS], file: 't.csv' })).toThrow(
      't.csv: line 6, column "POSITION_X": expected a finite number, got "x"',
    );
    expect(() => readAnnotations('index,axis-0,axis-1,axis-2\n0,1,two,3\n', { file: 'n.csv' })).toThrow(
      'n.csv: line 2, column "axis-1": expected a finite number, got "two"',
    );
  });

  it('a channel or time not in the file is refused, listing what is there', () => {
    const e = errorOf(() =>
      readAnnotations(text('fiji_measure_um.csv'), { units: 'um', voxelSize: [...VS], channel: 4 }),
    );
    expect(e.code).toBe('ANNOTATIONS_NO_SUCH_CHANNEL');
    expect(e.message).toContain('no points at channel 4 (column "Ch" = 5); the file has channel = 0, 1');
  });

  it('rejects bad options', () => {
    for (const opts of [
      { voxelSize: [0, 1, 1] },
      { units: 'nm' },
      { time: -1 },
      { channel: 1.5 },
      { format: 'imaris' },
    ] as unknown as ReadAnnotationsOptions[]) {
      expect(errorOf(() => readAnnotations(text('plain_zyx.csv'), opts)).code, JSON.stringify(opts)).toBe(
        'INVALID_OPTION',
      );
    }
  });
});

describe('readAnnotations: text variants', () => {
  it('a header alone gives no points, in every layout', () => {
    const headerOnly = (name: string, rows = 1) => text(name).split(/\r?\n/).slice(0, rows).join('\n');
    expect(readAnnotations(headerOnly('plain_zyx.csv')).points).toEqual([]);
    expect(readAnnotations(headerOnly('napari_points_3d.csv')).points).toEqual([]);
    expect(readAnnotations(headerOnly('napari_points_4d.csv')).points).toEqual([]);
    expect(readAnnotations(headerOnly('spotiflow_3d.csv')).points).toEqual([]);
    expect(readAnnotations(headerOnly('fiji_measure_px.csv'), { units: 'px' }).points).toEqual([]);
    const fiji = readAnnotations(headerOnly('fiji_measure_um.csv'), { units: 'um', voxelSize: [...VS] });
    expect(fiji).toMatchObject({ points: [], channel: [], time: [] });
    const tm = readAnnotations(headerOnly('trackmate_spots_micron.csv', 4), { voxelSize: [...VS] });
    expect(tm).toMatchObject({ points: [], format: 'trackmate', units: 'um' });
    expect(readAnnotations('<root><TrackContestISBI2012></TrackContestISBI2012></root>').points).toEqual([]);
  });

  it('reads the same through a byte-order mark and CRLF or LF line ends', () => {
    const cases: [string, ReadAnnotationsOptions][] = [
      ['plain_zyx.csv', {}],
      ['napari_points_3d.csv', {}],
      ['spotiflow_3d.csv', {}],
      ['fiji_measure_um.csv', { units: 'um', voxelSize: [...VS], channel: 'all' }],
      ['trackmate_spots_micron.csv', { voxelSize: [...VS] }],
      ['ptc_two_frames.xml', { time: 'all' }],
    ];
    for (const [file, opts] of cases) {
      const lf = text(file).replace(/\r\n/g, '\n');
      const want = readAnnotations(lf, opts);
      expect(want.points.length, file).toBeGreaterThan(0);
      expect(readAnnotations(`\ufeff${lf.replace(/\n/g, '\r\n')}`, opts), file).toEqual(want);
      expect(readAnnotations(`\ufeff${lf}`, opts), file).toEqual(want);
    }
  });
});

describe('readAnnotationsFile', () => {
  it('reads a file, naming it in errors, and a .xml path as PTC', async () => {
    const a = await readAnnotationsFile(join(DIR, 'spotiflow_3d.csv'));
    expect(a.format).toBe('spotiflow');
    expect(a.points).toHaveLength(2);
    const xml = await readAnnotationsFile(join(DIR, 'ptc_two_frames.xml'), { time: 0 });
    expect(xml.points).toEqual([{ x: 20, y: 5, z: 3, track: 0 }]);
    const path = join(DIR, 'fiji_measure_px.csv');
    await expect(readAnnotationsFile(path)).rejects.toMatchObject({
      code: 'ANNOTATIONS_NEEDS_UNITS',
      file: path,
    });
    await expect(readAnnotationsFile(join(DIR, 'nope.csv'))).rejects.toMatchObject({
      code: 'FILE_NOT_FOUND',
    });
  });
});
