/**
 * Sets the knee of a model's `'background'` input transform (`normalization.knee`: values beyond
 * `knee` noise σ compressed as `knee · asinh(r / knee)`) without retraining:
 *
 *   npx tsx --conditions=@dmdet/source tools/set-input-knee.ts <model dir> <knee σ>
 *
 * Bright spots (local SNR 60 and more) compressed at the training knee of 20 σ get the flat top of
 * the bright blobs the model learnt to reject, and are missed; a higher knee keeps them
 * spot-shaped (docs/robustness.md, "Bright stacks"). Writes the new knee into `<model dir>/model.json`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setMetadataFields } from './lib/model-json';

const [dir, text] = process.argv.slice(2);
if (!dir || text === undefined) throw new Error('usage: set-input-knee.ts <model dir> <knee σ>');
const knee = Number(text);
if (!(Number.isFinite(knee) && knee > 0)) throw new Error(`knee must be a positive number of σ, got ${text}`);
const file = join(dir, 'model.json');
const meta = JSON.parse(readFileSync(file, 'utf8'))?.userDefinedMetadata?.dmdet;
const normalization = meta?.normalization;
if (normalization?.method !== 'background')
  throw new Error(
    `${file}: normalization must be the 'background' transform, got ${JSON.stringify(normalization)}`,
  );
setMetadataFields(file, { normalization: { ...normalization, knee } });
console.log(`${file}: normalization.knee ${normalization.knee ?? 'default'} → ${knee}`);
