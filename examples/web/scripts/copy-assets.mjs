// Copies what the page loads at run time into public/ (generated, not committed): the built-in
// model (model.json + weights.bin) and tfjs's wasm binaries.
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pub = join(here, '..', 'public');
const require = createRequire(import.meta.url);
const models = join(dirname(require.resolve('@dmdet/pipeline/package.json')), 'model');
const builtIn = JSON.parse(readFileSync(join(models, 'built-in.json'), 'utf8'));
const modelDir = join(models, builtIn.default);
const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
mkdirSync(join(pub, 'model'), { recursive: true });
mkdirSync(join(pub, 'tfjs-wasm'), { recursive: true });
for (const f of readdirSync(modelDir)) copyFileSync(join(modelDir, f), join(pub, 'model', f));
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')))
  copyFileSync(join(wasmDir, f), join(pub, 'tfjs-wasm', f));
console.log(`copied the built-in model and tfjs wasm binaries into ${pub}`);
