/**
 * Sets the knee of a model's `'background'` input transform (`normalization.knee`: values beyond
 * `knee` noise σ compressed as `knee · asinh(r / knee)`) and, optionally, its `kneeRatio` (the knee
 * raised to each volume's typical spot peak over that ratio) without retraining:
 *
 *   npx tsx --conditions=@dmdet/source tools/set-input-knee.ts <model dir> <knee σ> [kneeRatio | none]
 *
 * Bright spots (local SNR 60 and more) compressed at the training knee of 20 σ get the flat top of
 * the bright blobs the model learnt to reject, and are missed; a higher knee keeps them
 * spot-shaped (docs/robustness.md, "Bright stacks"). Without a third argument the model's
 * `kneeRatio` is kept; `none` removes it (a fixed knee). Writes into `<model dir>/model.json`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setMetadataFields } from './lib/model-json';

const [dir, text, ratioText] = process.argv.slice(2);
if (!dir || text === undefined)
  throw new Error('usage: set-input-knee.ts <model dir> <knee σ> [kneeRatio | none]');
const knee = Number(text);
if (!(Number.isFinite(knee) && knee > 0)) throw new Error(`knee must be a positive number of σ, got ${text}`);
const file = join(dir, 'model.json');
const meta = JSON.parse(readFileSync(file, 'utf8'))?.userDefinedMetadata?.dmdet;
const normalization = meta?.normalization;
if (normalization?.method !== 'background')
  throw new Error(
    `${file}: normalization must be the 'background' transform, got ${JSON.stringify(normalization)}`,
  );
const ratio = ratioText === undefined || ratioText === 'none' ? undefined : Number(ratioText);
if (ratio !== undefined && !(Number.isFinite(ratio) && ratio > 0))
  throw new Error(`kneeRatio must be a positive number or 'none', got ${ratioText}`);
const { kneeRatio: old, ...rest } = normalization;
const kneeRatio = ratioText === undefined ? old : ratio;
setMetadataFields(file, {
  normalization: { ...rest, knee, ...(kneeRatio !== undefined ? { kneeRatio } : {}) },
});
console.log(
  `${file}: normalization.knee ${normalization.knee ?? 'default'} → ${knee}, kneeRatio ${old ?? 'none'} → ${kneeRatio ?? 'none'}`,
);
