import { describe, expect, it } from 'vitest';
import * as api from '../src/index';

// Freezes the public API: adding or removing an export is a deliberate change to this list.
describe('public API', () => {
  it('exports', () => {
    expect(Object.keys(api).sort()).toEqual([
      'BACKGROUND_DEFAULTS',
      'BRIGHT_MAXIMA_DEFAULTS',
      'DEFAULT_NORMALIZATION',
      'PIXEL_PATTERN_MIN_SLICES',
      'PreprocessError',
      'SPOTS_DEFAULTS',
      'backgroundInput',
      'backgroundNoiseMaps',
      'brightIsolatedMaxima',
      'drawBelowClip',
      'estimateSpotSize',
      'fillMissingInput',
      'fromResampled',
      'isIdentity',
      'missingVoxels',
      'normalizeBackground',
      'normalizeInput',
      'pixelPattern',
      'resampleVolume',
      'resamplingFor',
      'spotPeaks',
      'spotReference',
      'spotScaleFactors',
      'toResampled',
      'typicalSpotPeak',
      'withMissing',
    ]);
  });
});
