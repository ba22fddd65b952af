/**
 * A probe after the issue's real smFISH tissue stacks (10×200×200, sCMOS offset 2,000, strong
 * autofluorescence, blobs a few times brighter than the spots, 30–120 spots): the general family's
 * centre moved to 10×200×200, camera offset 2,000, gain 2, read noise 3 counts, background 20
 * photons with a gradient, 8 cells of 4 σ_bg (nuclei 0.6 of that) holding 90 % of the spots, 12
 * unannotated blobs (radius 2–5 px, 3–6× the spot amplitude), PSF σxy 1.56 px (the real stacks'), σz
 * 0.9 slice, amplitude spread 0.4, 30–120 spots per volume; the cells smooth or with a granular
 * texture (`textures`). Scored with the model's default flags (spot size estimated) and, with
 * `--given`, with the true spot size given too, beside SEF3D with the true σ and the threshold best
 * on 2 validation volumes of the same case. Seeds of their own (parent 0x71550e00); 4 test volumes
 * per case. Prints, per volume, the spot size used and the threshold.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/tissue-probe.ts [model default] [textures 0,0.3] [snrs 2,4,7] [--given]
 */
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { deriveSeed, GENERAL_CENTRE, mergeGeneralParams, simulateGeneral } from '@dmdet/simulate';
import { tunedSef3d } from '../lib/sef3d-tuned';

const args = process.argv.slice(2);
const given = args.includes('--given');
const [name = 'default', textureText = '0,0.3', snrText = '2,4,7'] = args.filter((a) => a !== '--given');
const textures = textureText.split(',').map(Number);
const snrs = snrText.split(',').map(Number);
if (textures.some((t) => !(t >= 0)) || snrs.some((s) => !(s > 0)))
  throw new Error(`usage: tissue-probe.ts [model] [textures] [snrs] [--given]; got ${args.join(' ')}`);

const SIGMA = { xy: 1.56, z: 0.9 };
const backend = await useBackend('wasm');
const model = await loadModel(name);
const pool = await ModelWorkerPool.create(model.model, { workers: 2, backend });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `model ${name}; spot size ${given ? 'given (the truth)' : 'estimated'}; F1 (precision / recall) over 4 volumes`,
);
for (const texture of textures)
  for (const snr of snrs) {
    const sim = (k: number) => {
      const params = mergeGeneralParams(GENERAL_CENTRE, {
        shape: [10, 200, 200],
        camera: { offset: 2000, gain: 2, readNoise: 3 },
        background: {
          level: 20,
          gradient: 0.5,
          cells: {
            count: 8,
            radius: 40,
            height: 12,
            brightness: 4,
            nucleusSize: 0.45,
            nucleusBrightness: 0.6,
            texture,
          },
          blobs: { count: 12, radius: [2, 5], brightness: [3, 6] },
        },
        psf: { sigmaXY: SIGMA.xy, sigmaZ: SIGMA.z },
        spots: { count: 30 + ((k * 37) % 90), snr, amplitudeSpread: 0.4, insideCells: 0.9 },
      });
      return simulateGeneral(
        params,
        deriveSeed(0x7155_0e00, snr * 10 + k + Math.round(texture * 1000) * 100),
      );
    };
    const test = [0, 1, 2, 3].map(sim);
    const scores = [];
    const used: string[] = [];
    for (const t of test) {
      const r = await detect(t.volume, { model, predictor: pool, ...(given ? { spotSize: SIGMA } : {}) });
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
