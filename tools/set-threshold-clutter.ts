/**
 * Writes a clutter term into a model's threshold rule (`thresholdRule.clutter`: a threshold that
 * rises with the map's maxima a little below confident per confident one; `ClutterTerm` of
 * `@dmdet/postprocess`), or removes it. The term's values come from
 * `tools/analysis/clutter_rule.py`, which fits them on dumps of `tools/analysis/rule-features.ts`:
 *
 *   npx tsx --conditions=@dmdet/source tools/set-threshold-clutter.ts <model dir> <score,ratio,slope,from[,maxLogZoom] | off>
 */
import { join } from 'node:path';
import { checkThresholdRule } from '@dmdet/postprocess';
import { setThresholdRuleTerm } from './lib/model-json';

const [dir, spec] = process.argv.slice(2);
if (!dir || !spec)
  throw new Error('usage: set-threshold-clutter.ts <model dir> <score,ratio,slope,from[,maxLogZoom] | off>');
const file = join(dir, 'model.json');
if (spec === 'off') {
  setThresholdRuleTerm(file, 'clutter', undefined, checkThresholdRule);
  console.log(`${file}: thresholdRule.clutter removed`);
} else {
  const [score, ratio, slope, from, maxLogZoom, ...extra] = spec.split(',').map(Number);
  if (extra.length > 0 || from === undefined)
    throw new Error(`expected score,ratio,slope,from[,maxLogZoom], got ${spec}`);
  const term = { score, ratio, slope, from, ...(maxLogZoom !== undefined ? { maxLogZoom } : {}) };
  const next = setThresholdRuleTerm(file, 'clutter', term, checkThresholdRule);
  console.log(`${file}: thresholdRule.clutter ${JSON.stringify(next.clutter)}`);
}
