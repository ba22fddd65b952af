// Smoke test of the built packages (run after `npm run build`, as .ci/run does):
// the worker pool loads dist/worker.js from both the ESM and the CJS entry, and the built `dmdet`
// CLI finds its built-in model and detects in a TIFF written by tifffile.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { createDmDetNet3D, predictVolume } from '@dmdet/model';
import { ModelWorkerPool } from '@dmdet/model/node';

const require = createRequire(import.meta.url);
const cjs = require('@dmdet/model/node');

await tf.setBackend('cpu');
const model = createDmDetNet3D({ widths: [4, 8], strides: [[1, 2, 2]], blocksPerLevel: 1, seed: 1 });
const volume = {
  data: Float32Array.from({ length: 4 * 16 * 16 }, (_, i) => Math.sin(i)),
  shape: [4, 16, 16],
};
const ref = await predictVolume(model, volume);
for (const [name, Pool] of [
  ['esm', ModelWorkerPool],
  ['cjs', cjs.ModelWorkerPool],
]) {
  const pool = await Pool.create(model, { workers: 2, backend: 'cpu' });
  try {
    const out = await pool.predict(volume);
    let diff = 0;
    for (let i = 0; i < out.data.length; i++) diff = Math.max(diff, Math.abs(out.data[i] - ref.data[i]));
    if (!(diff < 1e-4)) throw new Error(`${name}: worker prediction differs by ${diff}`);
    console.log(`${name}: worker pool from dist ok (max diff ${diff.toExponential(1)})`);
  } finally {
    await pool.close();
  }
}

/** Runs the built `dmdet` (not the sources) with `args`; throws with its stderr if it fails. */
function builtDmdet(what, args) {
  const r = spawnSync(process.execPath, ['packages/pipeline/bin/dmdet.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DMDET_FROM_SOURCE: '' },
  });
  if (r.status !== 0) throw new Error(`built dmdet ${what} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

const dir = mkdtempSync(join(tmpdir(), 'dmdet-smoke-'));
try {
  const out = join(dir, 'det.csv');
  const tiff = builtDmdet('detect', [
    'detect',
    'packages/volume-io/test/fixtures/imagej_uint16.tif',
    '--out',
    out,
    '--png',
    '--quiet',
  ]);
  const header = readFileSync(out, 'utf8').split('\n')[0];
  if (header !== 'x,y,z,score,intensity,background,noise,integrated,snr,x_um,y_um,z_um')
    throw new Error(`unexpected CSV header ${header}`);
  readFileSync(join(dir, 'det.png'));
  console.log(`built dmdet CLI ok: ${tiff}`);
  // OME-Zarr through the built packages (zarrita is imported on demand), napari layout out.
  const zout = join(dir, 'spots.points.csv');
  const zarr = builtDmdet('detect on OME-Zarr', [
    'detect',
    'packages/pipeline/test/fixtures/hyperstacks/spots_tczyx.ome.zarr',
    '--channel',
    '1',
    '--time',
    '0',
    '--format',
    'napari',
    '--out',
    zout,
    '--quiet',
  ]);
  const zheader = readFileSync(zout, 'utf8').split('\n')[0];
  if (!zheader.startsWith('index,axis-0,axis-1,axis-2,axis-3,score,'))
    throw new Error(`unexpected napari header ${zheader}`);
  console.log(`built dmdet CLI on OME-Zarr ok: ${zarr}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
