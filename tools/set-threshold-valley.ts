/**
 * Writes a valley term into a model's threshold rule (`thresholdRule.valley`: the threshold moved to
 * the valley between the map's top maxima scores and the rest; `ValleyTerm` of `@dmdet/postprocess`),
 * or removes it. The term's values come from `tools/analysis/valley_rule.py`, which fits them on a
 * dump of `tools/analysis/contrast-cut.ts`:
 *
 *   npx tsx --conditions=@dmdet/source tools/set-threshold-valley.ts <model dir> <from,bandwidth,topFrom,maxDepth,raiseFrom[,maxLogZoom[,lowerBelow]] | off>
 */
import { join } from 'node:path';
import { checkThresholdRule } from '@dmdet/postprocess';
import { setThresholdRuleTerm } from './lib/model-json';

const [dir, spec] = process.argv.slice(2);
if (!dir || !spec)
  throw new Error(
    'usage: set-threshold-valley.ts <model dir> <from,bandwidth,topFrom,maxDepth,raiseFrom[,maxLogZoom[,lowerBelow]] | off>',
  );
const file = join(dir, 'model.json');
if (spec === 'off') {
  setThresholdRuleTerm(file, 'valley', undefined, checkThresholdRule);
  console.log(`${file}: thresholdRule.valley removed`);
} else {
  const values = spec.split(',').map(Number);
  if (values.length < 5 || values.length > 7)
    throw new Error(
      `expected from,bandwidth,topFrom,maxDepth,raiseFrom[,maxLogZoom[,lowerBelow]], got ${spec}`,
    );
  const [from, bandwidth, topFrom, maxDepth, raiseFrom, maxLogZoom, lowerBelow] = values;
  const next = setThresholdRuleTerm(
    file,
    'valley',
    {
      from,
      bandwidth,
      topFrom,
      maxDepth,
      raiseFrom,
      ...(maxLogZoom !== undefined ? { maxLogZoom } : {}),
      ...(lowerBelow !== undefined ? { lowerBelow } : {}),
    },
    checkThresholdRule,
  );
  console.log(`${file}: thresholdRule.valley ${JSON.stringify(next.valley)}`);
}
