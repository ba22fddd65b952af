import { createLoss } from '@dmdet/losses';
import { type BatchData, freezeNormalization, type GradientWorkers } from '@dmdet/model';
import { AXIAL_GHOST_DEFAULTS } from '@dmdet/postprocess';
import { normalizeInput } from '@dmdet/preprocess';
import { simulateVolume } from '@dmdet/simulate';
import { createVolume, type Volume } from '@dmdet/volume-io';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CONTEXT_TOLERANCE,
  FINE_TUNE_LEARNING_RATE,
  lossOptionsFor,
  PipelineError,
  trainDetector,
} from '../src/index';
import { TINY, tinyDetector, useCpu } from './setup-tf';

const ghostRule = { ...AXIAL_GHOST_DEFAULTS };

beforeAll(useCpu);

/** Gradient workers that record each batch and return zero gradients (the model does not change). */
function recording(model: { trainableWeights: { shape: (number | null)[] }[] }, packed: boolean) {
  const batches: { x: BatchData; y: BatchData }[] = [];
  const workers: GradientWorkers = {
    loss: createLoss(packed ? { weights: 'packed' } : {}),
    async computeGradients(_w, x, y) {
      batches.push({ x, y });
      return {
        loss: 0.5,
        gradients: model.trainableWeights.map(
          (w) => new Float32Array(w.shape.reduce<number>((a, b) => a * (b ?? 1), 1)),
        ),
      };
    },
  };
  return { workers, batches };
}

const sim = (seed: number) => simulateVolume({ shape: [4, 32, 64], count: 12, snr: 8, minSpacing: 5, seed });

describe('trainDetector: voxels without data', () => {
  it('trains on stacks with NaN or padding as detect reads them: the network never sees NaN', async () => {
    // A camera offset of 100, the first 16 columns NaN (training) or padding at 0 (validation).
    const pad = (v: Volume, fill: number) =>
      createVolume(
        Float32Array.from(v.data, (x, i) => (i % 64 < 16 ? fill : x + 100)),
        v.shape,
      );
    const a = sim(1);
    const b = sim(2);
    const outside = (points: { x: number; y: number; z: number }[]) => points.filter((p) => p.x >= 18);
    const detector = tinyDetector();
    const { workers, batches } = recording(detector.model, false);
    const result = await trainDetector(
      [{ id: 'a', volume: pad(a.volume, Number.NaN), points: outside(a.points) }],
      [{ id: 'b', volume: pad(b.volume, 0), points: outside(b.points) }],
      {
        model: detector.model,
        network: TINY,
        workers,
        normalization: { method: 'background', block: [2, 8, 8] },
        crop: [4, 32, 64],
        epochs: 1,
        stepsPerEpoch: 2,
        batchSize: 1,
      },
    );
    expect(batches).toHaveLength(2);
    for (const { x } of batches) {
      expect(Array.from(x.data).every(Number.isFinite)).toBe(true);
      // The 16 columns without data hold the transform's background noise (σ 1 / unit = 0.1), on
      // the left or (flipped) the right of the crop.
      const column = (i: number) => i % 64;
      const side = Array.from(x.data).filter((_, i) => column(i) < 16 || column(i) >= 48);
      const sd = Math.sqrt(side.reduce((s, v) => s + v * v, 0) / side.length);
      expect(sd).toBeLessThan(0.2);
    }
    expect(result.validationReport[0]?.id).toBe('b');
    await expect(
      trainDetector(
        [{ volume: createVolume(new Float32Array(4 * 32 * 64).fill(Number.NaN), [4, 32, 64]), points: [] }],
        [],
        { model: detector.model, network: TINY, workers, epochs: 1 },
      ),
    ).rejects.toThrow(/train\[0\]: no voxel of its volume holds data/);
  }, 60000);
});

describe('trainDetector: annotated regions', () => {
  it('teaches only inside the region (loss weights 0 outside) and scores only inside it', async () => {
    const a = sim(1);
    const b = sim(2);
    const detector = tinyDetector();
    const { workers, batches } = recording(detector.model, true);
    const region = { z: [0, 4], y: [0, 32], x: [0, 32] } as const;
    const result = await trainDetector(
      [{ id: 'a', volume: a.volume, points: a.points, region }],
      [{ id: 'b', volume: b.volume, points: b.points, region }],
      {
        model: detector.model,
        network: TINY,
        workers,
        crop: [4, 32, 64],
        epochs: 1,
        stepsPerEpoch: 2,
        batchSize: 1,
      },
    );
    // Whole-width crops: the weight channel is 0 on the half outside the region (either half after a flip), > 0 inside.
    for (const { y } of batches) {
      expect(y.shape[4]).toBe(2);
      const w = y.data.filter((_, i) => i % 2 === 1);
      const zeros = w.filter((v) => v === 0).length;
      expect(zeros).toBe(w.length / 2);
      expect(Math.max(...w)).toBe(11); // λ + 1 next to particles (eq. 2)
    }
    const inside = b.points.filter((p) => Math.round(p.x) < 32).length;
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThan(b.points.length);
    const report = result.validationReport[0];
    expect(report?.id).toBe('b');
    expect((report?.tp ?? 0) + (report?.fn ?? 0)).toBe(inside);
    expect(report?.detections.every((d) => Math.round(d.x) < 32)).toBe(true);
    expect(result.detector.metadata.training?.['annotatedRegions']).toBe(true);
    expect(lossOptionsFor({ regions: true }).weights).toBe('packed');
    await expect(
      trainDetector(
        [{ volume: a.volume, points: a.points, region: { z: [0, 4], y: [0, 32], x: [10, 70] } }],
        [],
        {
          network: TINY,
          epochs: 1,
        },
      ),
    ).rejects.toThrow(/annotated region x must be \[start, end\).*<= 64/);
  }, 60000);
});

describe('trainDetector: fine-tuning (from)', () => {
  it('keeps the source’s network, transform and spot scale, at the fine-tuning rate, and refuses changes to them', async () => {
    const a = sim(3);
    const b = sim(4);
    const source = tinyDetector();
    source.metadata = {
      ...source.metadata,
      normalization: { method: 'background', block: [2, 8, 8], unit: 10, knee: 20 },
      spotScale: { xy: 1.4, z: 1, maxZoom: { voxels: 4 } },
      spotRange: { xy: [1, 2], z: [0.8, 1.5] },
      thresholdRule: { kind: 'signal', confidence: 0.8, minSpots: 5, knots: [0.3], thresholds: [0.6] },
      axialGhosts: ghostRule,
    };
    const before = source.model.getWeights().map((w) => Array.from(w.dataSync()));
    const rates: number[] = [];
    const result = await trainDetector(
      [{ volume: a.volume, points: a.points, spotSize: { xy: 1.4, z: 1 } }],
      [{ volume: b.volume, points: b.points, spotSize: { xy: 1.4, z: 1 } }],
      {
        from: source,
        epochs: 2,
        stepsPerEpoch: 1,
        batchSize: 1,
        crop: [4, 32, 32],
        augment: { rotate90: true, intensity: 0.2 },
        validationF1EachEpoch: true,
        onProgress: (p) => {
          if (p.phase === 'epoch') rates.push(p.learningRate as number);
        },
      },
    );
    const m = result.detector.metadata;
    expect(result.detector.model).toBe(source.model);
    expect(m.config).toEqual(source.metadata.config);
    expect(m.normalization).toEqual(source.metadata.normalization);
    expect(m.spotScale).toEqual({ xy: 1.4, z: 1, maxZoom: { voxels: 4 } });
    expect(m.spotRange).toEqual({ xy: [1, 2], z: [0.8, 1.5] });
    expect(m.axialGhosts).toEqual(ghostRule);
    expect(m.training?.['learningRate']).toBe(FINE_TUNE_LEARNING_RATE);
    expect(rates).toEqual([FINE_TUNE_LEARNING_RATE, FINE_TUNE_LEARNING_RATE]);
    expect(result.sourceValidationF1).toBeGreaterThanOrEqual(0);
    expect(m.training?.['sourceValidationF1']).toBe(result.sourceValidationF1);
    // The source's threshold rule does not fit the new weights, and one validation volume fits none.
    expect(m.thresholdRule).toBeUndefined();
    expect(m.training?.['thresholdRuleNote']).toMatch(
      /^no threshold rule: [01] validation volumes .* needs 24$/,
    );
    expect(result.training.history.every((h) => typeof h.metrics?.['f1'] === 'number')).toBe(true);
    const after = source.model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(after).not.toEqual(before);
    await expect(
      trainDetector([{ volume: a.volume, points: a.points }], [], {
        from: source,
        normalization: { low: 1, high: 99 },
      }),
    ).rejects.toThrow(PipelineError);
    await expect(
      trainDetector([{ volume: a.volume, points: a.points }], [], { minutes: -1 }),
    ).rejects.toThrow(/minutes must be a positive number/);
    await expect(
      trainDetector([{ volume: a.volume, points: a.points }], [], {
        from: source,
        axialGhosts: { ...ghostRule, ratio: -1 },
      }),
    ).rejects.toThrow(/axialGhosts/);
  }, 60000);

  it('drops the source’s axial-ghost rule with axialGhosts: false, and takes a given one', async () => {
    const a = sim(5);
    const source = tinyDetector();
    source.metadata = { ...source.metadata, axialGhosts: ghostRule };
    const short = { epochs: 1, stepsPerEpoch: 1, batchSize: 1, crop: [4, 32, 32] as const };
    const train = [{ volume: a.volume, points: a.points }];
    const none = await trainDetector(train, [], { ...short, from: source, axialGhosts: false });
    expect(none.detector.metadata.axialGhosts).toBeUndefined();
    expect(none.detector.metadata).not.toHaveProperty('axialGhosts');
    const own = { ...ghostRule, ratio: 0.2 };
    const given = await trainDetector(train, [], { ...short, axialGhosts: own });
    expect(given.detector.metadata.axialGhosts).toEqual(own);
    const plain = await trainDetector(train, [], short);
    expect(plain.detector.metadata).not.toHaveProperty('axialGhosts');
  }, 60000);

  it('keeps the source’s bright pass, drops it with brightPass: false, takes a given one and names a bad one', async () => {
    const a = sim(5);
    const brightPass = { fromPeak: 40, kneeFactor: 4, separation: 3 };
    const source = tinyDetector();
    source.metadata = { ...source.metadata, brightPass };
    const short = { epochs: 1, stepsPerEpoch: 1, batchSize: 1, crop: [4, 32, 32] as const };
    const train = [{ volume: a.volume, points: a.points }];
    const kept = await trainDetector(train, [], { ...short, from: source });
    expect(kept.detector.metadata.brightPass).toEqual(brightPass);
    const none = await trainDetector(train, [], { ...short, from: source, brightPass: false });
    expect(none.detector.metadata).not.toHaveProperty('brightPass');
    const own = { ...brightPass, fromPeak: 100 };
    const given = await trainDetector(train, [], { ...short, brightPass: own });
    expect(given.detector.metadata.brightPass).toEqual(own);
    const plain = await trainDetector(train, [], short);
    expect(plain.detector.metadata).not.toHaveProperty('brightPass');
    await expect(
      trainDetector(train, [], { ...short, brightPass: { ...brightPass, separation: 0 } }),
    ).rejects.toThrow(/brightPass must be \{ fromPeak/);
  }, 60000);
});

describe('trainDetector: the context tiles need (metadata.context)', () => {
  it('is measured on the validation volumes and stored for a frozen model; a model with per-tile statistics has none', async () => {
    const a = simulateVolume({ shape: [4, 64, 64], count: 16, snr: 8, minSpacing: 5, seed: 21 });
    const b = simulateVolume({ shape: [4, 64, 64], count: 16, snr: 8, minSpacing: 5, seed: 22 });
    const run = async (frozen: boolean) => {
      const source = tinyDetector();
      const model = frozen
        ? await freezeNormalization(source.model, [
            normalizeInput(a.volume, source.metadata.normalization ?? { low: 1, high: 99.8 }),
          ])
        : source.model;
      const { workers } = recording(model, false);
      const result = await trainDetector(
        [{ volume: a.volume, points: a.points }],
        [{ volume: b.volume, points: b.points }],
        {
          from: { model, metadata: source.metadata },
          workers,
          crop: [4, 32, 32],
          epochs: 1,
          stepsPerEpoch: 1,
          batchSize: 1,
        },
      );
      return result.detector.metadata.context;
    };
    // TINY's receptive radius is 10×13×13: z (4 slices) cannot be measured, y and x can (64 px).
    const context = await run(true);
    expect(context?.tolerance).toBe(DEFAULT_CONTEXT_TOLERANCE);
    expect(context?.radius[0]).toBe(10);
    expect(context?.radius[1]).toBeLessThan(13);
    expect(context?.radius[2]).toBe(context?.radius[1]);
    expect(await run(false)).toBeUndefined();
  }, 60000);
});

describe('trainDetector: peak-normalised density maps (peakNormalize)', () => {
  /** Target voxels at 1 in every batch (whole-volume crops, so every spot is in each). */
  async function peaksAtOne(peakNormalize: boolean) {
    const a = sim(5);
    const detector = tinyDetector();
    const { workers, batches } = recording(detector.model, false);
    const result = await trainDetector([{ volume: a.volume, points: a.points }], [], {
      model: detector.model,
      network: TINY,
      workers,
      crop: [4, 32, 64],
      epochs: 1,
      stepsPerEpoch: 2,
      batchSize: 1,
      ...(peakNormalize ? { peakNormalize } : {}),
    });
    const counts = batches.map(({ y }) => y.data.filter((v) => v >= 1 - 1e-6).length);
    return { counts, points: a.points.length, metadata: result.detector.metadata };
  }

  it('makes every spot peak at exactly 1, stores it in the metadata, and fine-tuning keeps it', async () => {
    const on = await peaksAtOne(true);
    expect(on.points).toBeGreaterThan(5);
    // One voxel at 1 per spot (12 spots, at least 5 voxels apart), whatever their sub-voxel position.
    expect(on.counts).toEqual(on.counts.map(() => on.points));
    expect(on.metadata.target).toEqual({ kind: 'density', sigmaXY: 1, sigmaZ: 1, peakNormalize: true });
    const off = await peaksAtOne(false);
    // Without it a spot off the voxel centres peaks below 1 (down to 0.69 for σ 1).
    for (const c of off.counts) expect(c).toBeLessThan(off.points / 2);
    expect(off.metadata.target).toEqual({ kind: 'density', sigmaXY: 1, sigmaZ: 1 });

    const source = tinyDetector();
    source.metadata = { ...source.metadata, target: on.metadata.target };
    const b = sim(6);
    const { workers, batches } = recording(source.model, false);
    const tuned = await trainDetector([{ volume: b.volume, points: b.points }], [], {
      from: source,
      workers,
      crop: [4, 32, 64],
      epochs: 1,
      stepsPerEpoch: 1,
      batchSize: 1,
    });
    expect(tuned.detector.metadata.target).toEqual(on.metadata.target);
    expect(batches[0]?.y.data.filter((v) => v >= 1 - 1e-6).length).toBe(b.points.length);
    await expect(
      trainDetector([{ volume: b.volume, points: b.points }], [], { from: source, peakNormalize: false }),
    ).rejects.toThrow(/peakNormalize cannot be given with from/);
  }, 60000);
});
