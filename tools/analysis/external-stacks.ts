/**
 * Scores models with default flags on stacks made outside the project, read from disk as a user's
 * would be (uint16 TIFF, truth CSV), beside SEF3D with the stacks' fitted Gaussian σ and the
 * threshold best on each case's validation stacks. The stacks and their `cases.json` come from
 * `tools/analysis/optical_psf_stacks.py` (PSFs from diffraction optics): per case and SNR, the last
 * 2 stacks are SEF3D's validation stacks, the others are scored. Prints F1 (precision / recall) per
 * case, SNR and method (and RMSE in voxels, mean over the stacks), and the spot size and threshold
 * each stack was given.
 *
 *   /usr/bin/python3 tools/analysis/optical_psf_stacks.py bench-output/optical
 *   npx tsx --conditions=@dmdet/source tools/analysis/external-stacks.ts bench-output/optical [models default]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { toFloat32 } from '@dmdet/volume-io';
import { readPointsCsvFile, readTiffFile } from '@dmdet/volume-io/node';
import { tunedSef3d } from '../lib/sef3d-tuned';

interface CaseFile {
  snr: number;
  tif: string;
  truth: string;
}
interface CaseEntry {
  sigma_xy: number;
  sigma_z: number;
  files: CaseFile[];
}

const [folder, modelText = 'default'] = process.argv.slice(2);
if (!folder) throw new Error('usage: external-stacks.ts <folder with cases.json> [models]');
const cases = JSON.parse(readFileSync(join(folder, 'cases.json'), 'utf8')) as Record<string, CaseEntry>;
const backend = await useBackend('wasm');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (s: { f1: number; precision: number; recall: number; rmse: number }[]) =>
  `${mean(s.map((x) => x.f1)).toFixed(3)} (${mean(s.map((x) => x.precision)).toFixed(2)} / ${mean(s.map((x) => x.recall)).toFixed(2)}; RMSE ${mean(s.map((x) => x.rmse)).toFixed(2)})`;

async function load(c: CaseEntry, f: CaseFile) {
  const volume = toFloat32(await readTiffFile(join(folder as string, f.tif)));
  const points = (await readPointsCsvFile(join(folder as string, f.truth))).map(({ x, y, z }) => ({
    x,
    y,
    z,
  }));
  return { volume, points, spotSigma: { xy: c.sigma_xy, z: c.sigma_z } };
}

const started = Date.now();
for (const name of modelText.split(',')) {
  const model = await loadModel(name);
  const pool = await ModelWorkerPool.create(model.model, { workers: 2, backend });
  try {
    for (const [caseName, c] of Object.entries(cases))
      for (const snr of [...new Set(c.files.map((f) => f.snr))]) {
        const files = c.files.filter((f) => f.snr === snr);
        const test = await Promise.all(files.slice(0, -2).map((f) => load(c, f)));
        const scores = [];
        const used: string[] = [];
        for (const t of test) {
          const r = await detect(t.volume, { model, predictor: pool });
          scores.push(evaluate(t.points, r.points, { gate: 5 }));
          used.push(`${r.spotSize?.xy.toFixed(2)},${r.spotSize?.z.toFixed(2)}/${r.threshold.toFixed(2)}`);
        }
        let sef = '';
        if (name === modelText.split(',')[0]) {
          const validation = await Promise.all(files.slice(-2).map((f) => load(c, f)));
          sef = `; SEF3D (σ ${c.sigma_xy.toFixed(2)}, ${c.sigma_z.toFixed(2)}) ${fmt(tunedSef3d(test, validation).scores)}`;
        }
        console.log(
          `${caseName} SNR ${snr}: ${name} ${fmt(scores)}${sef}; σxy,σz/threshold ${used.join(' ')}`,
        );
      }
  } finally {
    await pool.close();
  }
}
console.log(`(${((Date.now() - started) / 60000).toFixed(1)} min)`);
process.exit(0);
