import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVolume } from '@dmdet/volume-io';
import { writeTiffFile } from '@dmdet/volume-io/node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRegion } from '../src/index';
import { readTrainingData, splitIntoBlocks } from '../src/node';

const root = mkdtempSync(join(tmpdir(), 'dmdet-training-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A 4×40×64 volume (voxel size 0.3, 0.1, 0.1 µm unless told) whose value at each point is 1000. */
async function stack(
  path: string,
  points: { x: number; y: number; z: number }[],
  voxelSize?: [number, number, number] | null,
) {
  const data = new Uint16Array(4 * 40 * 64).fill(100);
  for (const p of points) data[(Math.round(p.z) * 40 + Math.round(p.y)) * 64 + Math.round(p.x)] = 1000;
  const v = createVolume(data, [4, 40, 64], voxelSize === null ? undefined : (voxelSize ?? [0.3, 0.1, 0.1]));
  await writeTiffFile(path, v);
}

const pts = [
  { x: 5, y: 10, z: 1 },
  { x: 30, y: 20, z: 2 },
  { x: 50, y: 30, z: 3 },
  { x: 60, y: 5, z: 0 },
];
const csv = (p: typeof pts) => `x,y,z\n${p.map((q) => `${q.x},${q.y},${q.z}`).join('\n')}\n`;

describe('readTrainingData', () => {
  it('a folder of one or two stacks: each cut into a training block and a validation block, points moved along', async () => {
    const dir = join(root, 'two');
    mkdirSync(dir);
    await stack(join(dir, 'a.tif'), pts);
    writeFileSync(
      join(dir, 'a.csv'),
      `z,y,x\n${pts.map((q) => `${q.z * 0.3},${q.y * 0.1},${q.x * 0.1}`).join('\n')}\n`,
    );
    // µm in a plain z,y,x table (as --annotation-units um says) and in a Fiji Measure table in µm (X = 0.1·x), Slice 1-based: the TIFF's voxel size converts it.
    await stack(join(dir, 'b.tif'), pts);
    writeFileSync(
      join(dir, 'b.points.csv'),
      ` ,X,Y,Ch,Slice,Frame\n${pts.map((p, i) => `${i + 1},${(p.x * 0.1).toFixed(2)},${(p.y * 0.1).toFixed(2)},1,${p.z + 1},1`).join('\n')}\n`,
    );
    const d = await readTrainingData(dir, { units: 'um' });
    expect(d.split).toBe('blocks');
    expect(d.train.map((v) => v.id)).toEqual(['a[x<48]', 'b[x<48]']);
    expect(d.validation.map((v) => v.id)).toEqual(['a[x>=48]', 'b[x>=48]']);
    expect(d.train[0]?.volume.shape).toEqual([4, 40, 48]);
    expect(d.validation[0]?.volume.shape).toEqual([4, 40, 16]);
    const rounded = (p: readonly { x: number; y: number; z: number }[] = []) =>
      p.map((q) => ({
        x: Math.round(q.x * 1e6) / 1e6,
        y: Math.round(q.y * 1e6) / 1e6,
        z: Math.round(q.z * 1e6) / 1e6,
      }));
    expect(rounded(d.train[0]?.points)).toEqual(pts.slice(0, 2));
    expect(rounded(d.validation[0]?.points)).toEqual([
      { x: 2, y: 30, z: 3 },
      { x: 12, y: 5, z: 0 },
    ]);
    for (const [i, p] of (d.validation[1]?.points ?? []).entries()) {
      expect(p.x).toBeCloseTo(d.validation[0]?.points[i]?.x as number, 6);
      expect(p.z).toBe(d.validation[0]?.points[i]?.z);
    }
    // The bright voxel at each point is where the moved point says.
    const v = d.validation[0]?.volume;
    expect(v?.data[(3 * 40 + 30) * 16 + 2]).toBe(1000);
    expect(d.log[1]).toMatch(/Fiji Measure table/);
    // holdOut false: both whole, in train, nothing cut.
    const whole = await readTrainingData(dir, { units: 'um', holdOut: false });
    expect(whole.split).toBe('none');
    expect(whole.validation).toEqual([]);
    expect(whole.train.map((w) => [w.id, w.volume.shape, w.region])).toEqual([
      ['a', [4, 40, 64], undefined],
      ['b', [4, 40, 64], undefined],
    ]);
    expect(rounded(whole.train[0]?.points)).toEqual(pts);
  });

  it('train/ and validation/ subfolders are the split; 3+ volumes are split by volume, seeded', async () => {
    const dir = join(root, 'folders');
    for (const sub of ['train', 'validation']) mkdirSync(join(dir, sub), { recursive: true });
    for (const name of ['train/a', 'train/b', 'validation/c']) {
      await stack(join(dir, `${name}.tif`), pts);
      writeFileSync(join(dir, `${name}.csv`), csv(pts));
    }
    const d = await readTrainingData(dir);
    expect(d.split).toBe('folders');
    expect(d.train.map((v) => v.id)).toEqual(['a', 'b']);
    expect(d.validation.map((v) => v.id)).toEqual(['c']);

    const many = join(root, 'many');
    mkdirSync(many);
    for (const name of ['p', 'q', 'r', 's', 't']) {
      await stack(join(many, `${name}.tif`), pts);
      writeFileSync(join(many, `${name}.csv`), csv(pts));
    }
    const m = await readTrainingData(many, { seed: 3 });
    expect(m.split).toBe('volumes');
    expect(m.train).toHaveLength(4);
    expect(m.validation).toHaveLength(1);
    expect((await readTrainingData(many, { seed: 3 })).validation[0]?.id).toBe(m.validation[0]?.id);
    const all = await readTrainingData(many, { seed: 3, holdOut: false });
    expect([all.split, all.train.map((v) => v.id), all.validation]).toEqual([
      'none',
      ['p', 'q', 'r', 's', 't'],
      [],
    ]);
    // Folders' own split stays.
    expect((await readTrainingData(dir, { holdOut: false })).split).toBe('folders');
    // Files given one by one.
    const files = await readTrainingData([join(many, 'p.tif'), join(many, 'q.tif'), join(many, 'r.tif')]);
    expect(files.split).toBe('volumes');
    expect(files.train.length + files.validation.length).toBe(3);
  });

  it('a dmdet-dataset manifest: splits, regions, voxel size and units per volume', async () => {
    const dir = join(root, 'manifest');
    mkdirSync(dir);
    await stack(join(dir, 'a.tif'), pts, null);
    writeFileSync(join(dir, 'a.csv'), csv(pts));
    await stack(join(dir, 'b.tif'), pts, null);
    writeFileSync(
      join(dir, 'b.csv'),
      ` ,X,Y,Ch,Slice,Frame\n${pts.map((p, i) => `${i + 1},${p.x * 0.2},${p.y * 0.2},1,${p.z + 1},1`).join('\n')}\n`,
    );
    const manifest = {
      format: 'dmdet-dataset',
      version: 1,
      voxelSize: [0.5, 0.2, 0.2],
      volumes: [
        { image: 'a.tif', points: 'a.csv', split: 'train', region: { z: [0, 4], y: [0, 40], x: [0, 40] } },
        { image: 'b.tif', points: 'b.csv', split: 'validation', units: 'um' },
      ],
    };
    writeFileSync(join(dir, 'data.json'), JSON.stringify(manifest));
    const d = await readTrainingData(join(dir, 'data.json'));
    expect(d.split).toBe('manifest');
    expect(d.train[0]?.region).toEqual({ z: [0, 4], y: [0, 40], x: [0, 40] });
    expect(d.validation[0]?.points.map((p) => Math.round(p.x))).toEqual(pts.map((p) => p.x));
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ format: 'dmdet-dataset', volumes: [{ image: 'a.tif' }] }),
    );
    await expect(readTrainingData(join(dir, 'bad.json'))).rejects.toThrow(
      /volumes\[0\] needs "image" and "points"/,
    );
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ format: 'something' }));
    await expect(readTrainingData(join(dir, 'other.json'))).rejects.toThrow(/"format": "dmdet-dataset"/);
    const region = {
      ...manifest,
      volumes: [
        { ...manifest.volumes[0], region: { z: [0, 4], y: [0, 40], x: [0, 99] } },
        manifest.volumes[1],
      ],
    };
    writeFileSync(join(dir, 'region.json'), JSON.stringify(region));
    await expect(readTrainingData(join(dir, 'region.json'))).rejects.toThrow(
      /annotated region x must be \[start, end\).*<= 64/,
    );
  });

  it('says what is wrong: no annotations, two of them, points outside, µm without a voxel size, a hyperstack', async () => {
    const dir = join(root, 'bad');
    mkdirSync(dir);
    await stack(join(dir, 'lonely.tif'), pts);
    await expect(readTrainingData(join(dir, 'lonely.tif'))).rejects.toThrow(
      /lonely.tif: no annotations beside it; expected one of lonely.csv, lonely.points.csv, lonely.xml/,
    );
    writeFileSync(join(dir, 'lonely.csv'), csv(pts));
    writeFileSync(join(dir, 'lonely.xml'), '<root/>');
    await expect(readTrainingData(join(dir, 'lonely.tif'))).rejects.toThrow(/more than one annotation file/);
    await stack(join(dir, 'far.tif'), pts);
    writeFileSync(join(dir, 'far.csv'), csv([{ x: 500, y: 10, z: 1 }]));
    await expect(readTrainingData(join(dir, 'far.tif'))).rejects.toThrow(
      /far.csv: 1 of 1 points lie outside .*far.tif \(4×40×64 voxels\).*Wrong units or voxel size/,
    );
    await stack(join(dir, 'nocal.tif'), pts, null);
    writeFileSync(join(dir, 'nocal.csv'), ` ,X,Y,Ch,Slice,Frame\n1,0.5,1,1,1,1\n`);
    await expect(readTrainingData(join(dir, 'nocal.tif'), { units: 'um' })).rejects.toThrow(/--voxel-size/);
    await expect(readTrainingData(join(dir, 'notes.txt'))).rejects.toThrow(/expected a folder, a manifest/);
    // A hyperstack (tifffile's ImageJ TZCYX, 3 time points, 2 channels) is never read as its first stack.
    const fixtures = join(
      dirname(fileURLToPath(import.meta.url)),
      '..',
      '..',
      'volume-io',
      'test',
      'fixtures',
    );
    copyFileSync(join(fixtures, 'imagej_hyperstack_tzcyx.tif'), join(dir, 'hyper.tif'));
    writeFileSync(join(dir, 'hyper.csv'), 'x,y,z\n1,1,1\n');
    await expect(readTrainingData(join(dir, 'hyper.tif'))).rejects.toThrow(
      /has 2 channels \(0–1\); say which one/,
    );
    await expect(readTrainingData(join(dir, 'hyper.tif'), { channel: 1 })).rejects.toThrow(
      /has 3 time points \(0–2\); say which one was annotated/,
    );
  });
});

describe('splitIntoBlocks and parseRegion', () => {
  it('cuts inside the annotated region and keeps its part in each block', () => {
    const volume = createVolume(new Float32Array(2 * 16 * 96), [2, 16, 96]);
    const region = { z: [0, 2], y: [0, 16], x: [32, 96] } as const;
    const { train, validation } = splitIntoBlocks({
      id: 'v',
      volume,
      points: [],
      region,
      spotSize: { xy: 1.4, z: 1 },
    });
    expect(train.volume.shape).toEqual([2, 16, 80]);
    expect(train.region).toEqual({ z: [0, 2], y: [0, 16], x: [32, 80] });
    expect(validation.region).toEqual({ z: [0, 2], y: [0, 16], x: [0, 16] });
    expect(() =>
      splitIntoBlocks({ id: 'v', volume: createVolume(new Float32Array(20), [1, 1, 20]), points: [] }),
    ).toThrow(/too small to split/);
    expect(parseRegion('0:4, 2:30,5:60')).toEqual({ z: [0, 4], y: [2, 30], x: [5, 60] });
    expect(() => parseRegion('0:4,2:30')).toThrow(/z0:z1,y0:y1,x0:x1/);
  });
});
