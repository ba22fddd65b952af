/**
 * Which volumes the `'background'` input transform reads as clipped from below (`clipped` of
 * `backgroundNoiseMaps`: most blocks with more than a quarter of their voxels at the volume's
 * minimum), so that its fitted normal and its draws below the clip change their input: each volume
 * taken as `detect` takes it for the built-in model (drawn below the clip before it is resampled to
 * the model's spot scale, or as resampled, with the model's block size). Over the robustness benchmark's test and validation volumes, the virus benchmark (`medium`
 * and the extended test set of bench:table1), and `count` volumes of the training family as
 * training and threshold fitting draw them (seed indices from `first`, local SNR 1.5–30, half with
 * the acquisition effects). It also counts the volumes in which `detect` finds voxels that hold no
 * data (`missingVoxels`: not finite, or padding), which it leaves out of the transform:
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/clipped-inputs.ts [count 400] [first 0]
 */
import { planSpotScale } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import {
  BACKGROUND_DEFAULTS,
  backgroundNoiseMaps,
  drawBelowClip,
  isIdentity,
  missingVoxels,
  resampleVolume,
} from '@dmdet/preprocess';
import { sampleGeneralParams, simulateGeneral } from '@dmdet/simulate';
import type { Vec3, Volume } from '@dmdet/volume-io';
import { benchmarkData, extendedTestData } from '../lib/benchmark-data';
import { generalTrainingSeeds } from '../lib/general-data';
import {
  ROBUSTNESS_SCENARIOS,
  ROBUSTNESS_SNRS,
  robustnessParams,
  robustnessSeeds,
} from '../lib/robustness-scenarios';

const count = Number(process.argv[2] ?? 400);
const first = Number(process.argv[3] ?? 0);
if (!(Number.isInteger(count) && count >= 0 && Number.isInteger(first) && first >= 0))
  throw new Error(`usage: clipped-inputs.ts [count] [first]; got ${process.argv.slice(2).join(' ')}`);
const { metadata } = await loadModel('default');
const norm = metadata.normalization;
const block =
  norm?.method === 'background' ? (norm.block ?? BACKGROUND_DEFAULTS.block) : BACKGROUND_DEFAULTS.block;

/**
 * Whether `detect` reads the volume as clipped: before resampling it to the model's spot scale
 * (`drawBelowClip`, the block in the volume's own voxels), or as resampled (the transform itself).
 */
function clipped(volume: Volume): boolean {
  const plan = planSpotScale(volume, metadata, undefined, undefined);
  if (!plan || isIdentity(plan.resampling)) return backgroundNoiseMaps(volume, block).clipped !== undefined;
  const { from, to } = plan.resampling;
  const own = [0, 1, 2].map((k) =>
    Math.max(1, ((block[k] as number) * (from[k] as number)) / (to[k] as number)),
  );
  if (drawBelowClip(volume, own as unknown as Vec3).clipped) return true;
  return backgroundNoiseMaps(resampleVolume(volume, plan.resampling), block).clipped !== undefined;
}

function report(name: string, volumes: Iterable<{ id: string; volume: Volume }>): void {
  let n = 0;
  const hits: string[] = [];
  const missing: string[] = [];
  for (const v of volumes) {
    n++;
    if (clipped(v.volume)) hits.push(v.id);
    if (missingVoxels(v.volume)) missing.push(v.id);
  }
  console.log(
    `${name}: ${hits.length} of ${n} read as clipped${hits.length ? `: ${hits.slice(0, 20).join(', ')}` : ''}; ${missing.length} with voxels read as holding no data${missing.length ? `: ${missing.slice(0, 20).join(', ')}` : ''}`,
  );
}

function* grid() {
  for (const scenario of ROBUSTNESS_SCENARIOS)
    for (const snr of ROBUSTNESS_SNRS)
      for (const seed of robustnessSeeds(5))
        yield {
          id: `${scenario.name}-${snr}-${seed}`,
          volume: simulateGeneral(robustnessParams(scenario, snr), seed).volume,
        };
}
report('robustness benchmark (3 test + 2 validation volumes per case)', grid());
const medium = benchmarkData('medium');
report('virus benchmark, medium', [...medium.train, ...medium.validation, ...medium.test]);
report('virus extended test set (25 per cell, 10×128×128)', extendedTestData('medium', 25, [10, 128, 128]));

function* family() {
  for (const [i, seed] of generalTrainingSeeds(first, count).entries()) {
    const params = sampleGeneralParams(seed, { size: [128, 128], snr: [1.5, 30], effects: i % 2 === 1 });
    yield { id: `${first + i}`, volume: simulateGeneral(params, seed).volume };
  }
}
report(`training family, seed indices ${first}–${first + count - 1}`, family());
process.exit(0);
