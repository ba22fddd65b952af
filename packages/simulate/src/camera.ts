import type { Vec3 } from '@dmdet/volume-io';
import { checkNumber, SimulateError } from './errors';
import type { GeneralCamera } from './general-params';
import { gamma, PoissonTable, poisson } from './poisson';
import { deriveSeed, Random } from './random';

/**
 * Turns expected photons into camera counts: per voxel, an exact Poisson draw k of its mean, then
 * counts = offset + gain · k + readNoise · N(0, 1) (+ a hot pixel's dark counts), rounded to the
 * nearest integer and clipped to 0..65535 (uint16). So the mean is offset + gain · photons and the
 * variance gain² · photons + readNoise² (+ 1/12 from the rounding), before clipping.
 *
 * With `emMultiplication` (an EMCCD), k is replaced by a Gamma(k, 1) draw (0 for k = 0) before the
 * gain: the same mean, twice the shot-noise variance (excess noise factor √2).
 *
 * Hot pixels: round(hotPixelFraction · y · x) camera pixels (x, y) drawn uniformly, each adding
 * uniform(0.2, 1) · hotPixelLevel counts in every slice.
 *
 * With a `pattern` (an sCMOS camera), each camera pixel (x, y) has its own offset
 * offset + pattern.offset · N(0, 1), gain gain · (1 + pattern.gain · N(0, 1)) (at least 0) and read
 * noise readNoise · exp(pattern.readNoise · N(0, 1)), the same in every slice, drawn from a stream
 * of their own: without a pattern (or with all three 0) the counts are those of a camera without.
 * Seeded: same input and seed, same bytes.
 *
 * @example
 * const counts = applyCamera(photons, [10, 64, 64], { offset: 100, gain: 2, readNoise: 3, hotPixelFraction: 0, hotPixelLevel: 0 }, 1);
 */
export function applyCamera(
  photons: Float32Array | Float64Array,
  shape: Vec3,
  camera: GeneralCamera,
  seed: number,
): Uint16Array {
  const [Z, Y, X] = shape;
  if (photons.length !== Z * Y * X)
    throw new SimulateError(
      'INVALID_OPTION',
      `photons has ${photons.length} values, shape ${shape.join('×')} needs ${Z * Y * X}`,
    );
  checkNumber('seed', seed, Number.isInteger, 'an integer');
  const { offset, gain, readNoise, hotPixelFraction, hotPixelLevel } = camera;
  const em = camera.emMultiplication === true;
  const rng = new Random(seed);
  const plane = Y * X;
  const hotCount = Math.round(hotPixelFraction * plane);
  const hot = hotCount > 0 ? new Float32Array(plane) : undefined;
  if (hot)
    for (let i = 0; i < hotCount; i++) {
      const at = rng.int(plane);
      hot[at] = Math.max(hot[at] as number, hotPixelLevel * rng.uniform(0.2, 1));
    }
  const maps = patternMaps(camera, plane, seed);
  const out = new Uint16Array(photons.length);
  // Exact inversion tables for means that recur (flat backgrounds): one per distinct mean, at most a few.
  const tables = new Map<number, PoissonTable>();
  let lastMean = Number.NaN;
  let lastCount = 0;
  for (let i = 0; i < photons.length; i++) {
    const mean = photons[i] as number;
    let k = 0;
    if (mean > 0) {
      if (mean === lastMean) {
        lastCount++;
        let table = tables.get(mean);
        if (!table && lastCount >= 16 && tables.size < 8) {
          table = new PoissonTable(mean);
          tables.set(mean, table);
        }
        k = table ? table.sample(rng) : poisson(mean, rng);
      } else {
        lastMean = mean;
        lastCount = 0;
        const table = tables.get(mean);
        k = table ? table.sample(rng) : poisson(mean, rng);
      }
    }
    if (em && k > 0) k = gamma(k, rng);
    let v: number;
    if (maps) {
      const p = i % plane;
      v = (maps.offset[p] as number) + (maps.gain[p] as number) * k;
      if (readNoise > 0) v += (maps.readNoise[p] as number) * rng.normal();
    } else {
      v = offset + gain * k;
      if (readNoise > 0) v += readNoise * rng.normal();
    }
    if (hot) v += hot[i % plane] as number;
    v = Math.round(v);
    out[i] = Math.min(Math.max(v, 0), 65535);
  }
  return out;
}

/** Each camera pixel's offset, gain and read noise under an sCMOS pattern; undefined without one. */
function patternMaps(camera: GeneralCamera, plane: number, seed: number) {
  const p = camera.pattern;
  if (!p || (p.offset === 0 && p.gain === 0 && p.readNoise === 0)) return undefined;
  const rng = new Random(deriveSeed(seed, 0x5c3));
  const offset = new Float64Array(plane);
  const gain = new Float64Array(plane);
  const readNoise = new Float64Array(plane);
  for (let i = 0; i < plane; i++) {
    offset[i] = camera.offset + p.offset * rng.normal();
    gain[i] = Math.max(0, camera.gain * (1 + p.gain * rng.normal()));
    readNoise[i] = camera.readNoise * Math.exp(p.readNoise * rng.normal());
  }
  return { offset, gain, readNoise };
}

/**
 * The camera's read noise as a spot sees it, counts: √(readNoise² · E[exp(2 s N)] + pattern.offset²)
 * with s = pattern.readNoise, i.e. the mean read-noise variance over the pixels plus the spread of
 * their offsets (an sCMOS pattern is noise to a spot at an unknown pixel). Without a pattern it is
 * `readNoise`. The `general` family's local SNR counts this as the read noise.
 *
 * @example
 * patternReadNoise({ offset: 100, gain: 1, readNoise: 2, hotPixelFraction: 0, hotPixelLevel: 0, pattern: { offset: 2, gain: 0, readNoise: 0 } }); // √8
 */
export function patternReadNoise(camera: GeneralCamera): number {
  const p = camera.pattern;
  // Without a pattern, the read noise itself (volumes drawn before patterns existed stay the same).
  if (!p || (p.offset === 0 && p.readNoise === 0)) return camera.readNoise;
  return Math.sqrt(camera.readNoise ** 2 * Math.exp(2 * p.readNoise ** 2) + p.offset ** 2);
}
