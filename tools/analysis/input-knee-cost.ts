/**
 * What the knee that follows the spots costs: `backgroundInput` with `kneeRatio` (which also finds
 * the volume's bright maxima) against the same transform at a fixed knee, the baseline, timed in the
 * same run on one simulated volume (best of `repeats`):
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/input-knee-cost.ts [z,y,x] [repeats]
 *
 * Defaults: 10×512×512 (the reference volume of docs/performance.md), 3 repeats. One thread.
 */
import { backgroundInput } from '@dmdet/preprocess';
import { simulateVolume } from '@dmdet/simulate';
import type { Vec3 } from '@dmdet/volume-io';

const shape = (process.argv[2] ?? '10,512,512').split(',').map(Number) as unknown as Vec3;
const repeats = Number(process.argv[3] ?? 3);
if (shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n > 0) || !(repeats >= 1))
  throw new Error('usage: input-knee-cost.ts [z,y,x] [repeats]');
const { volume } = simulateVolume({ shape, count: Math.round((shape[1] * shape[2]) / 650), snr: 4, seed: 3 });
const best = (f: () => unknown) => {
  let t = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    f();
    t = Math.min(t, performance.now() - start);
  }
  return t;
};
const fixed = best(() => backgroundInput(volume, {}));
const following = best(() => backgroundInput(volume, { kneeRatio: 25 }));
console.log(
  `${shape.join('×')}: fixed knee (baseline) ${fixed.toFixed(0)} ms, kneeRatio 25 ${following.toFixed(0)} ms: ×${(following / fixed).toFixed(2)}, +${((following - fixed) / 1000).toFixed(2)} s`,
);
