/**
 * How large `pixelPattern` (`@dmdet/preprocess`: a pattern repeated in every slice, as an sCMOS
 * camera's pixel offsets make) reads on stacks that have none, and on stacks that have one, to set
 * the level at which `dmdet detect` warns: the robustness benchmark's test volumes (3 per scenario
 * and SNR 2 / 4 / 7 / 20), `general`-family volumes with the acquisition effects as the threshold
 * tools draw them (300 from seed index 9000, local SNR 1.5–30) with the virus benchmark's 24
 * validation volumes, the tissue-like probe's scene (smooth and granular, SNR 2 / 4 / 7, 6 each),
 * and, given, folders of TIFF stacks with a `cases.json` (`tools/analysis/optical_psf_stacks.py`,
 * e.g. with `--scmos 1` or `2`). Prints the lowest, median and highest ratio per group (per
 * scenario for the benchmark).
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/pixel-pattern-check.ts [folders …]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pixelPattern } from '@dmdet/preprocess';
import { simulateGeneral } from '@dmdet/simulate';
import type { Volume } from '@dmdet/volume-io';
import { readTiffFile } from '@dmdet/volume-io/node';
import { thresholdFitVolumes } from '../lib/general-data';
import {
  ROBUSTNESS_SCENARIOS,
  ROBUSTNESS_SNRS,
  robustnessParams,
  robustnessSeeds,
} from '../lib/robustness-scenarios';
import { tissueVolume } from '../lib/tissue-scene';

const ratio = (v: Volume) => pixelPattern(v)?.ratio ?? Number.NaN;
function report(name: string, values: number[]): void {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const at = (q: number) => (v[Math.min(v.length - 1, Math.floor(q * v.length))] as number).toFixed(2);
  const skipped = values.length - v.length;
  console.log(
    `${name}: ${v.length} stacks${skipped ? ` (${skipped} too thin or flat)` : ''}; ratio ${v.length ? `${at(0)} / ${at(0.5)} / ${(v[v.length - 1] as number).toFixed(2)}` : '–'} (lowest / median / highest)`,
  );
}

const all: number[] = [];
for (const scenario of ROBUSTNESS_SCENARIOS) {
  const values = ROBUSTNESS_SNRS.flatMap((snr) =>
    robustnessSeeds(3).map((seed) => ratio(simulateGeneral(robustnessParams(scenario, snr), seed).volume)),
  );
  all.push(...values);
  report(`benchmark ${scenario.name}`, values);
}
report('benchmark, all scenarios', all);
report(
  'general family with the effects, and virus validation',
  thresholdFitVolumes(9000, 300, { virus: true, effects: true, snr: [1.5, 30] }).map((v) => ratio(v.volume)),
);
report(
  'tissue-like probe',
  [0, 0.3].flatMap((texture) =>
    [2, 4, 7].flatMap((snr) => [0, 1, 2, 3, 4, 5].map((k) => ratio(tissueVolume(texture, snr, k).volume))),
  ),
);
for (const folder of process.argv.slice(2)) {
  const cases = JSON.parse(readFileSync(join(folder, 'cases.json'), 'utf8')) as Record<
    string,
    { files: { tif: string }[] }
  >;
  for (const [name, c] of Object.entries(cases)) {
    const values: number[] = [];
    for (const f of c.files) values.push(ratio(await readTiffFile(join(folder, f.tif))));
    report(`${folder} ${name}`, values);
  }
}
