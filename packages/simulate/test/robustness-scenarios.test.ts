import { describe, expect, it } from 'vitest';
import {
  assertNotHeldOut,
  ROBUSTNESS_SCENARIOS,
  ROBUSTNESS_SNRS,
  robustnessCases,
  robustnessParams,
  robustnessSeeds,
} from '../../../tools/lib/robustness-scenarios';
import { deriveSeed, GENERAL_CENTRE, validateGeneralParams } from '../src/index';

// The benchmark's scenarios live in tools/lib (they are not part of the package); checked here
// because they are built on its API.
describe('robustness scenarios (tools/lib)', () => {
  it('are valid params, uniquely named, each departing from the centre', () => {
    const names = ROBUSTNESS_SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(['centre', 'camera', 'cells', 'blobs', 'dense', 'combined']),
    );
    for (const s of ROBUSTNESS_SCENARIOS) {
      const p = robustnessParams(s, 4);
      validateGeneralParams(p);
      expect(p.spots.snr).toBe(4);
      const centre = { ...GENERAL_CENTRE, spots: { ...GENERAL_CENTRE.spots, snr: 4 } };
      if (s.name === 'centre') expect(p).toEqual(centre);
      else expect(p, s.name).not.toEqual(centre);
    }
    const combined = robustnessParams(ROBUSTNESS_SCENARIOS.find((s) => s.name === 'combined')!, 2);
    expect(combined.camera.offset).toBe(2000);
    expect(combined.background.cells.brightness).toBe(4);
    expect(combined.background.blobs.count).toBe(15);
    expect(combined.psf.halo.amplitude).toBe(0.3);
    expect(combined.spots.pairFraction).toBe(0.2);
  });

  it('runs at SNR 2, 4, 7, 20 on held-out seeds that other parents do not produce', () => {
    expect(ROBUSTNESS_SNRS).toEqual([2, 4, 7, 20]);
    const seeds = robustnessSeeds(8);
    expect(new Set(seeds).size).toBe(8);
    expect(robustnessCases(2)).toHaveLength(ROBUSTNESS_SCENARIOS.length * 4 * 2);
    expect(() => assertNotHeldOut([1, 2, seeds[3]!])).toThrow(/held-out/);
    for (const parent of [0, 2026, 7100])
      expect(() =>
        assertNotHeldOut(Array.from({ length: 5000 }, (_, i) => deriveSeed(parent, i))),
      ).not.toThrow();
  });
});
