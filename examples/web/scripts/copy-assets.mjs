// Copies what the page loads at run time into public/ (generated, not committed): the built-in
// models it chooses between (model.json + weights.bin: default into model/, scmos into
// model-scmos/) and tfjs's wasm binaries.
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pub = join(here, '..', 'public');
const require = createRequire(import.meta.url);
const models = join(dirname(require.resolve('@dmdet/pipeline/package.json')), 'model');
const builtIn = JSON.parse(readFileSync(join(models, 'built-in.json'), 'utf8'));
// The page's folder for each built-in model it may use (modelForPixelPattern's choices).
const modelDirs = { model: builtIn.default, 'model-scmos': builtIn.scmos };
const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
mkdirSync(join(pub, 'tfjs-wasm'), { recursive: true });
for (const [to, from] of Object.entries(modelDirs)) {
  mkdirSync(join(pub, to), { recursive: true });
  for (const f of readdirSync(join(models, from))) copyFileSync(join(models, from, f), join(pub, to, f));
}
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
  copyFileSync(join(wasmDir, f), join(pub, 'tfjs-wasm', f));
console.log(`copied the built-in models (default, scmos) and tfjs wasm binaries into ${pub}`);
