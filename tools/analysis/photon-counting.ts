/**
 * Photon-counting stacks (a confocal's hybrid detectors, an EMCCD thresholded to photons): no
 * camera offset, no read noise, a background of well under one photon per voxel, so most voxels are
 * 0. The general family's centre scene (`GENERAL_CENTRE`: 16×256×256, 200 spots, mild cells) with
 * offset 0, read noise 0, gain 1 and each background `levels` (photons): F1 (precision / recall) of
 * a model with default flags, beside SEF3D with the true σ and the threshold best on 2 validation
 * volumes of the same case (as `bench:robustness` gives it). Seeds of their own (parent 0x0dd00004):
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/photon-counting.ts [model] [levels 0.1,0.3,1] [snrs 2,4,7] [volumes 3]
 */
import { ModelWorkerPool } from '@dmdet/model/node';
import { detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { deriveSeed, GENERAL_CENTRE, mergeGeneralParams, simulateGeneral } from '@dmdet/simulate';
import { tunedSef3d } from '../lib/sef3d-tuned';

const [name = 'default', levelText = '0.1,0.3,1', snrText = '2,4,7', volumesText = '3'] =
  process.argv.slice(2);
const levels = levelText.split(',').map(Number);
const snrs = snrText.split(',').map(Number);
const volumes = Number(volumesText);
if (levels.some((s) => !(s > 0)) || snrs.some((s) => !(s > 0)) || !(Number.isInteger(volumes) && volumes > 0))
  throw new Error(
    `usage: photon-counting.ts [model] [levels] [snrs] [volumes]; got ${process.argv.slice(2).join(' ')}`,
  );
const backend = await useBackend('wasm');
const model = await loadModel(name);
const pool = await ModelWorkerPool.create(model.model, { workers: 2, backend });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`model ${name}; F1 (precision / recall), mean over ${volumes} volumes`);
for (const level of levels)
  for (const snr of snrs) {
    const params = mergeGeneralParams(GENERAL_CENTRE, {
      camera: { offset: 0, readNoise: 0, gain: 1 },
      background: { level },
      spots: { snr },
    });
    const sim = (r: number) =>
      simulateGeneral(params, deriveSeed(0x0dd0_0004, Math.round(level * 100) * 1000 + snr * 10 + r));
    const test = Array.from({ length: volumes }, (_, r) => sim(r));
    const scores = [];
    for (const t of test)
      scores.push(
        evaluate(t.points, (await detect(t.volume, { model, predictor: pool })).points, { gate: 5 }),
      );
    const sefF1 = mean(tunedSef3d(test, [volumes, volumes + 1].map(sim)).scores.map((x) => x.f1));
    console.log(
      `background ${level} SNR ${snr}: ${mean(scores.map((x) => x.f1)).toFixed(3)} (${mean(scores.map((x) => x.precision)).toFixed(2)} / ${mean(scores.map((x) => x.recall)).toFixed(2)}), SEF3D ${sefF1.toFixed(3)}`,
    );
  }
await pool.close();
process.exit(0);
