import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPointsCsvFile, readTiffFile } from '@dmdet/volume-io/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DensityLevel,
  gridPlan,
  SimulateError,
  simulateGrid,
  simulateVolume,
  splitSamples,
} from '../src/index';
import { simulateDataset } from '../src/node';

describe('splitSamples', () => {
  const items = Array.from({ length: 100 }, (_, i) => ({ i, snr: [1, 2, 4, 7][i % 4] as number }));

  it('splits 50/25/25, disjoint and complete, in input order, deterministically', () => {
    const s = splitSamples(items, { seed: 3 });
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([50, 25, 25]);
    const all = [...s.train, ...s.validation, ...s.test].map((x) => x.i).sort((a, b) => a - b);
    expect(all).toEqual(items.map((x) => x.i));
    for (const part of [s.train, s.validation, s.test]) {
      expect(part.map((x) => x.i)).toEqual([...part.map((x) => x.i)].sort((a, b) => a - b));
    }
    expect(splitSamples(items, { seed: 3 })).toEqual(s);
    expect(splitSamples(items, { seed: 4 }).train).not.toEqual(s.train);
  });

  it('splits every group in the same proportions', () => {
    const s = splitSamples(items, { seed: 1, groupBy: (x) => x.snr });
    for (const snr of [1, 2, 4, 7]) {
      const count = (part: typeof items) => part.filter((x) => x.snr === snr).length;
      expect([count(s.train), count(s.validation), count(s.test)]).toEqual([13, 6, 6]);
    }
  });

  it('gives small lists a fair share (3 items: one each) and handles none', () => {
    const s = splitSamples(['a', 'b', 'c']);
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([1, 1, 1]);
    expect(splitSamples([])).toEqual({ train: [], validation: [], test: [] });
    expect(splitSamples([1, 2, 3, 4], { fractions: [0.8, 0.2, 0] }).test).toEqual([]);
  });

  it('rejects fractions that do not sum to 1', () => {
    expect(() => splitSamples([1], { fractions: [0.5, 0.5, 0.5] })).toThrow(
      /fractions must be three numbers >= 0 summing to 1/,
    );
  });
});

describe('simulateGrid', () => {
  it('covers SNR × density × perCell with derived seeds that remake each sample alone', () => {
    const options = { shape: [2, 32, 32] as [number, number, number], snrs: [1, 4], perCell: 2, seed: 9 };
    const plan = gridPlan(options);
    expect(plan.map((p) => p.id)).toEqual([
      'snr1_low_000',
      'snr1_low_001',
      'snr1_medium_000',
      'snr1_medium_001',
      'snr1_high_000',
      'snr1_high_001',
      'snr4_low_000',
      'snr4_low_001',
      'snr4_medium_000',
      'snr4_medium_001',
      'snr4_high_000',
      'snr4_high_001',
    ]);
    const samples = [...simulateGrid(options)];
    const fifth = samples[4]!;
    expect(fifth.snr).toBe(1);
    expect(fifth.density).toBe('high');
    const alone = simulateVolume({ shape: options.shape, snr: 1, density: 'high', seed: fifth.seed });
    expect(alone.volume.data).toEqual(fifth.volume.data);
  });
});

describe('simulateDataset (node)', () => {
  const root = mkdtempSync(join(tmpdir(), 'dmdet-sim-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes TIFF + CSV per sample and a manifest that reads back', async () => {
    const out = join(root, 'ds');
    const progress: string[] = [];
    const manifest = await simulateDataset({
      out,
      shape: [3, 24, 24],
      snrs: [2, 7],
      densities: ['low', 'high'],
      perCell: 2,
      seed: 5,
      voxelSize: [0.3, 0.1, 0.1],
      onProgress: (p) => progress.push(`${p.done}/${p.total}`),
    });
    expect(progress).toEqual(['1/8', '2/8', '3/8', '4/8', '5/8', '6/8', '7/8', '8/8']);
    const onDisk = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(onDisk).toEqual(manifest);
    expect(manifest.options).toMatchObject({
      shape: [3, 24, 24],
      background: 10,
      sigmaXY: 1.4,
      sigmaZ: 1,
      psf: 'sampled',
    });
    // Each SNR level has 4 samples: 2 train, 1 validation, 1 test.
    for (const snr of [2, 7]) {
      const parts = manifest.samples
        .filter((s) => s.snr === snr)
        .map((s) => s.split)
        .sort();
      expect(parts).toEqual(['test', 'train', 'train', 'validation']);
    }
    const first = manifest.samples[0]!;
    const volume = await readTiffFile(join(out, first.image));
    const again = simulateVolume({
      shape: [3, 24, 24],
      snr: first.snr,
      density: first.density as DensityLevel,
      seed: first.seed,
      voxelSize: [0.3, 0.1, 0.1],
    });
    expect(volume.data).toEqual(again.volume.data);
    expect(volume.voxelSize?.[0]).toBeCloseTo(0.3, 9);
    const truth = await readPointsCsvFile(join(out, first.truth));
    expect(truth).toHaveLength(first.count);
    expect(truth.map((p) => [p.x, p.y, p.z, p['intensity'], p['cluster']])).toEqual(
      again.points.map((p) => [p.x, p.y, p.z, p.intensity, p.cluster]),
    );
  });

  it('refuses a non-empty folder unless overwrite is set', async () => {
    const out = join(root, 'busy');
    await simulateDataset({ out, shape: [1, 8, 8], snrs: [1], densities: ['low'] });
    writeFileSync(join(out, 'mine.txt'), 'keep me');
    const err = await simulateDataset({ out, shape: [1, 8, 8], snrs: [1], densities: ['low'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SimulateError);
    expect(err).toMatchObject({ code: 'OUTPUT_EXISTS' });
    await simulateDataset({ out, shape: [1, 8, 8], snrs: [1], densities: ['low'], overwrite: true });
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('keep me');
  });

  it('stops when aborted', async () => {
    const c = new AbortController();
    c.abort();
    await expect(
      simulateDataset({ out: join(root, 'aborted'), shape: [1, 8, 8], signal: c.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
