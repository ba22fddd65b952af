/**
 * Writes an axial-ghost rule into a model's metadata (`axialGhosts`: which detections `detect`
 * drops as a brighter spot's axial tail; `findAxialGhosts` of `@dmdet/postprocess`), or removes it:
 *
 *   npx tsx --conditions=@dmdet/source tools/set-axial-ghosts.ts <model dir> [ratio,dzMin,dzMax,lateral[,dominance] | off]
 *
 * Default: AXIAL_GHOST_DEFAULTS (ratio 0.25, 2–6 slices, 2.5 px at the model's spot scale, one side
 * dominating 3 to 1).
 */
import { join } from 'node:path';
import { AXIAL_GHOST_DEFAULTS, checkAxialGhostRule } from '@dmdet/postprocess';
import { setMetadataFields } from './lib/model-json';

const [dir, spec] = process.argv.slice(2);
if (!dir)
  throw new Error('usage: set-axial-ghosts.ts <model dir> [ratio,dzMin,dzMax,lateral[,dominance] | off]');
const file = join(dir, 'model.json');
if (spec === 'off') {
  setMetadataFields(file, { axialGhosts: undefined });
  console.log(`${file}: axialGhosts removed`);
} else {
  const rule = spec
    ? (() => {
        const [ratio, dzMin, dzMax, lateral, dominance, ...rest] = spec.split(',').map(Number);
        if (rest.length > 0) throw new Error(`expected ratio,dzMin,dzMax,lateral[,dominance], got ${spec}`);
        return checkAxialGhostRule(
          { ratio, dz: [dzMin, dzMax], lateral, ...(dominance !== undefined ? { dominance } : {}) },
          'rule',
        );
      })()
    : { ...AXIAL_GHOST_DEFAULTS, dz: [...AXIAL_GHOST_DEFAULTS.dz] };
  setMetadataFields(file, { axialGhosts: rule });
  console.log(`${file}: axialGhosts ${JSON.stringify(rule)}`);
}
