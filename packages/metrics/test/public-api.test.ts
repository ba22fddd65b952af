import { describe, expect, it } from 'vitest';
import * as api from '../src/index';

// Freezes the public API: adding or removing an export is a deliberate change to this list.
describe('public API', () => {
  it('exports', () => {
    expect(Object.keys(api).sort()).toEqual([
      'MetricsError',
      'bestThreshold',
      'candidatePairs',
      'evaluatePoints',
      'fitThresholdRule',
      'linearSumAssignment',
      'matchPoints',
      'scores',
      'summarize',
    ]);
  });
  it('imports nothing', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join, dirname } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
    for (const f of readdirSync(src)) {
      const imports = [...readFileSync(join(src, f), 'utf8').matchAll(/from '([^']+)'/g)].map(
        (m) => m[1] as string,
      );
      expect(
        imports.filter((m) => !m.startsWith('.')),
        f,
      ).toEqual([]);
    }
  });
});
