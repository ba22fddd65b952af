import { describe, expect, it } from 'vitest';
import * as api from '../src/index';
import * as node from '../src/node';

// Freezes the public API: adding or removing an export is a deliberate change to this list.
describe('public API', () => {
  it('main entry', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AMSGradOptimizer',
      'BACKEND_PACKAGES',
      'Conv3DSame',
      'CropToReference',
      'InstanceNormalization',
      'MODEL_PACKAGE_VERSION',
      'ModelError',
      'PadToMultiple',
      'TEST_TIME_FLIPS',
      'UpSampling3D',
      'amsgrad',
      'applySymmetry',
      'backendPreference',
      'batchGradients',
      'channelAffine',
      'channelMeans',
      'checkBrightPass',
      'checkTestTimeFlips',
      'conv3dSame',
      'createDetNet3D',
      'createDmDetNet3D',
      'fixedNorm',
      'freezeNormalization',
      'hourglassGeometry',
      'instanceNorm',
      'loadModel',
      'measureNormalization',
      'planeSymmetries',
      'predictFlipAveraged',
      'predictVolume',
      'readMetadata',
      'registerLayers',
      'resolveConfig',
      'saveModel',
      'setWasmConv3dEnabled',
      'sumToChannels',
      'train',
      'transposeMerged',
      'undoSymmetry',
      'useBackend',
      'wasmConv3dAvailable',
    ]);
  });
  it('node entry', () => {
    expect(Object.keys(node).sort()).toEqual([
      'ModelWorkerPool',
      'fileSystemHandler',
      'loadCheckpoint',
      'loadModelFromDir',
      'removeCheckpoint',
      'saveCheckpoint',
      'saveModelToDir',
    ]);
  });
  it('imports no tfjs backend', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join, dirname } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
    for (const f of readdirSync(src))
      expect(readFileSync(join(src, f), 'utf8'), f).not.toMatch(/from '@tensorflow\/tfjs-(backend|node)/);
  });
});
