/**
 * Gives a model another model's trained weights, keeping everything else of its metadata (spot
 * scale, input transform, flips, threshold rule and its terms, axial-ghost rule, tile context):
 *
 *   npx tsx tools/set-weights.ts <model dir> <weights from dir>
 *
 * For weights fine-tuned further from the ones a model was shipped with, where what detection does
 * around the network stays as it was chosen. Refuses models whose weights manifests differ in
 * name, shape or dtype (another architecture). Copies the weights file and records the source's
 * `training` metadata as the model's, with `weightsFrom` (the source directory) and
 * `metadataChosenWith` (the `training` block of the weights the rest of the metadata was chosen
 * with). Writes into `<model dir>`.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelFolder, setMetadataFields, type WeightSpec } from './lib/model-json';

const [dir, from] = process.argv.slice(2);
if (!dir || !from) throw new Error('usage: set-weights.ts <model dir> <weights from dir>');
const target = readModelFolder(dir);
const source = readModelFolder(from);
const describe = (w: WeightSpec) => `${w.name} [${w.shape}] ${w.dtype}`;
if (target.weights.length !== source.weights.length)
  throw new Error(
    `${dir} has ${target.weights.length} weights, ${from} ${source.weights.length}: not one architecture`,
  );
target.weights.forEach((w, i) => {
  const v = source.weights[i] as (typeof source.weights)[number];
  if (describe(w) !== describe(v))
    throw new Error(`weight ${i}: ${describe(w)} in ${dir}, ${describe(v)} in ${from}: not one architecture`);
});
const before = target.json.userDefinedMetadata?.dmdet?.training;
const training = source.json.userDefinedMetadata?.dmdet?.training;
copyFileSync(source.weightsPath, target.weightsPath);
setMetadataFields(join(dir, 'model.json'), {
  training: {
    ...(training ?? {}),
    weightsFrom: from,
    metadataChosenWith: before?.metadataChosenWith ?? before ?? null,
  },
});
console.log(`${dir}: weights of ${from}; the rest of its metadata kept`);
