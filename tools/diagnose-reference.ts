/**
 * `npm run diagnose:reference -- [--scale small] [--per-cell 10]`
 *
 * How much a volume's brightness reference (what the input normalisation maps to 1) moves with its
 * particle count and with its SNR, on the extended test set of bench:table1 (seed 2027): per SNR ×
 * density cell, the mean ± std over volumes of each reference's height above the median, in units
 * of the volume's robust noise σ (1.4826 × MAD):
 *
 * - `p99.99`: the 99.99th percentile (`{ low: 50, high: 99.99 }`, the stage-2 input until 2026-11-30);
 * - `p99.8`: the 99.8th percentile (the default input normalisation of stage 1);
 * - `spots`: `spotReference` (`{ method: 'spots' }`, the stage-2 input now), and with `cut` 5.
 *
 * A good reference is the same for every density at one SNR (a local network then sees the same
 * particles and noise in every volume) and differs between SNRs (it tells the network the SNR).
 */
import { parseArgs } from 'node:util';
import { robustNoise } from '@dmdet/postprocess';
import { spotReference } from '@dmdet/preprocess';
import { percentiles } from '@dmdet/volume-io';
import { extendedTestData, type ScaleName } from './lib/benchmark-data';

const { values } = parseArgs({
  options: { scale: { type: 'string', default: 'small' }, 'per-cell': { type: 'string', default: '10' } },
});
const perCell = Number(values['per-cell']);
if (!(Number.isInteger(perCell) && perCell >= 2)) throw new Error(`--per-cell must be an integer >= 2`);
const COLUMNS = ['p99.99', 'p99.8', 'spots (cut 7)', 'spots (cut 5)'] as const;
const cells = new Map<string, number[][]>();
for (const item of extendedTestData(values.scale as ScaleName, perCell)) {
  const { median, sigma } = robustNoise(item.volume.data);
  const [p9999, p998] = percentiles(item.volume.data, [99.99, 99.8]) as [number, number];
  const row = [
    (p9999 - median) / sigma,
    (p998 - median) / sigma,
    spotReference(item.volume).scale / sigma,
    spotReference(item.volume, { cut: 5 }).scale / sigma,
  ];
  const key = `${item.snr} | ${item.density}`;
  cells.set(key, [...(cells.get(key) ?? []), row]);
}
const meanStd = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
  return `${m.toFixed(2)} ± ${s.toFixed(2)}`;
};
console.log(
  `Reference height above the median, in noise σ (mean ± std over ${perCell} volumes per cell, scale ${values.scale}):\n`,
);
console.log(`| SNR | density | ${COLUMNS.join(' | ')} |`);
console.log(`|---|---|${COLUMNS.map(() => '---|').join('')}`);
for (const [key, rows] of cells)
  console.log(`| ${key} | ${COLUMNS.map((_, j) => meanStd(rows.map((r) => r[j] as number))).join(' | ')} |`);
