import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/main';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', '..', 'volume-io', 'test', 'fixtures');
const root = mkdtempSync(join(tmpdir(), 'dmdet-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function dmdet(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
  });
  return { code, stdout, stderr };
}

describe('dmdet: usage', () => {
  it('no command or an unknown one: exit 2 with the overview', async () => {
    const none = await dmdet();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: dmdet <command>/);
    const unknown = await dmdet('detekt');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "detekt"/);
  });

  it('--help for each command: exit 0 with examples', async () => {
    for (const c of ['detect', 'train', 'evaluate', 'simulate', 'demo']) {
      const r = await dmdet(c, '--help');
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`Usage: dmdet ${c}`));
      expect(r.stdout, c).toMatch(/Examples?:/);
    }
    expect((await dmdet('--help')).code).toBe(0);
  });

  it('bad options: exit 2 naming the option and showing the usage', async () => {
    const r = await dmdet('detect', 'a.tif', '--threshold', 'high');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--threshold must be a number >= 0.001 <= 0.999, got "high"/);
    expect(r.stderr).toMatch(/Usage: dmdet detect/);
    expect((await dmdet('detect', 'a.tif', '--frobnicate')).stderr).toMatch(/Unknown option '--frobnicate'/);
    expect((await dmdet('detect')).code).toBe(2);
    expect((await dmdet('simulate', '--snr', '2')).stderr).toMatch(/--out <folder> is required/);
    expect((await dmdet('detect', 'a.tif', '--backend', 'tpu')).code).toBe(2);
  });
});

describe('dmdet detect', () => {
  it('a TIFF written by tifffile (ImageJ, with voxel size) → CSV with µm columns and a PNG', async () => {
    const out = join(root, 'imagej.csv');
    const r = await dmdet(
      'detect',
      join(fixtures, 'imagej_uint16.tif'),
      '--out',
      out,
      '--png',
      '--workers',
      '1',
      '--quiet',
    );
    // A 16×12 test pattern has no spots to measure: the one thing on stderr is that warning.
    expect(r.stderr).toMatch(
      /^warning: .*imagej_uint16\.tif: could not estimate the spot size .*--spot-size xy,z/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/imagej_uint16.tif: \d+ particles \(threshold 0\.\d+, 1 tile/);
    const csv = readFileSync(out, 'utf8').split('\n');
    expect(csv[0]).toBe('x,y,z,score,x_um,y_um,z_um');
    const png = decode(readFileSync(join(root, 'imagej.png')));
    // 16×12 pixels, zoomed ×2 (small images)
    expect([png.width, png.height]).toEqual([32, 24]);
  }, 120_000);

  it('finds the spots of a stack with a camera offset of 2,000 counts and bright blobs, without any flag', async () => {
    const { GENERAL_CENTRE, mergeGeneralParams, simulateGeneral } = await import('@dmdet/simulate');
    const { writeTiff, readPointsCsv } = await import('@dmdet/volume-io');
    const { evaluate } = await import('../src/index');
    const params = mergeGeneralParams(GENERAL_CENTRE, {
      shape: [12, 96, 96],
      camera: { offset: 2000, gain: 2.5, readNoise: 8 },
      background: { blobs: { count: 4, radius: [3, 5], brightness: [5, 15] } },
      spots: { count: 40, snr: 7 },
    });
    const sim = simulateGeneral(params, 11);
    const input = join(root, 'offset-blobs.tif');
    writeFileSync(input, new Uint8Array(writeTiff(sim.volume)));
    const out = join(root, 'offset-blobs.csv');
    const r = await dmdet('detect', input, '--out', out, '--workers', '1', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/spot size σxy \d\.\d\d px, σz \d\.\d\d slices/);
    const found = readPointsCsv(readFileSync(out, 'utf8'));
    expect(evaluate(sim.points, found, { gate: 5 }).f1).toBeGreaterThan(0.9);
  }, 120_000);

  it('writes the full CSV header when it finds nothing', async () => {
    const out = join(root, 'none.csv');
    const r = await dmdet(
      'detect',
      join(fixtures, 'ome_zyx_uint16.ome.tif'),
      '--out',
      out,
      '--threshold',
      '0.999',
      '--workers',
      '1',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: 0 particles \(threshold 0\.999/);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(/^x,y,z,score(,x_um,y_um,z_um)?$/);
  }, 120_000);

  it('refuses to overwrite without --force, and replaces with it', async () => {
    const out = join(root, 'again.csv');
    writeFileSync(out, 'precious');
    const input = join(fixtures, 'ome_zyx_uint16.ome.tif');
    const r = await dmdet('detect', input, '--out', out, '--workers', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/again\.csv exists; use --force to replace it/);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    const forced = await dmdet('detect', input, '--out', out, '--force', '--workers', '1', '--json');
    expect(forced.code).toBe(0);
    const json = JSON.parse(forced.stdout);
    expect(json.results[0]).toMatchObject({ input, output: out, tiles: 1 });
    expect(readFileSync(out, 'utf8').startsWith('x,y,z,score')).toBe(true);
  }, 120_000);

  it('several inputs into a folder, on two worker threads', async () => {
    const dir = join(root, 'many');
    const r = await dmdet(
      'detect',
      join(fixtures, 'imagej_uint8.tif'),
      join(fixtures, 'plain_uint16.tif'),
      '--out',
      dir,
      '--workers',
      '2',
      '--quiet',
    );
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'imagej_uint8.csv'))).toBe(true);
    expect(existsSync(join(dir, 'plain_uint16.csv'))).toBe(true);
  }, 120_000);

  it('a volume larger than the tile limit is predicted in tiles', async () => {
    const { simulateVolume } = await import('@dmdet/simulate');
    const { writeTiff } = await import('@dmdet/volume-io');
    const input = join(root, 'big.tif');
    writeFileSync(
      input,
      new Uint8Array(writeTiff(simulateVolume({ shape: [6, 192, 192], snr: 4, seed: 2 }).volume)),
    );
    const r = await dmdet(
      'detect',
      input,
      '--out',
      join(root, 'big.csv'),
      '--max-tile-voxels',
      '30000',
      '--workers',
      '1',
      '--json',
    );
    expect(r.code).toBe(0);
    const { results } = JSON.parse(r.stdout);
    expect(results[0].tiles).toBeGreaterThan(1);
    expect(results[0].count).toBeGreaterThan(0);
  }, 120_000);

  it('bad input files: clear messages and exit 1', async () => {
    const missing = await dmdet('detect', join(root, 'nope.tif'), '--workers', '1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.tif.*no such file/);
    const plane = await dmdet(
      'detect',
      join(fixtures, 'single_page_uint16.tif'),
      '--out',
      join(root, 'p.csv'),
      '--workers',
      '1',
    );
    expect(plane.code).toBe(1);
    expect(plane.stderr).toMatch(/single 2D plane/);
    const rgb = await dmdet(
      'detect',
      join(fixtures, 'bad_rgb.tif'),
      '--out',
      join(root, 'rgb.csv'),
      '--workers',
      '1',
    );
    expect(rgb.code).toBe(1);
    expect(rgb.stderr).toMatch(/RGB/);
    const badModel = join(root, 'not-a-model');
    mkdirSync(badModel);
    writeFileSync(join(badModel, 'model.json'), '{"broken": ');
    const model = await dmdet(
      'detect',
      join(fixtures, 'imagej_uint16.tif'),
      '--model',
      badModel,
      '--out',
      join(root, 'm.csv'),
    );
    expect(model.code).toBe(1);
    expect(model.stderr).toMatch(/not-a-model/);
    expect(existsSync(join(root, 'm.csv'))).toBe(false);
  }, 120_000);
});

describe('dmdet simulate, train, evaluate, demo', () => {
  it('simulate → train (one short epoch) → detect with the new model → evaluate against the manifest', async () => {
    const data = join(root, 'data');
    const sim = await dmdet(
      'simulate',
      '--out',
      data,
      '--snr',
      '4',
      '--density',
      'medium',
      '--count',
      '4',
      '--shape',
      '6,48,48',
      '--seed',
      '3',
      '--quiet',
    );
    expect(sim.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(data, 'manifest.json'), 'utf8'));
    expect(manifest.samples).toHaveLength(4);
    const modelDir = join(root, 'model');
    /** One short epoch on two workers, JSON out. */
    const shortTraining = (out: string, ...more: string[]) =>
      dmdet(
        'train',
        '--data',
        join(data, 'manifest.json'),
        '--out',
        out,
        '--epochs',
        '1',
        '--steps-per-epoch',
        '1',
        '--batch-size',
        '2',
        '--crop',
        '6,32,32',
        '--workers',
        '2',
        '--json',
        ...more,
      );
    const trained = await shortTraining(modelDir);
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    expect(JSON.parse(trained.stdout)).toMatchObject({ model: modelDir, epochs: 1, workers: 2 });
    expect(existsSync(join(modelDir, 'model.json'))).toBe(true);
    expect(existsSync(join(modelDir, 'checkpoint'))).toBe(false);
    // a second run refuses the existing model folder
    expect((await dmdet('train', '--data', join(data, 'manifest.json'), '--out', modelDir)).stderr).toMatch(
      /exists; use --force/,
    );
    // --freeze-epochs: a second stage with frozen normalisation statistics
    const frozenDir = join(root, 'model-frozen');
    const frozen = await shortTraining(frozenDir, '--freeze-epochs', '1');
    expect(frozen.stderr).toBe('');
    expect(frozen.code).toBe(0);
    expect(JSON.parse(frozen.stdout)).toMatchObject({ epochs: 1, stage1: { epochs: 1 } });
    const saved = JSON.parse(readFileSync(join(frozenDir, 'model.json'), 'utf8'));
    expect(saved.userDefinedMetadata.dmdet.normalization).toEqual({ method: 'spots' });
    expect(JSON.stringify(saved.modelTopology)).toContain('"statistics":"fixed"');
    expect(
      (await dmdet('train', '--data', join(data, 'manifest.json'), '--freeze-epochs', '-1')).stderr,
    ).toMatch(/freeze-epochs/);

    const test = manifest.samples.filter((s: { split: string }) => s.split === 'test');
    const dets = join(root, 'dets');
    const det = await dmdet(
      'detect',
      ...test.map((s: { image: string }) => join(data, s.image)),
      '--model',
      modelDir,
      '--out',
      `${dets}/`,
      '--workers',
      '1',
      '--quiet',
    );
    expect(det.code).toBe(0);
    const ev = await dmdet(
      'evaluate',
      '--manifest',
      join(data, 'manifest.json'),
      '--detections',
      dets,
      '--json',
    );
    expect(ev.stderr).toBe('');
    expect(ev.code).toBe(0);
    const report = JSON.parse(ev.stdout);
    expect(report.groups[0]).toMatchObject({ group: 'SNR 4', n: test.length });
    const missing = await dmdet(
      'evaluate',
      '--manifest',
      join(data, 'manifest.json'),
      '--detections',
      join(root, 'none'),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no detections for snr4_medium_/);
  }, 300_000);

  it('evaluate pairs truth and detection files and prints a table', async () => {
    const t = join(root, 't.csv');
    const d = join(root, 'd.csv');
    writeFileSync(t, 'x,y,z\n1,1,1\n10,10,2\n');
    writeFileSync(d, 'x,y,z,score\n1.5,1,1,0.9\n30,30,2,0.8\n');
    const r = await dmdet('evaluate', '--truth', t, '--detections', d);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/F1 0\.500, precision 0\.500, recall 0\.500, RMSE 0\.500 \(TP 1, FP 1, FN 1\)/);
    expect((await dmdet('evaluate', '--truth', t, '--truth', t, '--detections', d)).code).toBe(2);
  });

  it('demo: simulates, detects with the built-in model, scores, writes CSV and PNG', async () => {
    const out = join(root, 'demo');
    const r = await dmdet(
      'demo',
      '--out',
      out,
      '--shape',
      '10,128,128',
      '--snr',
      '4',
      '--workers',
      '1',
      '--quiet',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /detections of \d+ particles in [\d.]+ s: F1 [01]\.\d{3}, precision .* RMSE [\d.]+ voxels/,
    );
    for (const f of ['volume.tif', 'truth.csv', 'detections.csv', 'detections.png'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect((await dmdet('demo', '--out', out, '--shape', '10,64,64')).stderr).toMatch(/exists; use --force/);
  }, 120_000);
});
