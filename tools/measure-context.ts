/**
 * Measures the context a model's tiles need (`measureContext` of @dmdet/pipeline) on simulated
 * `general`-family volumes at the model's spot scale, and with `--write` stores it in the model's
 * metadata (`model.json`, `userDefinedMetadata.dmdet.context`), as `trainDetector` does for the
 * models it trains:
 *
 *   npx tsx --conditions=@dmdet/source tools/measure-context.ts packages/pipeline/model/general [--write]
 *
 * Volumes: 48×128×128 (tall enough to measure z), the centre of the family and three departures
 * (dense, bright blobs, halo) at SNR 4, seeds of their own (not the robustness benchmark's).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hourglassGeometry } from '@dmdet/model';
import { measureContext, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { DEFAULT_NORMALIZATION, normalizeInput } from '@dmdet/preprocess';
import { deriveSeed, mergeGeneralParams, simulateGeneral } from '@dmdet/simulate';
import { setMetadataFields } from './lib/model-json';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from './lib/robustness-scenarios';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { write: { type: 'boolean', default: false } },
});
const dir = positionals[0];
if (!dir) throw new Error('usage: tools/measure-context.ts <model dir> [--write]');
await useBackend('wasm');
const detector = await loadModel(dir);
const { metadata } = detector;
const CONTEXT_SEED = 0xc0_47e7;
const volumes = ['centre', 'dense', 'blobs', 'halo'].map((name, i) => {
  const scenario = ROBUSTNESS_SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  const base = robustnessParams(scenario, 4);
  const count = Math.round((base.spots.count * 48) / base.shape[0] / 4);
  const params = mergeGeneralParams(base, {
    shape: [48, 128, 128],
    spots: { count },
    ...(metadata.spotScale ? { psf: { sigmaXY: metadata.spotScale.xy, sigmaZ: metadata.spotScale.z } } : {}),
  });
  return normalizeInput(
    simulateGeneral(params, deriveSeed(CONTEXT_SEED, i)).volume,
    metadata.normalization ?? DEFAULT_NORMALIZATION,
  );
});
const started = Date.now();
const context = await measureContext(detector.model, volumes, { config: metadata.config });
const radius = hourglassGeometry(metadata.config).receptiveRadius;
console.log(
  `${dir}: context ${context.radius.join('×')} (receptive radius ${radius.join('×')}), largest |Δmap| ${context.maxDifference.toExponential(2)} ≤ ${context.tolerance} on ${context.probes} probes (${((Date.now() - started) / 1000).toFixed(0)} s)`,
);
if (values.write) {
  if (!(context.maxDifference <= context.tolerance)) throw new Error('not measured: nothing written');
  const file = join(dir, 'model.json');
  setMetadataFields(file, { context: { radius: context.radius, tolerance: context.tolerance } });
  console.log(`written to ${file}`);
}
