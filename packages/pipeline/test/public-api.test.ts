import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index';
import * as node from '../src/node';

// Freezes the public API: adding or removing an export is a deliberate change to this list.
describe('public API', () => {
  it('main entry', () => {
    expect(Object.keys(api).sort()).toEqual([
      'BUILT_IN_MODELS',
      'DEFAULT_CONTEXT_TOLERANCE',
      'DEFAULT_DETECT_BLOCK',
      'DEFAULT_MAX_MEMORY',
      'DEFAULT_MAX_TILE_VOXELS',
      'DEFAULT_MIN_DISTANCE',
      'DEFAULT_POSITIVE_WEIGHT',
      'FINE_TUNE_LEARNING_RATE',
      'FINE_TUNE_SCHEDULE',
      'FROZEN_NORMALIZATION',
      'MEMORY_MODEL',
      'MIN_BUDGET_TILE_VOXELS',
      'PipelineError',
      'RULE_CONFIDENCE',
      'RULE_MIN_SPOTS',
      'RULE_ZOOM_SLOPES',
      'blockMargin',
      'blockVoxels',
      'defaultModelUrl',
      'detect',
      'detectInBlocks',
      'detectionMemory',
      'encodePng',
      'evaluate',
      'evaluateMany',
      'freezeDetector',
      'holdsSecondMap',
      'loadModel',
      'lossOptionsFor',
      'measureContext',
      'modelForPixelPattern',
      'parseRegion',
      'planSpotScale',
      'predictMap',
      'projectionPicture',
      'readPixelPattern',
      'spotSizeInVoxels',
      'tileLayout',
      'tileVoxelsForMemory',
      'trainDetector',
      'tuneThreshold',
      'useBackend',
    ]);
  });
  it('node entry', () => {
    expect(Object.keys(node).sort()).toEqual([
      'ModelWorkerPool',
      'defaultModelDir',
      'loadModel',
      'readDataset',
      'readTrainingData',
      'saveDetector',
      'splitIntoBlocks',
    ]);
  });
  it('imports no tfjs backend statically, and the main entry no node: module', () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) =>
        statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)],
      );
    for (const f of files(src)) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/from '@tensorflow\/tfjs-(backend|node)/);
      if (!f.includes('/cli/') && !f.endsWith('node.ts')) expect(text, f).not.toMatch(/from 'node:/);
    }
  });
});
