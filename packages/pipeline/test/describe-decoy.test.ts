import { describe, expect, it } from 'vitest';
import { describeDecoy } from '../src/cli/describe-decoy';

describe('describeDecoy (what dmdet detect prints about the decoy check)', () => {
  it('says nothing when it did not run', () => {
    expect(describeDecoy({ ruleThreshold: 0.4 })).toBeUndefined();
  });

  it('names what the decoy showed at the rule threshold, and the raise', () => {
    expect(describeDecoy({ ruleThreshold: 0.42, decoy: { decoys: 54, maxima: 241, raise: 0.47 } })).toBe(
      "decoy check: the volume mirrored about its background has 54 map maxima above the threshold 0.420 against the volume's 241, so grains pass it too: raised by 0.470 (--no-decoy skips it)",
    );
    expect(describeDecoy({ ruleThreshold: 0.7, decoy: { decoys: 2, maxima: 180, raise: 0 } })).toBe(
      "decoy check: the volume mirrored about its background has 2 map maxima above the threshold 0.700 against the volume's 180: kept (--no-decoy skips it)",
    );
  });

  it('says when a raise was asked for and not applied', () => {
    expect(
      describeDecoy({ ruleThreshold: 0.4, decoy: { decoys: 60, maxima: 170, raise: 0, dropped: 0.5 } }),
    ).toBe(
      "decoy check: the volume mirrored about its background has 60 map maxima above the threshold 0.400 against the volume's 170: kept, as a raise of 0.500 would keep under a tenth of the detections (the spots score as the decoy's maxima do) (--no-decoy skips it)",
    );
  });

  it('counts blocks in a volume detected block by block', () => {
    expect(describeDecoy({ decoy: { blocks: 3, raised: 1 } })).toBe(
      'decoy check in 3 cluttered blocks: threshold raised in 1 (--no-decoy skips it)',
    );
    expect(describeDecoy({ decoy: { blocks: 1, raised: 0 } })).toMatch(
      /in 1 cluttered block: threshold raised in 0/,
    );
  });
});
