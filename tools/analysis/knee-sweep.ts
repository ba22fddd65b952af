/**
 * F1 of the built-in model at fixed input knees, per scenario and SNR, with each volume's typical
 * spot peak (`typicalSpotPeak` of its uncompressed `'background'` transform at the model's spot
 * scale, as `detect` measures it): the data `knee_ratio.py` chooses the model's `kneeRatio` from.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/knee-sweep.ts [scenarios|all] [snrs] [knees] [flips] > sweep.jsonl
 *   /usr/bin/python3 tools/analysis/knee_ratio.py sweep.jsonl [more.jsonl …]
 *
 * Defaults: all robustness scenarios, SNR 20,30,60,120, knees 20,30,45,70,110,170,260,400, flips 1.
 * One volume per scenario and SNR, on seeds of its own (parent 0x5eedcd, as bright-misses.ts; not
 * the benchmark's held-out ones). Prediction on the main thread: run two at once on two cores
 * (e.g. half the scenarios each); about 3 s a prediction. One JSON line per volume. Knees `none`:
 * the peaks only (no prediction), which `knee_ratio.py` merges into an earlier sweep's lines.
 */
import { evaluatePoints } from '@dmdet/metrics';
import type { TestTimeFlips } from '@dmdet/model';
import { detect, useBackend } from '@dmdet/pipeline';
import { loadModel } from '@dmdet/pipeline/node';
import { spotPeaks, typicalSpotPeak } from '@dmdet/preprocess';
import { deriveSeed, simulateGeneral } from '@dmdet/simulate';
import { backgroundOf, uncompressedInput } from '../lib/model-scale';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from '../lib/robustness-scenarios';

const [names = 'all', snrText = '20,30,60,120', kneeText = '20,30,45,70,110,170,260,400', flipText = '1'] =
  process.argv.slice(2);
const scenarios =
  names === 'all'
    ? ROBUSTNESS_SCENARIOS
    : ROBUSTNESS_SCENARIOS.filter((s) => names.split(',').includes(s.name));
if (scenarios.length === 0) throw new Error(`no scenario among ${names}`);
const snrs = snrText.split(',').map(Number);
const knees = kneeText === 'none' ? [] : kneeText.split(',').map(Number);
const flips = Number(flipText) as TestTimeFlips;
await useBackend('wasm');
const model = await loadModel('default');
backgroundOf(model.metadata);
for (const scenario of scenarios)
  for (const snr of snrs) {
    const sim = simulateGeneral(robustnessParams(scenario, snr), deriveSeed(0x5eedcd, snr * 10));
    const flat = uncompressedInput(sim.volume, model.metadata);
    const spotPeak = typicalSpotPeak(flat);
    // The spread of the peaks too (75th and 90th percentile), for knees that follow the brighter spots.
    const peaks = spotPeaks(flat);
    const quantile = (f: number) =>
      peaks.length >= 5 ? peaks[Math.floor(f * (peaks.length - 1))] : undefined;
    const f1: number[] = [];
    for (const knee of knees) {
      const res = await detect(sim.volume, { model, inputKnee: knee, flips });
      f1.push(Number(evaluatePoints(sim.points, res.points, { gate: 5 }).f1.toFixed(4)));
    }
    console.log(
      JSON.stringify({
        scenario: scenario.name,
        snr,
        spotPeak,
        peak75: quantile(0.75),
        peak90: quantile(0.9),
        flips,
        knees,
        f1,
      }),
    );
  }
