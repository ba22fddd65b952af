/**
 * Memory and time of detection on an OME-Zarr volume block by block (`detectInBlocks`, what
 * `dmdet detect` does for volumes over 33 M voxels), from OME-Zarr and from the same volume as a TIFF
 * (pages and windows read per block), against reading it whole and detecting
 * (`detect`), each in its own process so that the peak resident memory is its own:
 *
 *   npm run bench:blocks                       # 16×1024×1024 (16.8 M voxels), blocks of 16×256×256
 *   npm run bench:blocks -- --shape 32,2048,2048 --block 32,512,512
 *
 * The volume is a `general`-family simulation (GENERAL_CENTRE, 1,600 spots per 16×1024×1024),
 * written as OME-Zarr 0.4 (uint16, chunks 16×256×256) by python3-zarr into a temporary folder. Both
 * runs use the built-in model on one thread (wasm); the table gives F1 against the truth, wall time
 * and peak RSS, and the ratios of blocks to whole (also above a baseline run that loads the model
 * and opens the image but detects nothing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluatePoints } from '@dmdet/metrics';
import { detect, detectInBlocks, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { GENERAL_CENTRE, mergeGeneralParams, simulateGeneral } from '@dmdet/simulate';
import type { Vec3 } from '@dmdet/volume-io';
import { openOmeZarrFile, readTiffFile, writeTiffFile } from '@dmdet/volume-io/node';
import { requirePython } from './lib/python-check';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: '16,1024,1024' },
    block: { type: 'string', default: '16,256,256' },
    child: { type: 'string' },
    zarr: { type: 'string' },
    truth: { type: 'string' },
  },
});
const triple = (s: string) => s.split(',').map(Number) as unknown as Vec3;

async function child(mode: string, zarr: string, truthPath: string, block: Vec3): Promise<void> {
  await useBackend('wasm');
  const model = await loadModel('default');
  const image = await openOmeZarrFile(zarr);
  if (mode === 'baseline') {
    // What every run holds before it detects: Node, tfjs with wasm, the model, the opened image.
    console.log(
      JSON.stringify({
        mode,
        seconds: 0,
        f1: Number.NaN,
        count: 0,
        peakMiB: process.resourceUsage().maxRSS / 1024,
      }),
    );
    return;
  }
  const started = Date.now();
  const tiff = zarr.replace(/volume\.ome\.zarr$/, 'volume.tif');
  const result =
    mode === 'whole'
      ? await detect(await image.read(), { model })
      : mode === 'blocks-tiff'
        ? await detectInBlocks(
            { shape: image.info.shape, read: (start, size) => readTiffFile(tiff, { start, size }) },
            { model, block },
          )
        : await detectInBlocks(
            { shape: image.info.shape, read: (start, size) => image.read({ start, size }) },
            { model, block },
          );
  const seconds = (Date.now() - started) / 1000;
  const truth = JSON.parse((await import('node:fs')).readFileSync(truthPath, 'utf8'));
  const f1 = evaluatePoints(truth, result.points, { gate: 5 }).f1;
  // maxRSS is in KiB.
  console.log(
    JSON.stringify({
      mode,
      seconds,
      f1,
      count: result.points.length,
      peakMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

if (values.child) {
  await child(values.child, values.zarr as string, values.truth as string, triple(values.block as string));
} else {
  const python = requirePython('bench:blocks', ['numpy', 'zarr']);
  const shape = triple(values.shape as string);
  const block = triple(values.block as string);
  const dir = mkdtempSync(join(tmpdir(), 'dmdet-blocks-'));
  try {
    const count = Math.round((1600 * shape[0] * shape[1] * shape[2]) / (16 * 1024 * 1024));
    console.error(`simulating ${shape.join('×')} with ${count} spots …`);
    const { volume, points } = simulateGeneral(
      mergeGeneralParams(GENERAL_CENTRE, { shape: [...shape], spots: { count } }),
      31337,
    );
    writeFileSync(
      join(dir, 'volume.raw'),
      Buffer.from(volume.data.buffer, volume.data.byteOffset, volume.data.byteLength),
    );
    writeFileSync(join(dir, 'truth.json'), JSON.stringify(points.map(({ x, y, z }) => ({ x, y, z }))));
    const zarr = join(dir, 'volume.ome.zarr');
    const py = `
import json, sys, numpy as np, zarr
shape = tuple(int(v) for v in sys.argv[2].split(','))
dtype = sys.argv[4]
data = np.fromfile(sys.argv[1], dtype=dtype).reshape(shape)
root = zarr.open_group(zarr.DirectoryStore(sys.argv[3]), mode='w')
root.create_dataset('0', data=data, chunks=(min(16, shape[0]), 256, 256))
axes = [{'name': n, 'type': 'space', 'unit': 'micrometer'} for n in 'zyx']
root.attrs['multiscales'] = [{'version': '0.4', 'axes': axes, 'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [0.3, 0.1, 0.1]}]}]}]
`;
    const data = volume.data as Uint8Array | Uint16Array | Float32Array;
    const dtype = data instanceof Uint16Array ? 'uint16' : data instanceof Uint8Array ? 'uint8' : 'float32';
    execFileSync(python, ['-c', py, join(dir, 'volume.raw'), shape.join(','), zarr, dtype]);
    rmSync(join(dir, 'volume.raw'));
    // The same volume as a TIFF (ImageJ, uncompressed), read block by block: pages and windows.
    await writeTiffFile(join(dir, 'volume.tif'), volume);
    const rows = [];
    for (const mode of ['baseline', 'whole', 'blocks', 'blocks-tiff']) {
      console.error(`${mode} …`);
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--conditions=@dmdet/source',
          import.meta.filename,
          '--child',
          mode,
          '--zarr',
          zarr,
          '--truth',
          join(dir, 'truth.json'),
          '--block',
          block.join(','),
        ],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      if (r.status !== 0) throw new Error(`${mode} run failed:\n${r.stderr}`);
      rows.push(JSON.parse(r.stdout.trim().split('\n').pop() as string));
      console.error(JSON.stringify(rows.at(-1)));
    }
    const [baseline, whole, blocks, blocksTiff] = rows;
    console.log(
      `OME-Zarr ${shape.join('×')} uint16, ${count} spots; blocks of ${block.join('×')}; one wasm thread, built-in model\n`,
    );
    console.log('| run | F1 | detections | seconds | peak RSS (MiB) |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const r of rows)
      console.log(
        `| ${r.mode} | ${typeof r.f1 === 'number' && Number.isFinite(r.f1) ? r.f1.toFixed(3) : '–'} | ${r.count} | ${r.seconds.toFixed(1)} | ${r.peakMiB.toFixed(0)} |`,
      );
    console.log(
      `\nblocks / whole: time ×${(blocks.seconds / whole.seconds).toFixed(2)}, peak memory ×${(blocks.peakMiB / whole.peakMiB).toFixed(2)}; ` +
        `above the baseline (${baseline.peakMiB.toFixed(0)} MiB: Node, tfjs, the model): ×${((blocks.peakMiB - baseline.peakMiB) / (whole.peakMiB - baseline.peakMiB)).toFixed(2)}`,
    );
    console.log(
      `TIFF blocks / whole: time ×${(blocksTiff.seconds / whole.seconds).toFixed(2)}, peak memory ×${(blocksTiff.peakMiB / whole.peakMiB).toFixed(2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
