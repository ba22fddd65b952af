import { predictVolume } from '@dmdet/model';
import { localMaxima3D } from '@dmdet/postprocess';
import {
  backgroundInput,
  drawBelowClip,
  fromResampled,
  normalizeInput,
  resampleVolume,
  resamplingFor,
} from '@dmdet/preprocess';
import { simulateVolume } from '@dmdet/simulate';
import { createVolume } from '@dmdet/volume-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIN_DISTANCE, detect, PipelineError, planSpotScale, spotSizeInVoxels } from '../src/index';
import { modelInput } from '../src/model-input';
import { toSpotScale } from '../src/train-detector';
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

  it('enlarges a volume of small spots no further than the model’s maxZoom allows', async () => {
    const d = withScale();
    const capped = {
      ...d,
      metadata: { ...d.metadata, spotScale: { xy: 1.4, z: 1, maxZoom: { voxels: 4 } } },
    };
    // 0.7 px, 0.5 slices: 2 × 2 × 2 = 8× wanted; 4× allowed, alike on the three axes.
    const plan = planSpotScale(sim.volume, capped.metadata, { xy: 0.7, z: 0.5 }, undefined);
    const f = 2 ** (2 / 3);
    expect(plan?.factors[0]).toBeCloseTo(f, 12);
    expect(plan?.factors[1]).toBeCloseTo(f, 12);
    const got = await detect(sim.volume, { model: capped, spotSize: { xy: 0.7, z: 0.5 }, keepMap: true });
    expect(got.resampling).toEqual(resamplingFor(sim.volume.shape, plan?.factors ?? [1, 1, 1]));
    expect(got.map?.shape).toEqual([Math.round(6 * f), Math.round(40 * f), Math.round(48 * f)]);
    const full = planSpotScale(sim.volume, d.metadata, { xy: 0.7, z: 0.5 }, undefined);
    expect(full?.factors).toEqual([2, 2, 2]);
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
    expect(plan?.warnings.join('\n')).not.toMatch(/estimated from only/);
    // Eight bright spots: an estimate, with a warning that it rests on few fits.
    const few = simulateVolume({
      shape: [8, 64, 64],
      count: 8,
      minSpacing: 14,
      snr: 20,
      sigmaXY: 1.4,
      seed: 9,
    });
    const fewPlan = planSpotScale(few.volume, withScale().metadata, undefined, undefined);
    expect(fewPlan?.spotSize.source).toBe('estimated');
    expect(fewPlan?.spotSize.spots).toBeLessThan(10);
    expect(fewPlan?.spotSize.spots).toBeGreaterThanOrEqual(5);
    expect(fewPlan?.warnings.join('\n')).toMatch(
      /was estimated from only \d+ spots; .* give it: --spot-size xy,z/,
    );
    expect(planSpotScale(few.volume, withScale().metadata, { xy: 1.4, z: 1 }, undefined)?.warnings).toEqual(
      [],
    );
    const empty = createVolume(new Uint16Array(6 * 32 * 32).fill(100), [6, 32, 32]);
    const none = planSpotScale(empty, withScale().metadata, undefined, undefined);
    expect(none?.spotSize).toEqual({ xy: 1.4, z: 1, source: 'model', candidates: 0 });
    expect(none?.factors).toEqual([1, 1, 1]);
    expect(none?.warnings.join('\n')).toMatch(/could not estimate the spot size/);
  });

  it('training brings a labelled stack clipped from below to the spot scale as detect does: drawn, then resampled', () => {
    const small = simulateVolume({
      shape: [6, 40, 48],
      count: 10,
      snr: 8,
      sigmaXY: 0.7,
      sigmaZ: 0.5,
      seed: 5,
    });
    const sorted = Float32Array.from(small.volume.data).sort();
    const mid = sorted[sorted.length >> 1] as number;
    // The median subtracted and negatives stored as 0: about half the voxels at the clip.
    const clipped = createVolume(
      Float32Array.from(small.volume.data, (v) => Math.max(0, v - mid)),
      small.volume.shape,
    );
    const item = { volume: clipped, points: small.points, spotSize: { xy: 0.7, z: 0.5 } };
    const background = { method: 'background' as const, block: [2, 8, 8] as [number, number, number] };
    const scaled = toSpotScale(item, { xy: 1.4, z: 1 }, background, 'v');
    const r = resamplingFor(clipped.shape, [2, 2, 2]);
    expect(scaled.resampling).toEqual(r);
    // Drawn on the transform's block in the stack's own voxels (half of it), then resampled.
    const drawn = drawBelowClip(clipped, [1, 4, 4]);
    expect(drawn.clipped?.fraction).toBeGreaterThan(0.3);
    expect(Array.from(scaled.item.volume.data)).toEqual(Array.from(resampleVolume(drawn.volume, r).data));
    expect(backgroundInput(scaled.item.volume, background).clipped).toBeUndefined();
    expect(scaled.item.points[0]?.x).toBeCloseTo(((small.points[0]?.x as number) + 0.5) * 2 - 0.5, 9);
    // Without the background transform nothing is drawn: the stack is resampled as it is.
    const plain = toSpotScale(item, { xy: 1.4, z: 1 }, { low: 1, high: 99.8 }, 'v');
    expect(Array.from(plain.item.volume.data)).toEqual(Array.from(resampleVolume(clipped, r).data));
  });

  it('training and detect give the network the same input for a padded stack enlarged for the model', async () => {
    const small = simulateVolume({
      shape: [6, 40, 48],
      count: 10,
      snr: 8,
      sigmaXY: 0.7,
      sigmaZ: 0.5,
      seed: 6,
    });
    // On a camera offset of 100, a wedge of zero padding (deskewed).
    const [, Y, X] = small.volume.shape;
    const padded = createVolume(
      Float32Array.from(small.volume.data, (v, i) => {
        const z = Math.floor(i / (Y * X));
        return i % X < 20 - 2 * z ? 0 : v + 100;
      }),
      small.volume.shape,
    );
    const background = { method: 'background' as const, block: [2, 8, 8] as [number, number, number] };
    const spotSize = { xy: 0.7, z: 0.5 };
    const scaled = toSpotScale(
      { volume: padded, points: small.points, spotSize },
      { xy: 1.4, z: 1 },
      background,
      'v',
    );
    const data = scaled.item.volume.data;
    const nan = Array.from(data).filter(Number.isNaN).length;
    expect(nan).toBeGreaterThan(0.1 * data.length);
    const detector = withScale();
    const model = { ...detector, metadata: { ...detector.metadata, normalization: background } };
    const got = await detect(padded, { model, spotSize, keepMap: true });
    expect(got.missingVoxels?.padding).toBeGreaterThan(0);
    const expected = await predictVolume(detector.model, modelInput(scaled.item.volume, background).volume);
    const map = got.map?.data ?? new Float32Array();
    expect(Math.max(...Array.from(map, (v, i) => Math.abs(v - (expected.data[i] as number))))).toBeLessThan(
      1e-6,
    );
  }, 60_000);
});
