/**
 * The spot-size estimate (`estimateSpotSize`) at candidate cuts `cuts` (noise σ of the smoothed
 * volume; the default is 8), beside the truth: on the tissue-like scene (`tools/lib/tissue-scene.ts`,
 * smooth and granular cells, SNR 2 / 4 / 7, 4 volumes each; the estimate and the candidates it
 * rests on), and on the robustness scenarios at SNR 2 / 4 / 7 / 20 on seeds of their own (those of
 * `diagnose-spot-size.ts`; 3 each), summed: volumes off by more than 15 % and the mean |log error|.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/spot-size-cut.ts [cuts 8,5]
 */
import { estimateSpotSize } from '@dmdet/preprocess';
import { deriveSeed, simulateGeneral } from '@dmdet/simulate';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from '../lib/robustness-scenarios';
import { TISSUE_SIGMA, tissueVolume } from '../lib/tissue-scene';

const cuts = (process.argv[2] ?? '8,5').split(',').map(Number);
if (cuts.some((c) => !(c > 0)))
  throw new Error(`usage: spot-size-cut.ts [cuts]; got ${process.argv.slice(2).join(' ')}`);
console.log(
  `σxy estimate (candidates) at cuts ${cuts.join(' / ')}; tissue-like scene, true σxy ${TISSUE_SIGMA.xy}`,
);
for (const texture of [0, 0.3])
  for (const snr of [2, 4, 7]) {
    const parts = [0, 1, 2, 3].map((k) => {
      const v = tissueVolume(texture, snr, k).volume;
      return cuts
        .map((cut) => {
          const e = estimateSpotSize(v, { cut });
          return e ? `${e.xy.toFixed(2)} (${e.candidates})` : 'none';
        })
        .join(' / ');
    });
    console.log(`texture ${texture} SNR ${snr}: ${parts.join('  |  ')}`);
  }
const PARENT = 0x5151_0e57;
const off = cuts.map(() => 0);
const error = cuts.map(() => 0);
let n = 0;
for (const scenario of ROBUSTNESS_SCENARIOS)
  for (const snr of [2, 4, 7, 20])
    for (let r = 0; r < 3; r++) {
      const sim = simulateGeneral(robustnessParams(scenario, snr), deriveSeed(PARENT, r));
      n++;
      cuts.forEach((cut, i) => {
        const e = estimateSpotSize(sim.volume, { cut });
        const err = e ? Math.abs(Math.log(e.xy / sim.spotSigma.xy)) : 1;
        error[i] = (error[i] as number) + err;
        if (err > Math.log(1.15)) off[i] = (off[i] as number) + 1;
      });
    }
console.log(
  `robustness scenarios, ${n} volumes: ${cuts.map((c, i) => `cut ${c}: ${off[i]} off by more than 15 %, mean |log error| ${((error[i] as number) / n).toFixed(4)}`).join('; ')} (no estimate counts as error 1)`,
);
process.exit(0);
