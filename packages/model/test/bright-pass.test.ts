import { describe, expect, it } from 'vitest';
import { checkBrightPass, ModelError } from '../src/index';

describe('checkBrightPass', () => {
  it('returns a valid pass with its three fields only', () => {
    expect(checkBrightPass({ fromPeak: 400, kneeFactor: 4, separation: 3, extra: 1 })).toEqual({
      fromPeak: 400,
      kneeFactor: 4,
      separation: 3,
    });
  });

  it('refuses missing, non-finite and out-of-range fields, naming the label', () => {
    const good = { fromPeak: 400, kneeFactor: 4, separation: 3 };
    for (const bad of [
      null,
      5,
      {},
      { ...good, fromPeak: 0 },
      { ...good, fromPeak: Number.NaN },
      { ...good, kneeFactor: 1 },
      { ...good, kneeFactor: Number.POSITIVE_INFINITY },
      { ...good, separation: -1 },
      { ...good, separation: '3' },
    ]) {
      expect(() => checkBrightPass(bad, 'opts.brightPass')).toThrow(ModelError);
      expect(() => checkBrightPass(bad, 'opts.brightPass')).toThrow(/^opts\.brightPass must be \{ fromPeak/);
    }
  });
});
