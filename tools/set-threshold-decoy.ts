/**
 * Writes a decoy term into a model's threshold rule (`thresholdRule.decoy`: the threshold raised
 * until the maxima of the map of the volume mirrored about its local background are few against
 * the volume's; `DecoyTerm` of `@dmdet/postprocess`), or removes it. The term's values come from
 * `tools/analysis/decoy_threshold.py`, which scores them on a dump of `tools/analysis/decoy-maps.ts`:
 *
 *   npx tsx --conditions=@dmdet/source tools/set-threshold-decoy.ts <model dir> <fdr,minDecoys,maxThreshold[,fromClutter] | off>
 */
import { join } from 'node:path';
import { checkThresholdRule } from '@dmdet/postprocess';
import { setThresholdRuleTerm } from './lib/model-json';

const [dir, spec] = process.argv.slice(2);
if (!dir || !spec)
  throw new Error(
    'usage: set-threshold-decoy.ts <model dir> <fdr,minDecoys,maxThreshold[,fromClutter] | off>',
  );
const file = join(dir, 'model.json');
if (spec === 'off') {
  setThresholdRuleTerm(file, 'decoy', undefined, checkThresholdRule);
  console.log(`${file}: thresholdRule.decoy removed`);
} else {
  const values = spec.split(',').map(Number);
  if (values.length < 3 || values.length > 4)
    throw new Error(`expected fdr,minDecoys,maxThreshold[,fromClutter], got ${spec}`);
  const [fdr, minDecoys, maxThreshold, fromClutter] = values;
  const next = setThresholdRuleTerm(
    file,
    'decoy',
    { fdr, minDecoys, maxThreshold, ...(fromClutter !== undefined ? { fromClutter } : {}) },
    checkThresholdRule,
  );
  console.log(`${file}: thresholdRule.decoy ${JSON.stringify(next.decoy)}`);
}
