/**
 * A probe after the issue's real smFISH tissue stacks (10×200×200, sCMOS offset 2,000, strong
 * autofluorescence, blobs a few times brighter than the spots, 30–120 spots; the scene:
 * `tools/lib/tissue-scene.ts`), with smooth or granular cells (`textures`). Scored with the model's
 * default flags (spot size estimated) and, with `--given`, with the true spot size given too,
 * beside SEF3D with the true σ and the threshold best on 2 validation volumes of the same case; 4
 * test volumes per case. Prints, per volume, the spot size used and the threshold.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/tissue-probe.ts [model default] [textures 0,0.3] [snrs 2,4,7] [--given]
 */
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { tunedSef3d } from '../lib/sef3d-tuned';
import { TISSUE_SIGMA, tissueVolume } from '../lib/tissue-scene';

const args = process.argv.slice(2);
const given = args.includes('--given');
const [name = 'default', textureText = '0,0.3', snrText = '2,4,7'] = args.filter((a) => a !== '--given');
const textures = textureText.split(',').map(Number);
const snrs = snrText.split(',').map(Number);
if (textures.some((t) => !(t >= 0)) || snrs.some((s) => !(s > 0)))
  throw new Error(`usage: tissue-probe.ts [model] [textures] [snrs] [--given]; got ${args.join(' ')}`);

const backend = await useBackend('wasm');
const model = await loadModel(name);
const pool = await ModelWorkerPool.create(model.model, { workers: 2, backend });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `model ${name}; spot size ${given ? 'given (the truth)' : 'estimated'}; F1 (precision / recall) over 4 volumes`,
);
for (const texture of textures)
  for (const snr of snrs) {
    const sim = (k: number) => tissueVolume(texture, snr, k);
    const test = [0, 1, 2, 3].map(sim);
    const scores = [];
    const used: string[] = [];
    for (const t of test) {
      const r = await detect(t.volume, {
        model,
        predictor: pool,
        ...(given ? { spotSize: TISSUE_SIGMA } : {}),
      });
      scores.push(evaluate(t.points, r.points, { gate: 5 }));
      used.push(`${r.spotSize?.xy.toFixed(2)}/${r.threshold.toFixed(2)}`);
    }
    const sef = mean(tunedSef3d(test, [4, 5].map(sim)).scores.map((x) => x.f1));
    console.log(
      `texture ${texture} SNR ${snr}: ${mean(scores.map((x) => x.f1)).toFixed(3)} (${mean(scores.map((x) => x.precision)).toFixed(2)} / ${mean(scores.map((x) => x.recall)).toFixed(2)}); SEF3D ${sef.toFixed(3)}; σxy/threshold ${used.join(' ')}`,
    );
  }
await pool.close();
process.exit(0);
