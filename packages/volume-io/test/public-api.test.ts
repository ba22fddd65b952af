import { describe, expect, it } from 'vitest';
import * as main from '../src/index';
import * as node from '../src/node';

// Freezes the public API: adding or removing an export is a deliberate change to this list
// (and a changeset), never an accident.
describe('public API', () => {
  it('main entry', () => {
    expect(Object.keys(main).sort()).toEqual([
      'DETECTION_FORMATS',
      'MAX_VOLUME_BYTES',
      'VolumeIoError',
      'createVolume',
      'cropVolume',
      'flipVolume',
      'imagejDescription',
      'minMax',
      'normalizePercentile',
      'openOmeZarr',
      'padToSize',
      'percentiles',
      'readAnnotations',
      'readPointsCsv',
      'readPtcXml',
      'readTiff',
      'readTiffInfo',
      'toFloat32',
      'validatePoints',
      'validateShape',
      'volumeDType',
      'voxelCount',
      'writeDetections',
      'writePointsCsv',
      'writeTiff',
    ]);
  });

  it('node entry', () => {
    expect(Object.keys(node).sort()).toEqual([
      'isZarrFolder',
      'openOmeZarrFile',
      'readAnnotationsFile',
      'readOmeZarrFile',
      'readPointsCsvFile',
      'readPtcXmlFile',
      'readTiffFile',
      'readTiffFileInfo',
      'writeDetectionsFile',
      'writePointsCsvFile',
      'writeTiffFile',
    ]);
  });

  it('the main entry imports no Node built-in', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join, dirname } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
    for (const f of readdirSync(src).filter((n) => n.endsWith('.ts') && n !== 'node.ts')) {
      const text = readFileSync(join(src, f), 'utf8');
      expect(text, f).not.toMatch(/from ['"](node:|fs|path|os|child_process)/);
      expect(text, f).not.toMatch(/from ['"]\.\/node['"]/);
    }
  });
});
