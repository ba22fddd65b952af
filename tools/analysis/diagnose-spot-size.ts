/**
 * The spot-size estimate (`estimateSpotSize`) on simulated scenarios, beside the true σ: which
 * departure from the general family's centre throws it off. Seeds from their own parent (not the
 * robustness benchmark's held-out ones).
 *   npx tsx --conditions=@dmdet/source tools/analysis/diagnose-spot-size.ts [replicates]
 */
import { estimateSpotSize } from '@dmdet/preprocess';
import { deriveSeed, type GeneralOverrides, simulateGeneral } from '@dmdet/simulate';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from '../lib/robustness-scenarios';

const replicates = Number(process.argv[2] ?? 3);
const only = process.argv[3]?.split(',');
const PARENT = 0x5151_0e57;
for (const scenario of ROBUSTNESS_SCENARIOS) {
  if (only && !only.includes(scenario.name)) continue;
  for (const snr of [2, 4, 7]) {
    const parts: string[] = [];
    for (let r = 0; r < replicates; r++) {
      const sim = simulateGeneral(robustnessParams(scenario, snr), deriveSeed(PARENT, r));
      const e = estimateSpotSize(sim.volume);
      parts.push(
        e
          ? `${e.xy.toFixed(2)}/${e.z.toFixed(2)} ±${(100 * e.uncertainty.xy).toFixed(0)}/${(100 * e.uncertainty.z).toFixed(0)} % (${e.spots}/${e.candidates})`
          : 'none',
      );
      if (r === 0) parts.unshift(`true ${sim.spotSigma.xy.toFixed(2)}/${sim.spotSigma.z.toFixed(2)}`);
    }
    console.log(`${scenario.name.padEnd(18)} SNR ${snr}: ${parts.join('  ')}`);
  }
}
void (0 as unknown as GeneralOverrides);
