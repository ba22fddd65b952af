/**
 * Writes a clutter term into a model's threshold rule (`thresholdRule.clutter`: a threshold that
 * rises with the map's maxima a little below confident per confident one; `ClutterTerm` of
 * `@dmdet/postprocess`), or removes it. The term's values come from
 * `tools/analysis/clutter_rule.py`, which fits them on dumps of `tools/analysis/rule-features.ts`:
 *
 *   npx tsx --conditions=@dmdet/source tools/set-threshold-clutter.ts <model dir> <score,ratio,slope,from[,maxLogZoom] | off>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkThresholdRule } from '@dmdet/postprocess';
import { setMetadataFields } from './lib/model-json';

const [dir, spec] = process.argv.slice(2);
if (!dir || !spec)
  throw new Error('usage: set-threshold-clutter.ts <model dir> <score,ratio,slope,from[,maxLogZoom] | off>');
const file = join(dir, 'model.json');
const rule = JSON.parse(readFileSync(file, 'utf8'))?.userDefinedMetadata?.dmdet?.thresholdRule;
if (!rule) throw new Error(`${file}: the model has no thresholdRule to add a clutter term to`);
const { clutter: _old, ...rest } = rule;
if (spec === 'off') {
  setMetadataFields(file, { thresholdRule: rest });
  console.log(`${file}: thresholdRule.clutter removed`);
} else {
  const [score, ratio, slope, from, maxLogZoom, ...extra] = spec.split(',').map(Number);
  if (extra.length > 0 || from === undefined)
    throw new Error(`expected score,ratio,slope,from[,maxLogZoom], got ${spec}`);
  const term = { score, ratio, slope, from, ...(maxLogZoom !== undefined ? { maxLogZoom } : {}) };
  const next = checkThresholdRule({ ...rest, clutter: term }, `${file} thresholdRule`);
  setMetadataFields(file, { thresholdRule: next });
  console.log(`${file}: thresholdRule.clutter ${JSON.stringify(next.clutter)}`);
}
