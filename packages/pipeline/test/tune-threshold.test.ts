import { evaluatePoints } from '@dmdet/metrics';
import { GENERAL_CENTRE, mergeGeneralParams, simulateGeneral } from '@dmdet/simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DetectorModel, detect, type LabeledVolume, trainDetector, tuneThreshold } from '../src/index';
import { loadModel } from '../src/node';
import { oneMap, tinyDetector, useCpu } from './setup-tf';

let model: DetectorModel;
beforeAll(async () => {
  await useCpu();
  // One map per volume (the default model averages four: 4× the time, and not what these test).
  model = oneMap(await loadModel('default'));
}, 60_000);

const volumes: LabeledVolume[] = [21, 22, 23, 24].map((seed) => {
  const sim = simulateGeneral(
    mergeGeneralParams(GENERAL_CENTRE, { shape: [6, 48, 48], spots: { count: 14, snr: seed % 2 ? 3 : 8 } }),
    seed,
  );
  return { id: `v${seed}`, volume: sim.volume, points: sim.points.map(({ x, y, z }) => ({ x, y, z })) };
});

describe('tuneThreshold', () => {
  it('chooses the threshold and a rule on the volumes, as detect then applies them; the given detector is not changed', async () => {
    const before = JSON.stringify(model.metadata);
    const tuned = await tuneThreshold(model, volumes, { thresholdRule: { knots: 1, minImagesPerKnot: 3 } });
    expect(JSON.stringify(model.metadata)).toBe(before);
    const { threshold, thresholdRule, training } = tuned.detector.metadata;
    expect(threshold).toBeGreaterThan(0);
    expect(thresholdRule?.knots).toHaveLength(1);
    expect(thresholdRule?.confidence).toBe(0.8);
    expect(tuned.meanF1).toBeGreaterThanOrEqual(tuned.fixedF1);
    expect(training?.thresholdTuning).toMatchObject({ volumes: 4, meanF1: tuned.meanF1 });
    // The default model's valley term is tried on the new rule, kept where it loses nothing.
    const valley = model.metadata.thresholdRule?.valley;
    expect(valley).toBeDefined();
    expect(tuned.valleyNote).toMatch(/^valley term (kept|dropped): mean F1 on the validation volumes/);
    expect(thresholdRule?.valley).toEqual(tuned.valleyNote?.includes('kept') ? valley : undefined);
    expect(training?.thresholdTuning).toMatchObject({ valleyNote: tuned.valleyNote });
    // detect with the tuned model: each volume's threshold from its signal (one knot: the rule's
    // one threshold) or the fixed one; the mean F1 as tuneThreshold measured it (up to the gate
    // being counted in the model's grid there and in the file's here).
    const f1: number[] = [];
    for (const v of volumes) {
      const r = await detect(v.volume, { model: tuned.detector });
      // One knot: the rule's one threshold, shifted by its zoom slope per doubling of the voxels.
      const zoom = r.resampling
        ? [0, 1, 2].reduce((a, k) => a + Math.log2(r.resampling!.to[k]! / r.resampling!.from[k]!), 0)
        : 0;
      const own = (thresholdRule?.thresholds[0] as number) + (thresholdRule?.zoomSlope ?? 0) * zoom;
      if (r.thresholdSource === 'signal') expect(r.threshold - (r.valleyShift ?? 0)).toBeCloseTo(own, 12);
      else expect(r.threshold).toBe(thresholdRule?.fallback ?? threshold);
      f1.push(evaluatePoints(v.points, r.points, { gate: 5 }).f1);
    }
    expect(f1.reduce((a, b) => a + b) / f1.length).toBeCloseTo(tuned.meanF1, 1);
    // valley: false tries none.
    const noValley = await tuneThreshold(model, volumes, {
      thresholdRule: { knots: 1, minImagesPerKnot: 3, valley: false },
    });
    expect(noValley.valleyNote).toBeUndefined();
    expect(noValley.detector.metadata.thresholdRule?.valley).toBeUndefined();
    // Without a rule: the fixed threshold only, and the old rule is not kept.
    const plain = await tuneThreshold(tuned.detector, volumes, { thresholdRule: false });
    expect(plain.detector.metadata.thresholdRule).toBeUndefined();
    expect(plain.meanF1).toBe(plain.fixedF1);
    // The default rule needs 24 volumes with a signal: none with 4, and the note says why.
    const few = await tuneThreshold(model, volumes);
    expect(few.detector.metadata.thresholdRule).toBeUndefined();
    expect(few.ruleNote).toMatch(
      /no threshold rule: \d validation volumes with 5 or more maxima ≥ 0.8, needs 24/,
    );
  }, 180_000);

  it('reports the F1 the detector gave the volumes before, as detect gives it', async () => {
    /** Mean F1 of detect with `detector` (its axial-ghost rule off, as tuneThreshold leaves it out). */
    const detectF1 = async (detector: DetectorModel) => {
      let sum = 0;
      for (const v of volumes) {
        const r = await detect(v.volume, { model: detector, axialGhosts: false });
        sum += evaluatePoints(v.points, r.points, { gate: 5 }).f1;
      }
      return sum / volumes.length;
    };
    const tuned = await tuneThreshold(model, volumes);
    expect(tuned.sourceF1).toBeCloseTo(await detectF1(model), 6);
    expect(tuned.detector.metadata.training?.thresholdTuning).toMatchObject({ sourceF1: tuned.sourceF1 });
    // A fixed threshold far too high (no rule): what it gave is what tuning mends.
    const { thresholdRule: _rule, ...rest } = model.metadata;
    const high: DetectorModel = { model: model.model, metadata: { ...rest, threshold: 0.99 } };
    const fromHigh = await tuneThreshold(high, volumes);
    expect(fromHigh.sourceF1).toBeCloseTo(await detectF1(high), 6);
    expect(fromHigh.meanF1).toBeGreaterThan(fromHigh.sourceF1 + 0.3);
  }, 180_000);

  it('fits a fallback for volumes too sparse for a signal, kept where it beats the fixed threshold on them, and detect applies it', async () => {
    // Three sparse volumes beside the four (2 spots at SNR 5: fewer than the rule's 5 confident
    // maxima, so no signal), whose noise peaks want a higher threshold than the four volumes do.
    const sparse: LabeledVolume[] = [31, 32, 33].map((seed) => {
      const sim = simulateGeneral(
        mergeGeneralParams(GENERAL_CENTRE, { shape: [6, 48, 48], spots: { count: 2, snr: 5 } }),
        seed,
      );
      return { id: `s${seed}`, volume: sim.volume, points: sim.points.map(({ x, y, z }) => ({ x, y, z })) };
    });
    const tuned = await tuneThreshold(model, [...volumes, ...sparse], {
      thresholdRule: { knots: 1, minImagesPerKnot: 3 },
    });
    const { threshold, thresholdRule } = tuned.detector.metadata;
    const found = await Promise.all(sparse.map((v) => detect(v.volume, { model: tuned.detector })));
    for (const r of found) expect(r.signal).toBeUndefined();
    const fallback = thresholdRule?.fallback;
    expect(fallback).toBeDefined();
    expect(fallback).not.toBe(threshold);
    for (const r of found) {
      expect(r.thresholdSource).toBe('sparse');
      // Then moved to the valley of its map's scores where the rule kept the default's valley term.
      expect(r.threshold - (r.valleyShift ?? 0)).toBeCloseTo(fallback as number, 12);
    }
    // Pooled over the sparse volumes, the fallback beats the fixed threshold (as tuneThreshold chose it).
    const all = await Promise.all(
      sparse.map((v) => detect(v.volume, { model: tuned.detector, threshold: 0.02 })),
    );
    const pooled = (t: number) => {
      const c = { tp: 0, fp: 0, fn: 0 };
      for (const [i, v] of sparse.entries()) {
        const s = evaluatePoints(
          v.points,
          (all[i] as (typeof all)[number]).points.filter((p) => p.score >= t),
          { gate: 5 },
        );
        c.tp += s.tp;
        c.fp += s.fp;
        c.fn += s.fn;
      }
      return (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
    };
    expect(pooled(fallback as number)).toBeGreaterThan(pooled(threshold as number));
  }, 180_000);

  it('refuses what is not a detector or no volumes', async () => {
    await expect(tuneThreshold({} as DetectorModel, volumes)).rejects.toThrow(/needs a detector/);
    await expect(tuneThreshold(tinyDetector(), [])).rejects.toThrow(/at least one labelled volume/);
  });
});

describe('trainDetector: threshold rule', () => {
  it('fits a rule on the validation volumes and keeps it only when it scores at least the fixed threshold', async () => {
    const source = oneMap(await loadModel('default')); // trained in place: a copy of its own
    const result = await trainDetector([volumes[0] as LabeledVolume], volumes, {
      from: source,
      epochs: 1,
      stepsPerEpoch: 1,
      batchSize: 1,
      crop: [4, 32, 32],
      thresholdRule: { knots: 1, minImagesPerKnot: 3 },
    });
    const m = result.detector.metadata;
    expect(m.thresholdRule?.knots).toHaveLength(1);
    expect(m.thresholdRule?.minSpots).toBe(5);
    const fixedF1 = m.training?.['validationF1FixedThreshold'] as number;
    expect(result.validationF1).toBeGreaterThanOrEqual(fixedF1);
    // The report scores each volume at its own threshold, and their mean is the validation F1.
    const mean = result.validationReport.reduce((a, r) => a + r.f1, 0) / result.validationReport.length;
    expect(mean).toBeCloseTo(result.validationF1 as number, 10);
  }, 180_000);
});
