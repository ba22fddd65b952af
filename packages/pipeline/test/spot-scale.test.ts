import { predictVolume } from '@dmdet/model';
import { localMaxima3D } from '@dmdet/postprocess';
import { fromResampled, normalizeInput, resampleVolume, resamplingFor } from '@dmdet/preprocess';
import { simulateVolume } from '@dmdet/simulate';
import { createVolume } from '@dmdet/volume-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIN_DISTANCE, detect, PipelineError, planSpotScale, spotSizeInVoxels } from '../src/index';
import { spotScaleZoom } from '../src/spot-scale';
import { tinyDetector, useCpu } from './setup-tf';

beforeAll(useCpu);

const withScale = () => {
  const d = tinyDetector(0.3);
  return {
    ...d,
    metadata: {
      ...d.metadata,
      spotScale: { xy: 1.4, z: 1 },
      spotRange: { xy: [0.7, 3] as [number, number], z: [0.7, 3] as [number, number] },
    },
  };
};

describe('detect at the model’s spot scale', () => {
  const sim = simulateVolume({ shape: [6, 40, 48], count: 10, snr: 8, sigmaXY: 2.8, seed: 4 });

  it('resamples to the model’s scale, predicts there and maps every position back exactly', async () => {
    const detector = withScale();
    const got = await detect(sim.volume, { model: detector, spotSize: { xy: 2.8, z: 1 }, keepMap: true });
    const r = resamplingFor(sim.volume.shape, [1, 0.5, 0.5]);
    expect(got.resampling).toEqual(r);
    expect(got.spotSize).toEqual({ xy: 2.8, z: 1, source: 'given' });
    expect(got.map?.shape).toEqual([6, 20, 24]);
    const input = normalizeInput(resampleVolume(sim.volume, r), { low: 1, high: 99.8 });
    const map = await predictVolume(detector.model, input);
    expect(Array.from(got.map?.data ?? [])).toEqual(Array.from(map.data));
    const expected = localMaxima3D(map, { threshold: 0.3, minDistance: DEFAULT_MIN_DISTANCE }).map((d) =>
      fromResampled(d, r),
    );
    expect(got.points.map(({ x, y, z }) => [x, y, z])).toEqual(expected.map(({ x, y, z }) => [x, y, z]));
  });

  it('a spot size within 15 % of the model’s, or a model without a spot scale, leaves the volume as it is', async () => {
    const same = await detect(sim.volume, {
      model: withScale(),
      spotSize: { xy: 1.5, z: 1.1 },
      keepMap: true,
    });
    expect(same.resampling).toBeUndefined();
    expect(same.map?.shape).toEqual([6, 40, 48]);
    const plain = await detect(sim.volume, { model: tinyDetector(0.3) });
    expect(plain.spotSize).toBeUndefined();
    expect(plain.warnings).toEqual([]);
    await expect(detect(sim.volume, { model: tinyDetector(0.3), spotSize: { xy: 2, z: 1 } })).rejects.toThrow(
      /does not record the spot size it was trained at/,
    );
  });

  it('µm need a voxel size; bad sizes are named', () => {
    expect(spotSizeInVoxels({ xy: 0.2, z: 0.6, unit: 'um' }, [0.3, 0.1, 0.1])).toEqual({ xy: 2, z: 2 });
    expect(() => spotSizeInVoxels({ xy: 0.2, z: 0.6, unit: 'um' }, undefined)).toThrow(
      /needs the voxel size/,
    );
    expect(() => spotSizeInVoxels({ xy: -1, z: 1 }, undefined)).toThrow(PipelineError);
    expect(() => spotSizeInVoxels({ xy: 1, z: 1, unit: 'mm' as never }, undefined)).toThrow(/spotSize\.unit/);
  });

  it('estimates the size when not given, and warns outside the training range or without bright spots', () => {
    const big = simulateVolume({
      shape: [12, 64, 64],
      count: 30,
      minSpacing: 12,
      snr: 10,
      sigmaXY: 3.6,
      sigmaZ: 1,
      seed: 8,
    });
    const plan = planSpotScale(big.volume, withScale().metadata, undefined, undefined);
    expect(plan?.spotSize.source).toBe('estimated');
    expect(plan?.spotSize.xy).toBeGreaterThan(3);
    expect(plan?.warnings.join('\n')).toMatch(/outside what the model was trained on/);
    const empty = createVolume(new Uint16Array(6 * 32 * 32).fill(100), [6, 32, 32]);
    const none = planSpotScale(empty, withScale().metadata, undefined, undefined);
    expect(none?.spotSize).toEqual({ xy: 1.4, z: 1, source: 'model', candidates: 0 });
    expect(none?.factors).toEqual([1, 1, 1]);
    expect(none?.warnings.join('\n')).toMatch(/could not estimate the spot size/);
  });
});

describe('spotScaleZoom: resampling only beyond the estimate’s own uncertainty', () => {
  const scale = { xy: 1.4, z: 1 };
  const estimated = (xy: number, z: number, u: { xy: number; z: number }) =>
    ({ xy, z, source: 'estimated', spots: 15, uncertainty: u }) as const;
  it('keeps an axis whose estimate differs by less than twice its relative error, resamples it otherwise', () => {
    // σxy 1.18 is 15.7 % below 1.4: kept with a relative error of 10 % (tolerance 20 %), resampled
    // with 3 % (tolerance 15 %).
    expect(spotScaleZoom(estimated(1.18, 1, { xy: 0.1, z: 0.03 }), scale)).toEqual([1, 1, 1]);
    const sure = spotScaleZoom(estimated(1.18, 1, { xy: 0.03, z: 0.03 }), scale);
    expect(sure[1]).toBeCloseTo(1.4 / 1.18, 10);
    expect(sure[2]).toBeCloseTo(1.4 / 1.18, 10);
    // Per axis: σz 0.8 (20 % off) is resampled with its own error of 5 % while σxy is kept.
    const z = spotScaleZoom(estimated(1.5, 0.8, { xy: 0.05, z: 0.05 }), scale);
    expect(z).toEqual([1 / 0.8, 1, 1]);
    // A given size, or an estimate without an error, keeps the fixed 15 %.
    expect(spotScaleZoom({ xy: 1.18, z: 1, source: 'given' }, scale)[1]).toBeCloseTo(1.4 / 1.18, 10);
    expect(spotScaleZoom({ xy: 1.18, z: 1, source: 'estimated' }, scale)[1]).toBeCloseTo(1.4 / 1.18, 10);
    // Far off is resampled however uncertain: 2.1 px with a 12 % error (tolerance 24 %).
    expect(spotScaleZoom(estimated(2.1, 1, { xy: 0.12, z: 0.12 }), scale)).toEqual([1, 1.4 / 2.1, 1.4 / 2.1]);
  });
});
