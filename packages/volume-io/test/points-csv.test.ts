import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/csv';
import { readPointsCsv, VolumeIoError, validatePoints, writePointsCsv } from '../src/index';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VolumeIoError);
    return (e as VolumeIoError).code;
  }
  return undefined;
};

describe('readPointsCsv', () => {
  it('finds x, y, z by header in any order and keeps other columns', () => {
    const pts = readPointsCsv('z,score,x,label,y\n2,0.5,10.25,a,3\n0,1e-3,0,"b, c",4\n');
    expect(pts).toEqual([
      { x: 10.25, y: 3, z: 2, score: 0.5, label: 'a' },
      { x: 0, y: 4, z: 0, score: 0.001, label: 'b, c' },
    ]);
    expect(Object.keys(pts[0] as object)).toEqual(['x', 'y', 'z', 'score', 'label']);
  });

  it('reads tabs, semicolons, CRLF, comments, a BOM and blank lines', () => {
    const want = [{ x: 1, y: 2, z: 3 }];
    expect(readPointsCsv('x\ty\tz\n1\t2\t3\n')).toEqual(want);
    expect(readPointsCsv('x;y;z\r\n1;2;3\r\n\r\n')).toEqual(want);
    expect(readPointsCsv('\ufeff# made by hand\nX,Y,Z\n\n1,2,3\n')).toEqual(want);
  });

  it('knows common header spellings', () => {
    for (const header of [
      'pos_x,pos_y,pos_z',
      'x [px],y [px],z [px]',
      'x_px,y_px,z_px',
      'axis-2,axis-1,axis-0',
    ]) {
      expect(readPointsCsv(`${header}\n1,2,3\n`), header).toEqual([{ x: 1, y: 2, z: 3 }]);
    }
  });

  it('reads a 4D napari layer as z, y, x = axis-1..3, keeping axis-0, and refuses a TrackMate table', () => {
    expect(readPointsCsv('index,axis-0,axis-1,axis-2,axis-3\n0,7,1,2,3\n')).toEqual([
      { x: 3, y: 2, z: 1, index: 0, 'axis-0': 7 },
    ]);
    expect(
      codeOf(() =>
        readPointsCsv('LABEL,ID,QUALITY,POSITION_X,POSITION_Y,POSITION_Z,FRAME\nID0,0,1,2.5,1.25,1.5,0\n'),
      ),
    ).toBe('ANNOTATIONS_FORMAT');
  });

  it('converts µm columns with a voxel size, and prefers voxel columns when both exist', () => {
    const vs = [0.5, 0.1, 0.2] as const;
    const close = (p: { x: number; y: number; z: number } | undefined) => {
      expect(Object.keys(p ?? {})).toEqual(['x', 'y', 'z']);
      for (const [k, want] of [
        ['x', 2],
        ['y', 3],
        ['z', 3],
      ] as const)
        expect(p?.[k]).toBeCloseTo(want, 12);
    };
    close(readPointsCsv('x_um,y_um,z_um\n0.4,0.3,1.5\n', { voxelSize: vs })[0]);
    close(readPointsCsv('x,y,z\n0.4,0.3,1.5\n', { voxelSize: vs, units: 'um' })[0]);
    expect(readPointsCsv('x,y,z,x_um,y_um,z_um\n1,2,3,9,9,9\n')).toEqual([{ x: 1, y: 2, z: 3 }]);
    expect(codeOf(() => readPointsCsv('x_um,y_um,z_um\n1,2,3\n'))).toBe('CSV_NEEDS_VOXEL_SIZE');
  });

  it('returns no points for a header alone', () => {
    expect(readPointsCsv('x,y,z\n')).toEqual([]);
  });

  it('names the file, line and column of a bad number', () => {
    for (const bad of ['abc', '', 'NaN', 'Infinity']) {
      expect(() => readPointsCsv(`x,y,z\n1,2,3\n4,${bad},6\n`, { file: 'gt.csv' })).toThrow(
        `gt.csv: line 3, column "y": expected a finite number, got ${JSON.stringify(bad)}`,
      );
    }
  });

  it('explains a missing coordinate column, an empty file and a ragged row', () => {
    expect(() => readPointsCsv('x,y,score\n1,2,3\n', { file: 'a.csv' })).toThrow(
      /a\.csv: no coordinate columns.*"x","y","score".*recognised only x, y/,
    );
    expect(codeOf(() => readPointsCsv('1,2,3\n4,5,6\n'))).toBe('CSV_NO_COORDINATES');
    expect(codeOf(() => readPointsCsv(''))).toBe('CSV_EMPTY');
    expect(codeOf(() => readPointsCsv('# only a comment\n'))).toBe('CSV_EMPTY');
    expect(() => readPointsCsv('x,y,z\n1,2\n')).toThrow(/line 2 has 2 fields, the header has 3/);
  });

  it('reads text columns with numbers in them as text', () => {
    expect(readPointsCsv('x,y,z,id\n1,2,3,7\n1,2,3,b7\n').map((p) => p['id'])).toEqual(['7', 'b7']);
    expect(readPointsCsv('x,y,z,s\n1,2,3,\n1,2,3,NaN\n').map((p) => p['s'])).toEqual([
      Number.NaN,
      Number.NaN,
    ]);
  });
});

describe('writePointsCsv', () => {
  it('writes x,y,z, extra columns and µm columns', () => {
    expect(writePointsCsv([{ x: 1, y: 2, z: 0, score: 0.8 }], { voxelSize: [0.3, 0.1, 0.1] })).toBe(
      'x,y,z,score,x_um,y_um,z_um\n1,2,0,0.8,0.1,0.2,0\n',
    );
    expect(writePointsCsv([])).toBe('x,y,z\n');
    expect(writePointsCsv([{ x: 1, y: 2, z: 3, a: 1, b: 'q"r' }], { columns: ['b'] })).toBe(
      'x,y,z,b\n1,2,3,"q""r"\n',
    );
  });

  it('round-trips through readPointsCsv exactly, µm columns included', () => {
    const points = [
      { x: 0.1 + 0.2, y: 1 / 3, z: 1e-7, score: 0.123456789012345, tag: 'a,b' },
      { x: 511.5, y: -0.5, z: 9, score: Number.NaN, tag: '' },
    ];
    const vs = [0.3, 0.1, 0.1] as const;
    const text = writePointsCsv(points, { voxelSize: vs });
    expect(readPointsCsv(text)).toEqual(points);
    expect(writePointsCsv(readPointsCsv(text), { voxelSize: vs })).toBe(text);
  });
});

describe('parseCsv', () => {
  it('handles quoted newlines and doubled quotes, and tracks line numbers', () => {
    const r = parseCsv('a,b\n"x\ny","say ""hi"""\n3,4\n');
    expect(r.map((x) => x.fields)).toEqual([
      ['a', 'b'],
      ['x\ny', 'say "hi"'],
      ['3', '4'],
    ]);
    expect(r.map((x) => x.line)).toEqual([1, 2, 4]);
  });
});

describe('validatePoints', () => {
  it('accepts points on the borders of the voxel grid', () => {
    expect(() =>
      validatePoints(
        [
          { x: -0.5, y: -0.5, z: -0.5 },
          { x: 3.5, y: 2.5, z: 0.5 },
        ],
        { shape: [1, 3, 4] },
      ),
    ).not.toThrow();
  });

  it('rejects NaN, missing and outside coordinates, naming the point', () => {
    expect(() =>
      validatePoints(
        [
          { x: 0, y: 0, z: 0 },
          { x: Number.NaN, y: 0, z: 0 },
        ],
        { file: 'p.csv' },
      ),
    ).toThrow('p.csv: point 1: x must be a finite number, got NaN');
    expect(() => validatePoints([{ x: 0, y: 0 } as never])).toThrow(/point 0: z must be a finite number/);
    expect(() => validatePoints([{ x: 4, y: 0, z: 0 }], { shape: [1, 3, 4] })).toThrow(
      /point 0: x = 4 is outside the volume \(expected -0.5 <= x <= 3.5 for size 4\)/,
    );
    expect(() => validatePoints([{ x: 0, y: 0, z: -0.6 }], { shape: [1, 3, 4] })).toThrow(
      /z = -0.6 is outside/,
    );
  });
});
