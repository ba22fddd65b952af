import { describe, expect, it } from 'vitest';
import { type PointRecord, readAnnotations, readPointsCsv, readPtcXml, writeDetections } from '../src/index';

const voxel = [0.3, 0.1, 0.1] as const;
const series: PointRecord[] = [
  { x: 10.25, y: 20.5, z: 3, t: 0, score: 0.91, intensity: 812 },
  { x: 0, y: 47, z: 0, t: 0, score: 0.5, intensity: 300 },
  { x: 33.5, y: 1.75, z: 7.5, t: 2, score: 0.72, intensity: 455 },
];
const stack: PointRecord[] = series.map(({ t: _t, ...p }) => p as PointRecord);

const near = (got: readonly { x: number; y: number; z: number }[], want: readonly PointRecord[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((p, i) => {
    expect(p.x).toBeCloseTo(want[i]?.x as number, 9);
    expect(p.y).toBeCloseTo(want[i]?.y as number, 9);
    expect(p.z).toBeCloseTo(want[i]?.z as number, 9);
  });
};

describe('writeDetections: each layout read back as its tool lays it out', () => {
  it('dmdet: x,y,z, the columns, µm columns', () => {
    const text = writeDetections(series, { voxelSize: voxel });
    expect(text.split('\n')[0]).toBe('x,y,z,t,score,intensity,x_um,y_um,z_um');
    const back = readPointsCsv(text);
    near(back, series);
    expect(back.map((p) => p['t'])).toEqual([0, 0, 2]);
    expect(writeDetections([], { columns: ['t', 'score'] })).toBe('x,y,z,t,score\n');
  });

  it('napari: index,axis-0..2 in z,y,x order (a 4D layer with t first), properties after', () => {
    const text = writeDetections(stack, { format: 'napari' });
    expect(text.split('\n').slice(0, 2)).toEqual([
      'index,axis-0,axis-1,axis-2,score,intensity',
      '0,3,20.5,10.25,0.91,812',
    ]);
    const three = readAnnotations(text, { format: 'auto' });
    expect(three.format).toBe('napari');
    near(three.points, stack);
    const four = writeDetections(series, { format: 'napari' });
    expect(four.split('\n')[0]).toBe('index,axis-0,axis-1,axis-2,axis-3,score,intensity');
    const back = readAnnotations(four, { time: 'all' });
    near(back.points, series);
    expect(back.time).toEqual([0, 0, 2]);
  });

  it('spotiflow: z,y,x,intensity,probability', () => {
    const text = writeDetections(stack, { format: 'spotiflow' });
    expect(text.split('\n').slice(0, 2)).toEqual(['z,y,x,intensity,probability', '3,20.5,10.25,812,0.91']);
    const back = readAnnotations(text, { format: 'spotiflow' });
    near(back.points, stack);
    expect(back.points.map((p) => p['probability'])).toEqual([0.91, 0.5, 0.72]);
  });

  it('trackmate: its spot table with the three extra header rows, positions in µm', () => {
    const text = writeDetections(series, { format: 'trackmate', voxelSize: voxel, radius: 0.25 });
    const rows = text.split('\n');
    expect(rows[0]).toBe(
      'LABEL,ID,TRACK_ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,POSITION_T,FRAME,RADIUS,VISIBILITY,MEAN_INTENSITY_CH1',
    );
    expect(rows[3]).toBe(',,,(quality),(micron),(micron),(micron),(sec),,(micron),,(counts)');
    const back = readAnnotations(text, { voxelSize: voxel, time: 'all' });
    expect(back.format).toBe('trackmate');
    expect(back.units).toBe('um');
    near(back.points, series);
    expect(back.time).toEqual([0, 0, 2]);
    // Without a voxel size: pixels, said so in the units row.
    const px = writeDetections(stack, { format: 'trackmate' });
    expect(px.split('\n')[3]).toContain('(pixel)');
  });

  it('ptc: one particle per detection, t x y z in voxels, read back per time point', () => {
    const text = writeDetections(series, { format: 'ptc' });
    near(readPtcXml(text, { frame: 0 }), series.slice(0, 2));
    near(readPtcXml(text, { frame: 2 }), series.slice(2));
    expect(() => writeDetections(series, { format: 'csv' as never })).toThrow(
      /format must be one of dmdet, napari/,
    );
  });
});
