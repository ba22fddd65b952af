/**
 * What the axial-ghost rule does on the training family rather than on the robustness benchmark:
 * detection with a model's defaults on general volumes of the threshold-fit seeds (no training
 * volume, no benchmark volume), each scored without the rule and with it (the same detections, the
 * ghosts dropped as `detect` drops them):
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/ghost-check.ts [model] [count] [snr lo,hi] [effects]
 *
 * Defaults: `default`, 144 volumes from seed index 5000 (those `tune-threshold.ts` fits on), local
 * SNR 1.5–30, without the acquisition effects (a 4th argument `effects` draws them). Prints the
 * mean F1 both ways, pooled TP / FP / FN, and the volumes the rule changed.
 */
import { detect, evaluate, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { AXIAL_GHOST_DEFAULTS, findAxialGhosts, localContrasts } from '@dmdet/postprocess';
import { toResampled } from '@dmdet/preprocess';
import { parseSnrRange, thresholdFitVolumes } from '../lib/general-data';

const [modelName = 'default', countText = '144', snrText = '1.5,30', effectsArg] = process.argv.slice(2);
const count = Number(countText);
if (!(Number.isInteger(count) && count > 0))
  throw new Error(`count must be a positive integer, got ${countText}`);
await useBackend('wasm');
const model = await loadModel(modelName);
const rule = model.metadata.axialGhosts ?? AXIAL_GHOST_DEFAULTS;
const volumes = thresholdFitVolumes(5000, count, {
  snr: parseSnrRange(snrText),
  effects: effectsArg === 'effects',
});
const sum = { without: 0, with: 0 };
const pooled = { without: { tp: 0, fp: 0, fn: 0 }, with: { tp: 0, fp: 0, fn: 0 } };
let changed = 0;
let ghosts = 0;
for (const v of volumes) {
  const res = await detect(v.volume, { model, axialGhosts: false });
  const resampling = res.resampling;
  const atScale = resampling ? res.points.map((p) => toResampled(p, resampling)) : res.points;
  const ghost = findAxialGhosts(atScale, localContrasts(v.volume.data, v.volume.shape, res.points), rule);
  const kept = res.points.filter((_, i) => !ghost[i]);
  const a = evaluate(v.points, res.points);
  const b = evaluate(v.points, kept);
  sum.without += a.f1;
  sum.with += b.f1;
  for (const [k, s] of [['without', a] as const, ['with', b] as const]) {
    pooled[k].tp += s.tp;
    pooled[k].fp += s.fp;
    pooled[k].fn += s.fn;
  }
  const n = ghost.filter(Boolean).length;
  ghosts += n;
  if (n > 0) {
    changed++;
    console.log(
      `${v.id}: ${n} ghost(s) dropped, F1 ${a.f1.toFixed(3)} → ${b.f1.toFixed(3)} (TP ${a.tp} → ${b.tp})`,
    );
  }
}
console.log(
  `${volumes.length} volumes, ${ghosts} ghosts dropped in ${changed}: mean F1 ${(sum.without / volumes.length).toFixed(4)} without the rule, ${(sum.with / volumes.length).toFixed(4)} with; pooled TP/FP/FN ${pooled.without.tp}/${pooled.without.fp}/${pooled.without.fn} → ${pooled.with.tp}/${pooled.with.fp}/${pooled.with.fn}`,
);
