/**
 * Weight-space interpolation of two models of one architecture, fine-tuned from a common start
 * (Wortsman et al., "Robust fine-tuning of zero-shot models", WiSE-FT): every weight
 * (1 − α)·A + α·B. The result takes A's model.json (metadata, threshold and rule included: refit
 * them with `tools/tune-threshold.ts … --write`) and records the blend in its training metadata.
 *
 *   npx tsx tools/blend-models.ts <model A dir> <model B dir> <alpha> <out dir>
 *
 * Refuses models whose weight lists differ in count, shape or dtype, and an existing out dir.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readModelFolder } from './lib/model-json';

const [a, b, alphaText, out] = process.argv.slice(2);
if (!a || !b || !alphaText || !out)
  throw new Error('usage: blend-models.ts <A dir> <B dir> <alpha> <out dir>');
const alpha = Number(alphaText);
if (!(alpha >= 0 && alpha <= 1)) throw new Error(`alpha must be in [0, 1], got ${alphaText}`);
if (existsSync(out)) throw new Error(`${out} exists: not overwriting it`);

const read = (dir: string) => {
  const { json, weights, weightsPath } = readModelFolder(dir);
  const bytes = readFileSync(weightsPath);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return { json, weights, weightsPath, data };
};
const A = read(a);
const B = read(b);
if (A.weights.length !== B.weights.length)
  throw new Error(`${a} has ${A.weights.length} weights, ${b} ${B.weights.length}`);
A.weights.forEach((w, i) => {
  const v = B.weights[i] as (typeof B.weights)[number];
  if (w.dtype !== 'float32' || v.dtype !== 'float32' || w.shape.join() !== v.shape.join())
    throw new Error(
      `weight ${i}: ${w.name} [${w.shape}] ${w.dtype} in ${a}, ${v.name} [${v.shape}] ${v.dtype} in ${b}`,
    );
});
if (A.data.length !== B.data.length) throw new Error('weights files of different lengths');
const blended = new Float32Array(A.data.length);
for (let i = 0; i < blended.length; i++)
  blended[i] = (1 - alpha) * (A.data[i] as number) + alpha * (B.data[i] as number);
// Which weights the blend changes (frozen statistics equal in both stay as they are).
let offset = 0;
const changed: string[] = [];
for (const w of A.weights) {
  const n = w.shape.reduce((p, q) => p * q, 1);
  for (let i = offset; i < offset + n; i++)
    if (A.data[i] !== B.data[i]) {
      changed.push(w.name);
      break;
    }
  offset += n;
}
const meta = A.json.userDefinedMetadata?.dmdet;
if (meta) {
  const training = typeof meta.training === 'object' && meta.training ? meta.training : {};
  meta.training = { ...training, blend: { a, b, alpha, method: 'weight interpolation (WiSE-FT)' } };
}
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'model.json'), JSON.stringify(A.json));
writeFileSync(join(out, basename(A.weightsPath)), Buffer.from(blended.buffer));
console.log(
  `wrote ${out}: (1 − ${alpha})·${a} + ${alpha}·${b}; ${changed.length} of ${A.weights.length} weights differ between the two`,
);
