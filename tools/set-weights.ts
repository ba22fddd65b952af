/**
 * Gives a model another model's trained weights, keeping everything else of its metadata (spot
 * scale, input transform, flips, threshold rule and its terms, axial-ghost rule, tile context):
 *
 *   npx tsx tools/set-weights.ts <model dir> <weights from dir> [--architecture]
 *
 * For weights fine-tuned further from the ones a model was shipped with, where what detection does
 * around the network stays as it was chosen. Refuses models whose weights manifests differ in
 * name, shape or dtype (another architecture), unless `--architecture` is given: then the source's
 * network (its layer topology, weights manifest and `config`, e.g. widths from
 * `tools/widen-model.ts`) replaces the model's too. Copies the weights file and records the source's
 * `training` metadata as the model's, with `weightsFrom` (the source directory) and
 * `metadataChosenWith` (the `training` block of the weights the rest of the metadata was chosen
 * with). Writes into `<model dir>`.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFolder, setMetadataFields, type WeightSpec } from './lib/model-json';

const args = process.argv.slice(2);
const architecture = args.includes('--architecture');
const [dir, from] = args.filter((a) => a !== '--architecture');
if (!dir || !from) throw new Error('usage: set-weights.ts <model dir> <weights from dir> [--architecture]');
const target = readModelFolder(dir);
const source = readModelFolder(from);
const describe = (w: WeightSpec) => `${w.name} [${w.shape}] ${w.dtype}`;
if (!architecture) {
  if (target.weights.length !== source.weights.length)
    throw new Error(
      `${dir} has ${target.weights.length} weights, ${from} ${source.weights.length}: not one architecture (--architecture takes the source's)`,
    );
  target.weights.forEach((w, i) => {
    const v = source.weights[i] as (typeof source.weights)[number];
    if (describe(w) !== describe(v))
      throw new Error(
        `weight ${i}: ${describe(w)} in ${dir}, ${describe(v)} in ${from}: not one architecture (--architecture takes the source's)`,
      );
  });
}
const before = target.json.userDefinedMetadata?.dmdet?.training;
const training = source.json.userDefinedMetadata?.dmdet?.training;
if (architecture) {
  // The source's network, with the target's metadata: one line of JSON, laid out below.
  const json = structuredClone(target.json);
  json.modelTopology = source.json.modelTopology;
  json.weightsManifest = [
    { ...(json.weightsManifest[0] as object), weights: source.weights },
  ] as typeof json.weightsManifest;
  const dmdet = json.userDefinedMetadata?.dmdet;
  const config = source.json.userDefinedMetadata?.dmdet?.['config'];
  if (!dmdet || config === undefined)
    throw new Error(`${dir} or ${from}: no userDefinedMetadata.dmdet.config`);
  dmdet['config'] = config;
  dmdet['architecture'] = source.json.userDefinedMetadata?.dmdet?.['architecture'];
  const file = join(dir, 'model.json');
  const formatted = readFileSync(file, 'utf8').trimEnd().includes('\n');
  writeFileSync(file, formatted ? `${JSON.stringify(json, null, 2)}\n` : JSON.stringify(json));
}
copyFileSync(source.weightsPath, target.weightsPath);
setMetadataFields(join(dir, 'model.json'), {
  training: {
    ...(training ?? {}),
    weightsFrom: from,
    metadataChosenWith: before?.metadataChosenWith ?? before ?? null,
  },
});
console.log(
  `${dir}: weights of ${from}${architecture ? ' (and its network)' : ''}; the rest of its metadata kept`,
);
