import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createVolume,
  readTiff,
  readTiffInfo,
  type Vec3,
  type Volume,
  type VolumeData,
  volumeDType,
  writeTiff,
} from '../src/index';
import { toRational } from '../src/rational';
import { referencePython } from './python-reference';

function sample(kind: 'uint8' | 'uint16' | 'float32', shape: Vec3, voxelSize?: Vec3): Volume {
  const n = shape[0] * shape[1] * shape[2];
  const data: VolumeData =
    kind === 'uint8' ? new Uint8Array(n) : kind === 'uint16' ? new Uint16Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++)
    data[i] = kind === 'float32' ? Math.sin(i) * 1000.5 : (i * 7919) % (kind === 'uint8' ? 256 : 65536);
  return createVolume(data, shape, voxelSize);
}

const cases: [string, Volume][] = [
  ['uint16 stack with voxel size', sample('uint16', [5, 12, 17], [0.3, 0.1, 0.1])],
  ['uint8 odd sizes, anisotropic', sample('uint8', [3, 7, 9], [1.5, 0.125, 0.2])],
  [
    'float32 with NaN and infinities',
    (() => {
      const v = sample('float32', [4, 6, 5], [0.25, 0.05, 0.05]);
      v.data[3] = Number.NaN;
      v.data[10] = Number.POSITIVE_INFINITY;
      v.data[11] = Number.NEGATIVE_INFINITY;
      return v;
    })(),
  ],
  ['one slice, no voxel size', sample('uint16', [1, 9, 11])],
  ['one voxel', sample('float32', [1, 1, 1])],
];

describe('writeTiff round trips through readTiff', () => {
  it.each(cases)('%s', async (_, volume) => {
    const bytes = writeTiff(volume);
    const back = await readTiff(bytes);
    expect(back.shape).toEqual(volume.shape);
    expect(volumeDType(back)).toBe(volumeDType(volume));
    expect(Array.from(back.data)).toEqual(Array.from(volume.data));
    if (volume.voxelSize) {
      back.voxelSize?.forEach((v, i) => {
        expect(v).toBeCloseTo(volume.voxelSize?.[i] as number, 9);
      });
      expect((await readTiffInfo(bytes)).metadata).toBe('imagej');
    } else {
      expect(back.voxelSize).toBeUndefined();
    }
  });

  it('keeps word alignment and ends the IFD chain', () => {
    const bytes = new DataView(writeTiff(sample('uint8', [3, 3, 3])));
    expect(bytes.getUint16(0, false)).toBe(0x4949);
    expect(bytes.getUint16(2, true)).toBe(42);
    let ifd = bytes.getUint32(4, true);
    let pages = 0;
    while (ifd !== 0) {
      expect(ifd % 2).toBe(0);
      pages++;
      ifd = bytes.getUint32(ifd + 2 + bytes.getUint16(ifd, true) * 12, true);
    }
    expect(pages).toBe(3);
  });

  it('rejects a volume whose data does not fit its shape', () => {
    expect(() => writeTiff({ data: new Uint16Array(5), shape: [1, 2, 3] })).toThrow(
      /5 values, shape needs 6/,
    );
    expect(() => writeTiff({ data: new Int16Array(6) as unknown as Uint16Array, shape: [1, 2, 3] })).toThrow(
      /Uint8Array, Uint16Array or Float32Array/,
    );
  });
});

describe('toRational', () => {
  it('finds exact small fractions and bounded approximations', () => {
    expect(toRational(10 / 3)).toEqual([10, 3]);
    expect(toRational(8)).toEqual([8, 1]);
    expect(toRational(0.125)).toEqual([1, 8]);
    const [n, d] = toRational(Math.PI);
    expect(n / d).toBeCloseTo(Math.PI, 12);
    expect(n).toBeLessThanOrEqual(0xffffffff);
    expect(d).toBeLessThanOrEqual(0xffffffff);
    expect(toRational(1e12)).toEqual([0xffffffff, 1]);
  });
});

describe('TIFFs written here, read by tifffile (independent reader)', () => {
  const python = referencePython();
  it.skipIf(!python)('tifffile sees ImageJ stacks with the right shape, dtype, values and voxel size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmdet-tiff-'));
    try {
      const expected: Record<string, unknown> = {};
      cases.forEach(([, volume], i) => {
        const name = `case${i}`;
        writeFileSync(join(dir, `${name}.tif`), new Uint8Array(writeTiff(volume)));
        const d = volume.data;
        writeFileSync(join(dir, `${name}.raw`), new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
        expected[name] = {
          shape: volume.shape,
          dtype: volumeDType(volume),
          voxelSize: volume.voxelSize ?? null,
        };
      });
      writeFileSync(join(dir, 'expected.json'), JSON.stringify(expected));
      const script = join(dirname(fileURLToPath(import.meta.url)), 'check_written_tiffs.py');
      const out = JSON.parse(execFileSync(python as string, [script, dir], { encoding: 'utf8' }));
      for (const [name, result] of Object.entries(out) as [string, { ok: boolean; problems: string[] }][]) {
        expect(result.problems, name).toEqual([]);
        expect(result.ok).toBe(true);
      }
      expect(Object.keys(out)).toHaveLength(cases.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
