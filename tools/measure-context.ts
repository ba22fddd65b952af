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
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hourglassGeometry } from '@dmdet/model';
import { measureContext, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { DEFAULT_NORMALIZATION, normalizeInput } from '@dmdet/preprocess';
import { deriveSeed, mergeGeneralParams, simulateGeneral } from '@dmdet/simulate';
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
  const text = readFileSync(file, 'utf8');
  const value = { radius: context.radius, tolerance: context.tolerance };
  // Only the one field changes: the rest of the file stays byte for byte (the weights manifest too).
  const without = (t: string) => {
    const j = JSON.parse(t);
    const context = j.userDefinedMetadata.dmdet.context;
    delete j.userDefinedMetadata.dmdet.context;
    return { rest: JSON.stringify(j), context: JSON.stringify(context) };
  };
  const field = /^( *)"context": \{[^\n]*\},?\n/m;
  const threshold = /^( *)"threshold": [^\n]*,\n/m;
  const line = (indent: string) =>
    `${indent}"context": { "radius": [${value.radius.join(', ')}], "tolerance": ${value.tolerance} },\n`;
  // A formatted model.json (the built-in ones) gets one line; one as saveModel writes it (a single
  // line of JSON) is written again the same way with the field added.
  const oneLine = !text.trimEnd().includes('\n');
  const parsed = JSON.parse(text);
  parsed.userDefinedMetadata.dmdet.context = value;
  const edited = oneLine
    ? JSON.stringify(parsed)
    : field.test(text)
      ? text.replace(field, (_m, indent: string) => line(indent))
      : text.replace(threshold, (m, indent: string) => `${m}${line(indent)}`);
  const [before, after] = [without(text), without(edited)];
  if (after.rest !== before.rest || after.context !== JSON.stringify(value))
    throw new Error(`${file}: could not place the context field; nothing written`);
  writeFileSync(file, edited);
  console.log(`written to ${file}`);
}
