/**
 * The built-in model on a user-sized grainy stack (the tissue-like scene scaled up in-plane,
 * `scaledTissueParams`: granular cells, blobs, background 20 photons), beside SEF3D with the true σ
 * and the threshold best on one validation volume of the same case:
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/large-grainy.ts [shape, default 16,512,512] [SNRs, default 4,7] [model]
 *
 * Per SNR, one test volume: F1 with default flags (the decoy check on), with `decoy: false`, and at
 * the threshold best for that volume on the same map (an oracle: how far the threshold is from the
 * best the map allows). Seeds of their own (parent 0x1a76e).
 */
import { availableParallelism } from 'node:os';
import { matchPoints } from '@dmdet/metrics';
import { ModelWorkerPool } from '@dmdet/model/node';
import { DEFAULT_MIN_DISTANCE, detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { localMaxima3D } from '@dmdet/postprocess';
import { fromResampled } from '@dmdet/preprocess';
import { deriveSeed, simulateGeneral } from '@dmdet/simulate';
import { tunedSef3d } from '../lib/sef3d-tuned';
import { scaledTissueParams, TISSUE_SIGMA } from '../lib/tissue-scene';

const [shapeArg = '16,512,512', snrArg = '4,7', modelName = 'default'] = process.argv.slice(2);
const shape = shapeArg.split(',').map(Number) as [number, number, number];
const backend = await useBackend('wasm');
const model = await loadModel(modelName);
const pool = await ModelWorkerPool.create(model.model, { workers: availableParallelism(), backend });
console.log(`model ${modelName}; ${shape.join('×')}, granular cells; F1 (gate 5)`);
for (const snr of snrArg.split(',').map(Number)) {
  const started = Date.now();
  const scene = (k: number) => {
    const sim = simulateGeneral(scaledTissueParams(shape, snr), deriveSeed(0x1a76e, snr * 10 + k));
    return { ...sim, spotSigma: TISSUE_SIGMA };
  };
  const test = scene(0);
  const validation = scene(1);
  const f1 = (points: readonly { x: number; y: number; z: number }[]) =>
    evaluate(test.points, points, { gate: 5 }).f1;
  const checked = await detect(test.volume, { model, predictor: pool, keepMap: true });
  const unchecked = await detect(test.volume, { model, predictor: pool, decoy: false });
  // The best threshold on the same map: each maximum (mapped back to the volume) matched once at the
  // lowest threshold, then F1 at every threshold from 0.05 to 0.99.
  const map = checked.map;
  if (!map) throw new Error('no map');
  const maxima = localMaxima3D(map, { threshold: 0.05, minDistance: DEFAULT_MIN_DISTANCE });
  const mapped = checked.resampling ? maxima.map((m) => fromResampled(m, checked.resampling!)) : maxima;
  let best = { threshold: 0, f1: 0 };
  for (let t = 0.05; t < 0.995; t += 0.01) {
    const above = mapped.filter((m) => m.score >= t);
    const m = matchPoints(test.points, above, { gate: 5 });
    const score = (2 * m.tp) / Math.max(1, test.points.length + above.length);
    if (score > best.f1) best = { threshold: t, f1: score };
  }
  const sef = tunedSef3d([test], [validation]);
  const decoy = checked.decoy
    ? `decoy ${checked.decoy.decoys} of ${checked.decoy.maxima} at the rule's ${checked.ruleThreshold?.toFixed(2)}, raised by ${checked.decoy.raise.toFixed(2)}`
    : 'no decoy';
  console.log(
    `SNR ${snr}: ${test.points.length} spots; default ${f1(checked.points).toFixed(3)} at ${checked.threshold.toFixed(2)} (${decoy}); decoy: false ${f1(unchecked.points).toFixed(3)} at ${unchecked.threshold.toFixed(2)}; best on the map ${best.f1.toFixed(3)} at ${best.threshold.toFixed(2)}; SEF3D ${(sef.scores[0]?.f1 ?? 0).toFixed(3)} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
}
await pool.close();
