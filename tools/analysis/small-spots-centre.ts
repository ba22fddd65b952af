/**
 * Spots small on all three axes in the general family's centre scene (16×256×256, 200 spots,
 * camera offset 100, mild cells; `GENERAL_CENTRE`) with σxy = σz = each of `sigmas`: F1 of a model
 * as it is and with its `spotScale.maxZoom` removed (enlarged all the way to its spot scale), beside
 * SEF3D with the true σ and the threshold best on 2 validation volumes of the same case (as
 * `bench:robustness` gives it). Seeds of their own (parent 0x0dd00003), none a benchmark's:
 *
 * With a 5th argument `given`, also the model as it is with the true spot size given (`spotSize`,
 * CLI `--spot-size`) instead of estimated.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/small-spots-centre.ts [model] [sigmas 0.6,0.7] [snrs 2,4,7] [volumes 3] [given]
 */
import { ModelWorkerPool } from '@dmdet/model/node';
import { type DetectorModel, detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { deriveSeed, GENERAL_CENTRE, mergeGeneralParams, simulateGeneral } from '@dmdet/simulate';
import { tunedSef3d } from '../lib/sef3d-tuned';

const [name = 'default', sigmaText = '0.6,0.7', snrText = '2,4,7', volumesText = '3', givenText] =
  process.argv.slice(2);
const given = givenText === 'given';
const sigmas = sigmaText.split(',').map(Number);
const snrs = snrText.split(',').map(Number);
const volumes = Number(volumesText);
if (sigmas.some((s) => !(s > 0)) || snrs.some((s) => !(s > 0)) || !(Number.isInteger(volumes) && volumes > 0))
  throw new Error(
    `usage: small-spots-centre.ts [model] [sigmas] [snrs] [volumes]; got ${process.argv.slice(2).join(' ')}`,
  );
const backend = await useBackend('wasm');
const model = await loadModel(name);
const scale = model.metadata.spotScale;
if (!scale?.maxZoom) throw new Error(`${name}: its spotScale has no maxZoom to compare against`);
const { maxZoom, ...plain } = scale;
const unlimited: DetectorModel = { ...model, metadata: { ...model.metadata, spotScale: plain } };
const pool = await ModelWorkerPool.create(model.model, { workers: 2, backend });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `model ${name}, maxZoom ${JSON.stringify(maxZoom)}; F1 (precision / recall), mean over ${volumes} volumes`,
);
for (const s of sigmas)
  for (const snr of snrs) {
    const params = mergeGeneralParams(GENERAL_CENTRE, { psf: { sigmaXY: s, sigmaZ: s }, spots: { snr } });
    const sim = (r: number) =>
      simulateGeneral(params, deriveSeed(0x0dd0_0003, Math.round(s * 1000) * 1000 + snr * 10 + r));
    const test = Array.from({ length: volumes }, (_, r) => sim(r));
    const cells: string[] = [];
    const runs = [
      { m: unlimited, size: {} },
      { m: model, size: {} },
      ...(given ? [{ m: model, size: { spotSize: { xy: s, z: s } } }] : []),
    ];
    for (const { m, size } of runs) {
      const scores = [];
      for (const t of test)
        scores.push(
          evaluate(t.points, (await detect(t.volume, { model: m, predictor: pool, ...size })).points, {
            gate: 5,
          }),
        );
      cells.push(
        `${mean(scores.map((x) => x.f1)).toFixed(3)} (${mean(scores.map((x) => x.precision)).toFixed(2)} / ${mean(scores.map((x) => x.recall)).toFixed(2)})`,
      );
    }
    const sefF1 = mean(tunedSef3d(test, [volumes, volumes + 1].map(sim)).scores.map((x) => x.f1));
    console.log(
      `σ ${s} SNR ${snr}: all the way ${cells[0]}, maxZoom ${cells[1]}${given ? `, size given ${cells[2]}` : ''}, SEF3D ${sefF1.toFixed(3)}`,
    );
  }
await pool.close();
process.exit(0);
