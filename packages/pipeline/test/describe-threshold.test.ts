import { describe, expect, it } from 'vitest';
import { describeThreshold } from '../src/cli/describe-threshold';

describe('describeThreshold (what dmdet detect prints)', () => {
  it('names each source of the threshold', () => {
    expect(describeThreshold({ threshold: 0.3, thresholdSource: 'given' })).toBe('threshold 0.300, given');
    expect(describeThreshold({ threshold: 0.55, thresholdSource: 'signal', signal: 0.161 })).toBe(
      "threshold 0.550, from the volume's signal 0.16",
    );
    expect(describeThreshold({ threshold: 0.65, thresholdSource: 'sparse' })).toBe(
      "threshold 0.650, the model's for a volume with few confident spots",
    );
    expect(describeThreshold({ threshold: 0.25, thresholdSource: 'crowded', signal: 0.104 })).toBe(
      "threshold 0.250, the model's for a faint volume crowded with spots (signal 0.10)",
    );
    expect(describeThreshold({ threshold: 0.705, thresholdSource: 'model' })).toBe(
      "threshold 0.705, the model's",
    );
    expect(describeThreshold({ threshold: 0.5, thresholdSource: 'default' })).toBe(
      'threshold 0.500, the default',
    );
  });
  it("says when the rule's clutter term raised the threshold", () => {
    expect(
      describeThreshold({
        threshold: 0.72,
        thresholdSource: 'signal',
        signal: 0.5,
        clutter: 1.93,
        clutterRaise: 0.2,
      }),
    ).toBe(
      "threshold 0.720, from the volume's signal 0.50, raised by 0.200 for clutter 1.93 (map maxima just below confident per confident one: grains or noise peaks shaped like spots)",
    );
    expect(describeThreshold({ threshold: 0.52, thresholdSource: 'signal', signal: 0.5, clutter: 0.2 })).toBe(
      "threshold 0.520, from the volume's signal 0.50",
    );
    expect(
      describeThreshold({
        threshold: 0.7,
        thresholdSource: 'signal',
        signal: 0.77,
        clutter: 12.8,
        clutterRaiseDropped: 0.25,
      }),
    ).toBe(
      "threshold 0.700, from the volume's signal 0.77, not raised for clutter 12.80 (a raise of 0.250 would have kept under a tenth of the detections: the spots score below confident here)",
    );
  });
  it('says where the valley term moved the threshold', () => {
    expect(
      describeThreshold({ threshold: 0.6, thresholdSource: 'signal', signal: 0.5, valleyShift: -0.1 }),
    ).toBe(
      "threshold 0.600, from the volume's signal 0.50, lowered by 0.100 to the valley between the map's top scores and the rest",
    );
    expect(
      describeThreshold({ threshold: 0.8, thresholdSource: 'signal', signal: 0.3, valleyShift: 0.29 }),
    ).toBe(
      "threshold 0.800, from the volume's signal 0.30, raised by 0.290 to the valley between the map's top scores and the clutter below them",
    );
    expect(describeThreshold({ threshold: 0.45, thresholdSource: 'sparse', valleyShift: -0.05 })).toBe(
      "threshold 0.450, the model's for a volume with few confident spots, lowered by 0.050 to the valley between the map's top scores and the rest",
    );
    expect(
      describeThreshold({ threshold: 0.5, thresholdSource: 'signal', signal: 0.3, valleyShift: 0 }),
    ).toBe("threshold 0.500, from the volume's signal 0.30");
  });
  it('gives the range over blocks whose thresholds differ', () => {
    expect(
      describeThreshold({ threshold: 0.7, thresholdSource: 'signal', blockThresholds: [0.65, 0.7, 0.75] }),
    ).toBe("threshold 0.650–0.750 over 3 blocks, from each block's signal");
    expect(describeThreshold({ threshold: 0.7, thresholdSource: 'model', blockThresholds: [0.7, 0.7] })).toBe(
      "threshold 0.700, the model's",
    );
  });
});
