import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_MODELS, defaultModelUrl } from '../src';
import { isBuiltInModel } from '../src/load-model';
import { loadModel } from '../src/node';
import { trainedWithPixelPattern } from '../src/pixel-pattern';

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

  it.each([
    ['tissue', 'tools/models/general-effects-faint'],
    ['scmos', 'tools/models/general-pattern-always'],
  ] as const)(
    "'%s' has weights of its own (from %s) and the general model's detection settings (scmos: but its valley term)",
    async (name, from) => {
      const general = await loadModel('general');
      const model = await loadModel(name);
      for (const other of ['general', 'tissue', 'scmos'] as const)
        if (other !== name) expect(weightsOf(name).equals(weightsOf(other)), other).toBe(false);
      expect(weightsOf(name).length).toBe(weightsOf('general').length);
      const { training: _t, context: _c, ...settings } = model.metadata;
      const { training: _g, context: _d, ...generalSettings } = general.metadata;
      // scmos: all but the general model's valley term, fitted on its own maps' scores (tissue,
      // measured with it, has it too).
      const { valley, ...generalRule } = generalSettings.thresholdRule ?? {};
      expect(valley).toBeDefined();
      expect(settings).toEqual(
        name === 'scmos' ? { ...generalSettings, thresholdRule: generalRule } : generalSettings,
      );
      expect(model.metadata.training?.['weightsFrom']).toBe(from);
    },
    60_000,
  );

  it('only scmos, and fine-tunes of it, count as trained with a pixel pattern', async () => {
    expect(trainedWithPixelPattern((await loadModel('scmos')).metadata.training)).toBe(true);
    for (const name of ['general', 'tissue', 'ptc-virus'] as const)
      expect(trainedWithPixelPattern((await loadModel(name)).metadata.training), name).toBe(false);
    // A user's fine-tune of it (`dmdet train --from scmos` notes its source).
    expect(trainedWithPixelPattern({ from: 'scmos', dataset: 'my-stacks' })).toBe(true);
    expect(trainedWithPixelPattern({ from: 'default', dataset: 'my-stacks' })).toBe(false);
    expect(trainedWithPixelPattern(undefined)).toBe(false);
    // The pattern in half the volumes (`--camera-pattern`) or in all (`--camera-pattern-always`).
    for (const cameraPattern of [true, 'always'])
      expect(trainedWithPixelPattern({ data: { general: { cameraPattern } } })).toBe(true);
    expect(trainedWithPixelPattern({ data: { general: { cameraPattern: false } } })).toBe(false);
  }, 60_000);
});
