/**
 * Writes a bright pass into a model's metadata (`brightPass`: in a volume whose typical spot peak is
 * at least `fromPeak` noise σ, `detect` predicts a second map at a knee `kneeFactor` times higher and
 * adds its detections farther than `separation` voxels, at the model's spot scale, from the first
 * pass's; `BrightPass` of `@dmdet/model`), or removes it:
 *
 *   npx tsx --conditions=@dmdet/source tools/set-bright-pass.ts <model dir> [fromPeak,kneeFactor,separation | off]
 *
 * Default: 40,4,3, the built-in model's (docs/robustness.md, "Bright stacks"; chosen with
 * tools/analysis/bright_pass.py on the dump of tools/analysis/bright-pass.ts).
 */
import { join } from 'node:path';
import { checkBrightPass } from '@dmdet/model';
import { setMetadataFields } from './lib/model-json';

const [dir, spec] = process.argv.slice(2);
if (!dir) throw new Error('usage: set-bright-pass.ts <model dir> [fromPeak,kneeFactor,separation | off]');
const file = join(dir, 'model.json');
if (spec === 'off') {
  setMetadataFields(file, { brightPass: undefined });
  console.log(`${file}: brightPass removed`);
} else {
  const [fromPeak, kneeFactor, separation, ...rest] = (spec ?? '40,4,3').split(',').map(Number);
  if (rest.length > 0) throw new Error(`expected fromPeak,kneeFactor,separation, got ${spec}`);
  const pass = checkBrightPass({ fromPeak, kneeFactor, separation }, 'brightPass');
  setMetadataFields(file, { brightPass: pass });
  console.log(`${file}: brightPass ${JSON.stringify(pass)}`);
}
