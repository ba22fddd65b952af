/**
 * The input knee the built-in model uses on each robustness scenario and SNR: the volume's typical
 * spot peak (`typicalSpotPeak`, noise σ, after resampling to the model's spot scale, as `detect`
 * measures it) and the knee `max(knee, peak / kneeRatio)` of the model's `'background'` transform,
 * per held-out volume of the benchmark (the same seeds as `npm run bench:robustness`):
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/input-knees.ts [snrs] [replicates] [model]
 *   npx tsx --conditions=@dmdet/source tools/analysis/input-knees.ts virus [per cell] [model]
 *
 * Defaults: SNR 2,4,7,20, 3 replicates, `default`. `virus`: the virus scenario's extended test set
 * instead (`bench:table1 --scale medium --extended-test n --extended-shape 10,128,128`; default 25
 * per cell), per SNR. No prediction: about 1 s a volume. Prints one line per scenario and SNR
 * (each volume's peak and knee) and how many volumes had their knee raised.
 */
import { loadModel } from '@dmdet/pipeline/node';
import { backgroundInput } from '@dmdet/preprocess';
import { simulateGeneral } from '@dmdet/simulate';
import type { Volume } from '@dmdet/volume-io';
import { extendedTestData } from '../lib/benchmark-data';
import { atModelScale, backgroundOf } from '../lib/model-scale';
import { ROBUSTNESS_SCENARIOS, robustnessParams, robustnessSeeds } from '../lib/robustness-scenarios';

const virus = process.argv[2] === 'virus';
const snrs = virus ? [] : (process.argv[2] ?? '2,4,7,20').split(',').map(Number);
const replicates = Number(process.argv[3] ?? (virus ? 25 : 3));
const name = process.argv[4] ?? 'default';
const { metadata } = await loadModel(name);
const normalization = backgroundOf(metadata);
console.log(`model ${name}: knee ${normalization.knee}, kneeRatio ${normalization.kneeRatio ?? 'none'}`);
let raised = 0;
let volumes = 0;
let bright = 0;
const fromPeak = metadata.brightPass?.fromPeak;
/** Prints the peaks and knees of one group of volumes. */
function report(label: string, group: Volume[]) {
  const peaks: number[] = [];
  const knees: number[] = [];
  let passes = 0;
  for (const volume of group) {
    const got = backgroundInput(atModelScale(volume, metadata), normalization);
    peaks.push(got.spotPeak ?? Number.NaN);
    knees.push(got.knee);
    volumes++;
    if (got.knee > (normalization.knee ?? 20)) raised++;
    if (fromPeak !== undefined && (got.spotPeak ?? 0) >= fromPeak) passes++;
  }
  bright += passes;
  const range = (a: number[], digits: number) => {
    const f = a.filter(Number.isFinite);
    const none = a.length - f.length;
    const span = f.length > 0 ? `${Math.min(...f).toFixed(digits)}–${Math.max(...f).toFixed(digits)}` : '–';
    return none > 0 ? `${span} (${none} without 5 bright spots)` : span;
  };
  const pass = fromPeak !== undefined ? `, bright pass in ${passes}` : '';
  console.log(
    `${label}: spot peak ${range(peaks, 0)} σ, knee ${range(knees, 1)} (${group.length} volumes${pass})`,
  );
}
if (virus) {
  const items = extendedTestData('medium', replicates, [10, 128, 128]);
  for (const snr of [...new Set(items.map((i) => i.snr))])
    report(
      `virus SNR ${snr}`,
      items.filter((i) => i.snr === snr).map((i) => i.volume),
    );
} else
  for (const scenario of ROBUSTNESS_SCENARIOS)
    for (const snr of snrs)
      report(
        `${scenario.name.padEnd(18)} SNR ${String(snr).padStart(3)}`,
        robustnessSeeds(replicates).map(
          (seed) => simulateGeneral(robustnessParams(scenario, snr), seed).volume,
        ),
      );
console.log(`${raised} of ${volumes} volumes with a raised knee`);
if (fromPeak !== undefined)
  console.log(`${bright} of ${volumes} volumes with a bright pass (spot peak ≥ ${fromPeak} σ)`);
