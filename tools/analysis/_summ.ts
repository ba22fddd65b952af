import { estimateSpotSize } from '@dmdet/preprocess';
import { deriveSeed, simulateGeneral } from '@dmdet/simulate';
import { ROBUSTNESS_SCENARIOS, robustnessParams } from '../lib/robustness-scenarios';

const names = (process.argv[2] ?? 'centre,cells,large-spots,small-spots,halo,elongation-tilt,combined').split(
  ',',
);
const out: string[] = [];
let worst = 0;
for (const scenario of ROBUSTNESS_SCENARIOS.filter((s) => names.includes(s.name))) {
  const row: string[] = [];
  for (const snr of [2, 4, 7]) {
    const errs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const sim = simulateGeneral(robustnessParams(scenario, snr), deriveSeed(0x5151_0e57, r));
      const e = estimateSpotSize(sim.volume);
      errs.push(e ? e.xy / sim.spotSigma.xy : Number.NaN);
    }
    row.push(errs.map((v) => v.toFixed(2)).join('/'));
    worst = Math.max(worst, ...errs.map((v) => Math.abs(Math.log(v))));
  }
  out.push(`${scenario.name.padEnd(16)} ${row.join('  ')}`);
}
console.log(out.join('\n'));
