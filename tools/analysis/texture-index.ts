/**
 * An input-side clutter measure, tried for the threshold rule's clutter term and not adopted
 * (docs/tried.md): a volume's granularity at the spot's scale, read
 * from the input alone, away from the map. Per volume: the spot size (`estimateSpotSize`), a
 * band-pass at that scale (Gaussian of the spot's σ minus one of 2σ) and a fine-scale residual (each
 * voxel minus the mean of its 4 in-plane neighbours, mostly white noise); the index is the ratio of
 * their robust spreads (median absolute deviations) over the same ratio for white noise of the
 * volume's shape, so 1 for noise alone and above 1 where structure of a spot's size fills the
 * volume. Printed per benchmark volume (the robustness benchmark's held-out test volumes, 3 per
 * scenario and SNR): the index over the whole volume, and the median and 90th percentile of it over
 * in-plane blocks of 8 σ.
 *
 *   npx tsx --conditions=@dmdet/source tools/analysis/texture-index.ts [scenarios] [snrs]
 *
 * Defaults: every scenario, SNR 2,4,7,20 (about 10 min on 2 cores).
 */
import { gaussianFilter3D, median } from '@dmdet/postprocess';
import { estimateSpotSize } from '@dmdet/preprocess';
import { simulateGeneral } from '@dmdet/simulate';
import { createVolume, type Vec3, type Volume } from '@dmdet/volume-io';
import { ROBUSTNESS_SCENARIOS, robustnessParams, robustnessSeeds } from '../lib/robustness-scenarios';

const names = (process.argv[2] ?? ROBUSTNESS_SCENARIOS.map((s) => s.name).join(',')).split(',');
const snrs = (process.argv[3] ?? '2,4,7,20').split(',').map(Number);

function mad(values: ArrayLike<number>): number {
  const m = median(values);
  const d = new Float32Array(values.length);
  for (let i = 0; i < d.length; i++) d[i] = Math.abs((values[i] as number) - m);
  return median(d);
}

/** The fine-scale residual and the spot-scale band-pass of a volume. */
function bands(volume: Volume, sxy: number, sz: number): { fine: Float32Array; band: Float32Array } {
  const [Z, Y, X] = volume.shape;
  const x = volume.data;
  const at = (z: number, y: number, xx: number) =>
    x[(z * Y + Math.min(Y - 1, Math.max(0, y))) * X + Math.min(X - 1, Math.max(0, xx))] as number;
  const fine = new Float32Array(x.length);
  for (let z = 0; z < Z; z++)
    for (let y = 0; y < Y; y++)
      for (let xx = 0; xx < X; xx++)
        fine[(z * Y + y) * X + xx] =
          at(z, y, xx) - (at(z, y - 1, xx) + at(z, y + 1, xx) + at(z, y, xx - 1) + at(z, y, xx + 1)) / 4;
  const g1 = gaussianFilter3D(volume, { sigmaXY: sxy, sigmaZ: Z > 1 ? sz : 0 }).data;
  const g2 = gaussianFilter3D(volume, { sigmaXY: 2 * sxy, sigmaZ: Z > 1 ? 2 * sz : 0 }).data;
  const band = new Float32Array(x.length);
  for (let i = 0; i < band.length; i++) band[i] = (g1[i] as number) - (g2[i] as number);
  return { fine, band };
}

/** White normal noise of a shape (Box–Muller on a fixed LCG: the same for every run). */
function whiteNoise(shape: Vec3): Volume<Float32Array> {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.sqrt(-2 * Math.log(Math.max(1e-12, next()))) * Math.cos(2 * Math.PI * next());
  return createVolume(data, shape);
}

function textureIndex(volume: Volume) {
  const size = estimateSpotSize(volume);
  const sxy = size?.xy ?? 1.4;
  const sz = size && Number.isFinite(size.z) ? size.z : 1;
  const [Z, Y, X] = volume.shape;
  const white = bands(whiteNoise(volume.shape), sxy, sz);
  const unit = mad(white.band) / mad(white.fine);
  const { fine, band } = bands(volume, sxy, sz);
  const block = Math.max(8, Math.round(8 * sxy));
  const blocks: number[] = [];
  for (let by = 0; by + block <= Y; by += block)
    for (let bx = 0; bx + block <= X; bx += block) {
      const f: number[] = [];
      const b: number[] = [];
      for (let z = 0; z < Z; z++)
        for (let y = by; y < by + block; y++)
          for (let x = bx; x < bx + block; x++) {
            f.push(fine[(z * Y + y) * X + x] as number);
            b.push(band[(z * Y + y) * X + x] as number);
          }
      blocks.push(mad(b) / mad(f) / unit);
    }
  blocks.sort((a, b) => a - b);
  const q = (p: number) => blocks[Math.min(blocks.length - 1, Math.floor(p * blocks.length))] as number;
  return { volume: mad(band) / mad(fine) / unit, median: q(0.5), p90: q(0.9) };
}

const seeds = robustnessSeeds(3);
console.log('scenario          SNR  index (3 volumes)      block median         block p90');
for (const name of names) {
  const scenario = ROBUSTNESS_SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  for (const snr of snrs) {
    const rows = seeds.map((seed) =>
      textureIndex(simulateGeneral(robustnessParams(scenario, snr), seed).volume),
    );
    const col = (k: keyof (typeof rows)[number]) => rows.map((r) => r[k].toFixed(2)).join(' ');
    console.log(
      `${name.padEnd(17)} ${String(snr).padStart(3)}  ${col('volume').padEnd(22)} ${col('median').padEnd(20)} ${col('p90')}`,
    );
  }
}
