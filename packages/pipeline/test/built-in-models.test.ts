import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_MODELS, defaultModelUrl } from '../src';
import { trainedWithPixelPattern } from '../src/detect';
import { isBuiltInModel } from '../src/load-model';
import { loadModel } from '../src/node';

const weightsOf = (name: keyof typeof BUILT_IN_MODELS) =>
  readFileSync(fileURLToPath(new URL('weights.bin', defaultModelUrl(name))));

describe('the built-in models', () => {
  it('lists each name with a folder of its own that loads', async () => {
    expect(Object.keys(BUILT_IN_MODELS).sort()).toEqual([
      'default',
      'general',
      'ptc-virus',
      'scmos',
      'tissue',
    ]);
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

  it("'scmos' has weights trained with a pixel pattern and the general model's detection settings", async () => {
    const general = await loadModel('general');
    const scmos = await loadModel('scmos');
    expect(weightsOf('scmos').equals(weightsOf('general'))).toBe(false);
    expect(weightsOf('scmos').equals(weightsOf('tissue'))).toBe(false);
    expect(weightsOf('scmos').length).toBe(weightsOf('general').length);
    const { training: _t, context: _c, ...scmosSettings } = scmos.metadata;
    const { training: _g, context: _d, ...generalSettings } = general.metadata;
    expect(scmosSettings).toEqual(generalSettings);
    expect(scmos.metadata.training?.['weightsFrom']).toBe('tools/models/general-pattern-fast');
    expect(trainedWithPixelPattern(scmos.metadata.training)).toBe(true);
    expect(trainedWithPixelPattern(general.metadata.training)).toBe(false);
    expect(trainedWithPixelPattern((await loadModel('tissue')).metadata.training)).toBe(false);
    // A user's fine-tune of it (`dmdet train --from scmos` notes its source).
    expect(trainedWithPixelPattern({ from: 'scmos', dataset: 'my-stacks' })).toBe(true);
    expect(trainedWithPixelPattern({ from: 'default', dataset: 'my-stacks' })).toBe(false);
    expect(trainedWithPixelPattern(undefined)).toBe(false);
  }, 60_000);
});
