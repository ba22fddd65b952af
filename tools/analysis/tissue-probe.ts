/**
 * A probe after the issue's real smFISH tissue stacks (10×200×200, sCMOS offset 2,000, strong
 * autofluorescence, blobs a few times brighter than the spots, 30–120 spots; the scene:
 * `tools/lib/tissue-scene.ts`), with smooth or granular cells (`textures`). Scored with the model's
 * default flags (spot size estimated) and, with `--given`, with the true spot size given too,
 * beside SEF3D with the true σ and the threshold best on 2 validation volumes of the same case; 4
 * test volumes per case. Prints, per volume, the spot size used and the threshold, marking the
 * volumes whose decoy raise drew `detect`'s warning. With `--tuned`,
 * the model is also scored with the advantage SEF3D has: its threshold chosen on the same 2
 * validation volumes by `tuneThreshold` (what `dmdet train --from <model> --threshold-only` does).
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/tissue-probe.ts [model default] [textures 0,0.3] [snrs 2,4,7] [--given] [--tuned] [--level=<photons>]
 *
 * `--level` sets the scene's background in photons (default 20; e.g. 500 for shot noise close to
 * normal, as in stacks of hundreds of photons per voxel).
 */
import { ModelWorkerPool } from '@dmdet/model/node';
import { type DetectorModel, detect, evaluate, tuneThreshold, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { tunedSef3d } from '../lib/sef3d-tuned';
import { TISSUE_SIGMA, tissueVolume } from '../lib/tissue-scene';

const args = process.argv.slice(2);
const given = args.includes('--given');
const tuned = args.includes('--tuned');
const levelArg = args.find((a) => a.startsWith('--level='));
const level = levelArg ? Number(levelArg.slice('--level='.length)) : 20;
if (!(level > 0)) throw new Error(`--level must be a number of photons > 0, got ${levelArg}`);
const [name = 'default', textureText = '0,0.3', snrText = '2,4,7'] = args.filter((a) => !a.startsWith('--'));
const textures = textureText.split(',').map(Number);
const snrs = snrText.split(',').map(Number);
if (textures.some((t) => !(t >= 0)) || snrs.some((s) => !(s > 0)))
  throw new Error(
    `usage: tissue-probe.ts [model] [textures] [snrs] [--given] [--tuned]; got ${args.join(' ')}`,
  );

const backend = await useBackend('wasm');
const model = await loadModel(name);
const pool = await ModelWorkerPool.create(model.model, { workers: 2, backend });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `model ${name}; spot size ${given ? 'given (the truth)' : 'estimated'}; background ${level} photons; F1 (precision / recall) over 4 volumes`,
);
for (const texture of textures)
  for (const snr of snrs) {
    const sim = (k: number) => tissueVolume(texture, snr, k, level);
    const test = [0, 1, 2, 3].map(sim);
    const validation = [4, 5].map(sim);
    /** F1 (precision / recall) over the test volumes, and each one's spot size and threshold. */
    const score = async (detector: DetectorModel) => {
      const scores = [];
      const used: string[] = [];
      for (const t of test) {
        const r = await detect(t.volume, {
          model: detector,
          predictor: pool,
          ...(given ? { spotSize: TISSUE_SIGMA } : {}),
        });
        scores.push(evaluate(t.points, r.points, { gate: 5 }));
        const warned = r.warnings.some((w) => /decoy check/.test(w));
        used.push(
          `${r.spotSize?.xy.toFixed(2)}/${r.threshold.toFixed(2)}${warned ? ' (decoy warning)' : ''}`,
        );
      }
      return `${mean(scores.map((x) => x.f1)).toFixed(3)} (${mean(scores.map((x) => x.precision)).toFixed(2)} / ${mean(scores.map((x) => x.recall)).toFixed(2)}); σxy/threshold ${used.join(' ')}`;
    };
    const own = await score(model);
    const withTuned = tuned
      ? `; threshold tuned on the validation volumes: ${await score(
          (
            await tuneThreshold(
              model,
              validation.map((v) => ({
                volume: v.volume,
                points: v.points,
                ...(given ? { spotSize: TISSUE_SIGMA } : {}),
              })),
              { predictor: pool },
            )
          ).detector,
        )}`
      : '';
    const sef = mean(tunedSef3d(test, validation).scores.map((x) => x.f1));
    console.log(`texture ${texture} SNR ${snr}: ${own}${withTuned}; SEF3D ${sef.toFixed(3)}`);
  }
await pool.close();
process.exit(0);
