import { describe, expect, it } from 'vitest';
import * as api from '../src/index';

// Freezes the public API: adding or removing an export is a deliberate change to this list.
describe('public API', () => {
  it('exports', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AXIAL_GHOST_DEFAULTS',
      'CLUTTER_RAISE_MIN_KEPT',
      'DECOY_STEP',
      'PostprocessError',
      'SCORE_VALLEY_STEP',
      'checkAxialGhostRule',
      'checkDecoyTerm',
      'checkThresholdRule',
      'checkValleyTerm',
      'clutterRaiseHolds',
      'decoyThreshold',
      'detectSEF3D',
      'findAxialGhosts',
      'fitGaussian',
      'gaussianFilter3D',
      'gaussianKernel1d',
      'inAxialGhostReach',
      'isCrowded',
      'laplacianOfGaussian',
      'localContrasts',
      'localMaxima3D',
      'maximaClutter',
      'maximaDensity',
      'maximumFilter',
      'measureSpots',
      'median',
      'pointsApart',
      'predictTiled',
      'robustNoise',
      'scoreValley',
      'subVoxelOffset',
      'thresholdForSignal',
      'tilePlan',
      'valleyThreshold',
      'volumeSignal',
    ]);
  });
});
