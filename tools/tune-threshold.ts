/**
 * Chooses a model's threshold and threshold rule (a threshold that follows each volume's signal)
 * again, without training (`tuneThreshold` of @dmdet/pipeline), on volumes like its training data:
 * `general`-family volumes (128×128, local SNR 1.5–12 or `--snr lo,hi`; seeds from index 5000 of
 * the general training seeds, beyond every training and validation volume and apart from the
 * robustness benchmark's)
 * and the `medium` virus benchmark's 24 validation volumes. Spot sizes are estimated, as `detect`
 * does. With `--write` it stores them in the model's `model.json`:
 *
 *   npx tsx --conditions=@dmdet/source tools/tune-threshold.ts tools/models/general-bright
 *     [--general 48] [--effects] [--snr lo,hi] [--without-crowded] [--flips n] [--write]
 *
 * `--effects` draws the general volumes with the family's acquisition effects (as a model trained
 * with `train:general-model --effects` saw them); `--snr lo,hi` draws their local SNR from that range
 * (as `train:general-model --snr` did). `--without-crowded` fits no `crowded` branch:
 * fitted on these 128×128 volumes, the branches refitted for newer models took ordinary SNR-2 and
 * SNR-4 volumes of the robustness benchmark (docs/tried.md). `--flips n` (1, 2, 4 or 8)
 * predicts each volume as the mean of the maps of its `n` in-plane mirrors and rotations, as
 * `detect` will with the model's `flips`, stored with the threshold (default: the model's own).
 *
 * About 6 min for the default 72 volumes on two cores.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkTestTimeFlips } from '@dmdet/model';
import { ModelWorkerPool } from '@dmdet/model/node';
import { tuneThreshold, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { parseSnrRange, thresholdFitVolumes } from './lib/general-data';
import { setMetadataFields } from './lib/model-json';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    write: { type: 'boolean', default: false },
    general: { type: 'string', default: '48' },
    effects: { type: 'boolean', default: false },
    'without-crowded': { type: 'boolean', default: false },
    snr: { type: 'string' },
    flips: { type: 'string' },
  },
});
const dir = positionals[0];
const general = Number(values.general);
if (!dir || !Number.isInteger(general) || general < 0)
  throw new Error(
    'usage: tools/tune-threshold.ts <model dir> [--general n] [--effects] [--snr lo,hi] [--without-crowded] [--flips n] [--write]',
  );
const snr = values.snr === undefined ? undefined : parseSnrRange(values.snr);
const flips = values.flips === undefined ? undefined : checkTestTimeFlips(Number(values.flips), '--flips');
const backend = await useBackend('wasm');
const detector = await loadModel(dir);
const started = Date.now();
const volumes = thresholdFitVolumes(5000, general, {
  virus: true,
  effects: values.effects,
  ...(snr ? { snr } : {}),
});
const pool = await ModelWorkerPool.create(detector.model, { workers: availableParallelism(), backend });
try {
  const result = await tuneThreshold(detector, volumes, {
    predictor: pool,
    ...(flips !== undefined ? { flips } : {}),
    ...(values['without-crowded'] ? { thresholdRule: { crowded: false } } : {}),
  });
  const { threshold, thresholdRule, flips: usedFlips } = result.detector.metadata;
  console.log(
    `${dir}: threshold ${threshold?.toFixed(3)} (was ${detector.metadata.threshold?.toFixed(3)}), mean F1 ${result.fixedF1.toFixed(3)} on ${volumes.length} volumes (flips ${usedFlips ?? 1}); ${
      thresholdRule
        ? `threshold rule: knots ${thresholdRule.knots.map((k) => k.toFixed(2)).join(', ')} → thresholds ${thresholdRule.thresholds.map((t) => t.toFixed(2)).join(', ')}${thresholdRule.zoomSlope ? ` + ${thresholdRule.zoomSlope} × log2 zoom` : ''}${thresholdRule.fallback !== undefined ? `, fallback ${thresholdRule.fallback.toFixed(2)}` : ''}${thresholdRule.crowded ? `, crowded (signal < ${thresholdRule.crowded.below.toFixed(3)}, ≥ ${thresholdRule.crowded.density.toFixed(1)} maxima ≥ ${thresholdRule.crowded.score} per million voxels) → ${thresholdRule.crowded.threshold.toFixed(2)}` : ''}, mean F1 ${result.meanF1.toFixed(3)}`
        : (result.ruleNote ?? 'no threshold rule')
    } (${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  if (values.write) {
    const file = join(dir, 'model.json');
    setMetadataFields(file, {
      threshold,
      thresholdRule,
      flips: usedFlips,
    });
    console.log(`written to ${file}`);
  }
} finally {
  await pool.close();
}
