/**
 * `npm run count:close-pairs -- [--scale small]`: how many simulated particles per split and SNR have
 * another particle inside the local-maxima window of detection (±1 slice, ±2 pixels in y and x,
 * `DEFAULT_MIN_DISTANCE`), which no method using that rule can report separately (docs/results.md).
 */
import { parseArgs } from 'node:util';
import { DEFAULT_MIN_DISTANCE } from '@dmdet/pipeline';
import { benchmarkData, type ScaleName } from './lib/benchmark-data';

const { values } = parseArgs({ options: { scale: { type: 'string', default: 'small' } } });
const data = benchmarkData(values.scale as ScaleName);
const { z: dz, xy } = DEFAULT_MIN_DISTANCE;
for (const split of ['train', 'validation', 'test'] as const) {
  const bySnr = new Map<number, { particles: number; close: number }>();
  for (const item of data[split]) {
    const e = bySnr.get(item.snr) ?? { particles: 0, close: 0 };
    for (const [i, a] of item.points.entries()) {
      e.particles++;
      const near = item.points.some(
        (b, j) =>
          j !== i &&
          Math.abs(Math.round(a.z) - Math.round(b.z)) <= dz &&
          Math.abs(Math.round(a.y) - Math.round(b.y)) <= xy &&
          Math.abs(Math.round(a.x) - Math.round(b.x)) <= xy,
      );
      if (near) e.close++;
    }
    bySnr.set(item.snr, e);
  }
  const cells = [...bySnr]
    .sort((p, q) => p[0] - q[0])
    .map(([snr, e]) => `SNR ${snr}: ${e.close}/${e.particles}`);
  console.log(`${split.padEnd(10)} particles with a neighbour inside the window: ${cells.join(', ')}`);
}
