import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_MODELS, defaultModelUrl } from '../src';
import { isBuiltInModel } from '../src/load-model';
import { loadModel } from '../src/node';

const weightsOf = (name: keyof typeof BUILT_IN_MODELS) =>
  readFileSync(fileURLToPath(new URL('weights.bin', defaultModelUrl(name))));

describe('the built-in models', () => {
  it('lists each name with a folder of its own that loads', async () => {
    expect(Object.keys(BUILT_IN_MODELS).sort()).toEqual(['default', 'general', 'ptc-virus', 'tissue']);
    for (const name of Object.keys(BUILT_IN_MODELS) as (keyof typeof BUILT_IN_MODELS)[]) {
      expect(isBuiltInModel(name)).toBe(true);
      const detector = await loadModel(name);
      expect(detector.metadata.format, name).toBe('dmdet-model');
    }
    expect(isBuiltInModel('tissues')).toBe(false);
  }, 60_000);

  it("'tissue' has weights of its own and the general model's detection settings", async () => {
    const general = await loadModel('general');
    const tissue = await loadModel('tissue');
    expect(weightsOf('tissue').equals(weightsOf('general'))).toBe(false);
    expect(weightsOf('tissue').length).toBe(weightsOf('general').length);
    const { training: _t, context: _c, ...tissueSettings } = tissue.metadata;
    const { training: _g, context: _d, ...generalSettings } = general.metadata;
    expect(tissueSettings).toEqual(generalSettings);
    expect(tissue.metadata.training?.['weightsFrom']).toBe('tools/models/general-effects-faint');
  }, 60_000);
});
