import { freezeNormalization, hourglassGeometry, predictVolume } from '@dmdet/model';
import { normalizeInput } from '@dmdet/preprocess';
import { simulateVolume } from '@dmdet/simulate';
import { cropVolume, type Vec3, type Volume } from '@dmdet/volume-io';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureContext, PipelineError } from '../src/index';
import { TINY, tinyDetector, useCpu } from './setup-tf';

beforeAll(useCpu);

/** |Δ| between the whole pass and the probe predicted from a hand-made crop with `context` per side (aligned down as tiles are). */
async function cropDifference(
  model: LayersModel,
  input: Volume<Float32Array>,
  probe: { start: Vec3; size: Vec3 },
  context: Vec3,
): Promise<number> {
  const { multiple } = hourglassGeometry(TINY);
  const whole = await predictVolume(model, input);
  const from = [0, 1, 2].map((k) => {
    const s = Math.max(0, (probe.start[k] as number) - (context[k] as number));
    return s - (s % (multiple[k] as number));
  }) as unknown as Vec3;
  const to = [0, 1, 2].map((k) =>
    Math.min(
      input.shape[k] as number,
      (probe.start[k] as number) + (probe.size[k] as number) + (context[k] as number),
    ),
  );
  const size = [0, 1, 2].map((k) => (to[k] as number) - (from[k] as number)) as unknown as Vec3;
  const map = await predictVolume(model, cropVolume(input, from, size));
  let worst = 0;
  const [, Y, X] = input.shape;
  for (let z = 0; z < probe.size[0]; z++)
    for (let y = 0; y < probe.size[1]; y++)
      for (let x = 0; x < probe.size[2]; x++) {
        const [gz, gy, gx] = [probe.start[0] + z, probe.start[1] + y, probe.start[2] + x];
        const a = whole.data[(gz * Y + gy) * X + gx] as number;
        const b = map.data[((gz - from[0]) * size[1] + gy - from[1]) * size[2] + gx - from[2]] as number;
        worst = Math.max(worst, Math.abs(a - b));
      }
  return worst;
}

describe('measureContext', () => {
  // TINY: receptive radius 10×13×13, alignment 1×2×2; the probe is the volume's centre.
  const sim = simulateVolume({ shape: [26, 40, 40], count: 20, snr: 6, seed: 11 });
  const input = normalizeInput(sim.volume, { method: 'noise' });
  const probe = { start: [12, 16, 16] as Vec3, size: [2, 8, 8] as Vec3 };
  const radius = hourglassGeometry(TINY).receptiveRadius;

  it('finds the smallest context tried at which the probe matches the whole pass, and no smaller one does', async () => {
    const model = await freezeNormalization(tinyDetector().model, [input]);
    // An untrained network reaches far (|Δmap| 0.019 at 0.8 of the radius, 0.093 at 0.6 here).
    const tolerance = 0.05;
    const fractions = [0.9, 0.8, 0.6, 0.4];
    const m = await measureContext(model, [input], { config: TINY, tolerance, probe: [2, 8, 8], fractions });
    expect(m.probes).toBe(1);
    expect(m.tolerance).toBe(tolerance);
    expect(m.maxDifference).toBeLessThanOrEqual(tolerance);
    // Every axis is long enough to be measured, so all three shrink together, below the radius.
    expect(m.radius.every((r, k) => r < (radius[k] as number))).toBe(true);
    // Independently, from hand-made crops: the context found is enough, the next fraction is not.
    expect(await cropDifference(model, input, probe, m.radius)).toBeLessThanOrEqual(tolerance);
    const used = fractions.findIndex((f) => m.radius[1] === Math.ceil(f * (radius[1] as number)));
    expect(used).toBeGreaterThanOrEqual(0);
    const smaller = fractions[used + 1];
    if (smaller !== undefined) {
      const less = radius.map((r) => Math.ceil(smaller * r)) as unknown as Vec3;
      expect(await cropDifference(model, input, probe, less)).toBeGreaterThan(tolerance);
    }
  }, 60_000);

  it('keeps the full radius where tiles cannot match one pass (per-tile instance statistics)', async () => {
    const m = await measureContext(tinyDetector().model, [input], { config: TINY, probe: [2, 8, 8] });
    expect(m.radius).toEqual(radius);
    expect(m.maxDifference).toBeGreaterThan(m.tolerance);
  }, 60_000);

  it('an axis too short to hold the probe and the radius keeps the radius; none at all: no probe', async () => {
    const model = await freezeNormalization(tinyDetector().model, [input]);
    const thin = cropVolume(input, [8, 0, 0], [10, 40, 40]);
    const m = await measureContext(model, [thin], { config: TINY, tolerance: 1e-3, probe: [2, 8, 8] });
    expect(m.radius[0]).toBe(radius[0]);
    expect(m.radius[1]).toBeLessThan(radius[1] as number);
    const tiny = cropVolume(input, [0, 0, 0], [10, 20, 20]);
    const none = await measureContext(model, [tiny], { config: TINY, probe: [2, 8, 8] });
    expect(none).toMatchObject({ radius, probes: 0 });
    expect(none.maxDifference).toBeNaN();
    // A mixed set: measured on the volumes with room (here the whole one, on every axis), the rest left out.
    const mixed = await measureContext(model, [tiny, input, thin], {
      config: TINY,
      tolerance: 1e-3,
      probe: [2, 8, 8],
    });
    const alone = await measureContext(model, [input], { config: TINY, tolerance: 1e-3, probe: [2, 8, 8] });
    expect(mixed).toEqual(alone);
    expect(mixed.probes).toBe(1);
  }, 60_000);

  it('refuses no volumes, a tolerance that is not positive, fractions outside (0, 1)', async () => {
    const { model } = tinyDetector();
    await expect(measureContext(model, [], { config: TINY })).rejects.toThrow(PipelineError);
    await expect(measureContext(model, [input], { config: TINY, tolerance: 0 })).rejects.toThrow(/tolerance/);
    await expect(measureContext(model, [input], { config: TINY, fractions: [1.5] })).rejects.toThrow(
      /fractions/,
    );
  });
});
