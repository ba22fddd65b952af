/**
 * Dumps a model's density maps (and optionally its normalised inputs) for the small scale's validation
 * split and the extended test set, for the Python analyses beside this file:
 *   npx tsx --conditions=@dmdet/source tools/analysis/dump-maps.ts <model dir> <out dir> [input]
 *   /usr/bin/python3 tools/analysis/features.py <out dir> [input]     (features.pkl; per-SNR best thresholds)
 *   /usr/bin/python3 tools/analysis/threshold_by_snr.py <out dir>     (F1 by threshold per SNR; noise-interpolated thresholds)
 *   /usr/bin/python3 tools/analysis/maxima_window.py <out dir> <threshold>  (3×5×5 vs 3×3×3 maxima)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { predictVolume } from '@dmdet/model';
import { useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { DEFAULT_NORMALIZATION, normalizeInput } from '@dmdet/preprocess';
import { benchmarkData, extendedTestData } from '../lib/benchmark-data';

const [modelDir, out, withInput] = [process.argv[2]!, process.argv[3]!, process.argv[4] === 'input'];
await useBackend('wasm');
const det = await loadModel(modelDir);
mkdirSync(out, { recursive: true });
const data = benchmarkData('small');
const sets = { val: data.validation, ext: extendedTestData('small', 25) };
const t0 = Date.now();
for (const [name, items] of Object.entries(sets)) {
  const maps: Float32Array[] = [],
    inputs: Float32Array[] = [],
    meta: unknown[] = [];
  for (const it of items) {
    const input = normalizeInput(it.volume, det.metadata.normalization ?? DEFAULT_NORMALIZATION);
    maps.push((await predictVolume(det.model, input)).data as Float32Array);
    if (withInput) inputs.push(input.data as Float32Array);
    meta.push({ id: it.id, snr: it.snr, density: it.density, shape: it.volume.shape, points: it.points });
  }
  const cat = (a: Float32Array[]) => {
    const o = new Float32Array(a.reduce((s, x) => s + x.length, 0));
    let k = 0;
    for (const x of a) {
      o.set(x, k);
      k += x.length;
    }
    return Buffer.from(o.buffer);
  };
  writeFileSync(`${out}/${name}-maps.f32`, cat(maps));
  if (withInput) writeFileSync(`${out}/${name}-inputs.f32`, cat(inputs));
  writeFileSync(
    `${out}/${name}-meta.json`,
    JSON.stringify({ threshold: det.metadata.threshold, items: meta }),
  );
  console.log(name, items.length, `${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
