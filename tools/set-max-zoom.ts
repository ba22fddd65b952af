/**
 * Sets how far detection may enlarge a volume of small spots toward a model's spot scale
 * (`spotScale.maxZoom`) without retraining:
 *
 *   npx tsx --conditions=@dmdet/source tools/set-max-zoom.ts <model dir> voxels=F | xy=F | z=F ... | none
 *
 * `xy=F`, `z=F`: the largest zoom on that axis; `voxels=F`: the largest product of the enlarging
 * factors (`@dmdet/preprocess`'s `SpotScale`). Spots of σ 0.7 px and 0.7 slices brought all the way
 * to a model's 1.4 px and 1 slice make 5.7× as many voxels, and the interpolation gives noise
 * voxels a spot's shape in all three axes: the model then takes noise for spots
 * (docs/default-model.md, `maxZoom`; `tools/analysis/max-zoom.ts` measures it). `none` removes the
 * limit. Writes into `<model dir>/model.json`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setMetadataFields } from './lib/model-json';

const [dir, ...caps] = process.argv.slice(2);
const usage = 'usage: set-max-zoom.ts <model dir> voxels=F | xy=F | z=F ... | none';
if (!dir || caps.length === 0) throw new Error(usage);
const maxZoom: Record<string, number> = {};
if (!(caps.length === 1 && caps[0] === 'none'))
  for (const c of caps) {
    const m = /^(xy|z|voxels)=(.+)$/.exec(c);
    const v = Number(m?.[2]);
    if (!m || !(Number.isFinite(v) && v >= 1))
      throw new Error(`${c}: each limit must be xy=F, z=F or voxels=F with F >= 1 (or none alone); ${usage}`);
    maxZoom[m[1] as string] = v;
  }
const file = join(dir, 'model.json');
const scale = JSON.parse(readFileSync(file, 'utf8'))?.userDefinedMetadata?.dmdet?.spotScale;
if (!(scale && typeof scale.xy === 'number' && typeof scale.z === 'number'))
  throw new Error(
    `${file}: the model has no spotScale { xy, z }, so nothing is resampled; got ${JSON.stringify(scale)}`,
  );
const { maxZoom: old, ...plain } = scale;
const limited = Object.keys(maxZoom).length > 0;
setMetadataFields(file, { spotScale: limited ? { ...plain, maxZoom } : plain });
console.log(
  `${file}: spotScale.maxZoom ${JSON.stringify(old ?? 'none')} → ${JSON.stringify(limited ? maxZoom : 'none')}`,
);
