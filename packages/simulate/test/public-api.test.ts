import { describe, expect, it } from 'vitest';
import * as api from '../src/index';
import * as node from '../src/node';

// Freezes the public API: adding or removing an export is a deliberate change to this list.
describe('public API', () => {
  it('main entry', () => {
    expect(Object.keys(api).sort()).toEqual([
      'GENERAL_CAMERA_PATTERN_RANGES',
      'GENERAL_CENTRE',
      'GENERAL_EFFECT_RANGES',
      'GENERAL_MAX_SPOTS',
      'GENERAL_RANGES',
      'PTC_DENSITY_COUNTS',
      'PTC_SHAPE',
      'PTC_SNRS',
      'Random',
      'SIMULATE_DEFAULTS',
      'SimulateError',
      'amplitudeForLocalSnr',
      'applyCamera',
      'countForDensity',
      'deriveSeed',
      'generalPlan',
      'generalPsfValue',
      'gridPlan',
      'localSnr',
      'mergeGeneralParams',
      'patternReadNoise',
      'peakIntensity',
      'poisson',
      'renderGeneral',
      'renderSpots',
      'sampleGeneralParams',
      'simulateGeneral',
      'simulateGeneralGrid',
      'simulateGrid',
      'simulateVolume',
      'splitSamples',
      'validateGeneralParams',
    ]);
  });
  it('node entry', () => {
    expect(Object.keys(node).sort()).toEqual(['simulateDataset']);
  });
});
