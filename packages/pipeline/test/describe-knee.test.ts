import { describe, expect, it } from 'vitest';
import { describeBrightPass, describeRaisedKnee, modelKnee } from '../src/cli/describe-knee';

describe('describeRaisedKnee (what dmdet detect prints about the input knee)', () => {
  it('says nothing when the knee stayed at the base, or without one', () => {
    expect(describeRaisedKnee({ inputKnee: 20, spotPeak: 300 }, 20)).toBeUndefined();
    expect(describeRaisedKnee({}, 20)).toBeUndefined();
    expect(describeRaisedKnee({ blockKnees: [20, 20] }, 20)).toBeUndefined();
  });

  it('names the raised knee and the spot peak of one volume', () => {
    expect(describeRaisedKnee({ inputKnee: 54.2, spotPeak: 1355.4 }, 20)).toBe(
      "input knee raised from 20 to 54 σ for spots peaking at 1355 noise σ, so very bright spots keep their shape (--input-knee 20 keeps the model's)",
    );
  });

  it('counts the blocks that raised it and gives their range', () => {
    expect(describeRaisedKnee({ blockKnees: [20, 31, 20, 64.6] }, 20)).toBe(
      "input knee raised from 20 to 31–65 σ in 2 of 4 blocks, so very bright spots keep their shape (--input-knee 20 keeps the model's)",
    );
    expect(describeRaisedKnee({ blockKnees: [40, 40] }, 20)).toMatch(
      /raised from 20 to 40 σ in 2 of 2 blocks/,
    );
    expect(describeRaisedKnee({ blockKnees: [33] }, 20)).toMatch(/raised from 20 to 33 σ in 1 of 1 block,/);
  });
});

describe('modelKnee', () => {
  it("is the 'background' transform's knee, else the default 20", () => {
    expect(modelKnee({ method: 'background', knee: 30 })).toBe(30);
    expect(modelKnee({ method: 'background' })).toBe(20);
    expect(modelKnee({ low: 1, high: 99.8 })).toBe(20);
    expect(modelKnee(undefined)).toBe(20);
  });
});

describe('describeBrightPass (what dmdet detect prints about a bright pass)', () => {
  it('says nothing when none ran', () => {
    expect(describeBrightPass({ spotPeak: 30 })).toBeUndefined();
  });

  it('names the knee, the spot peak and what it added in one volume', () => {
    expect(
      describeBrightPass({ spotPeak: 1355.4, brightPass: { knee: 216.8, threshold: 0.7, added: 3 } }),
    ).toBe(
      'bright pass at input knee 217 σ (spots peaking at 1355 noise σ): 3 more detections (--no-bright-pass runs one pass)',
    );
    expect(describeBrightPass({ spotPeak: 50, brightPass: { knee: 80, threshold: 0.7, added: 1 } })).toMatch(
      /: 1 more detection \(/,
    );
  });

  it('counts the blocks it ran in', () => {
    expect(describeBrightPass({ brightPass: { blocks: 2, added: 0 } })).toBe(
      'bright pass in 2 blocks of very bright spots: 0 more detections (--no-bright-pass runs one pass)',
    );
  });
});
