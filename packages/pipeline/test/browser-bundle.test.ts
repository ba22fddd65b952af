import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// Every package's main entry must bundle for a browser: no Node built-in outside the `/node`
// entries (and the CLI). esbuild with platform 'browser' refuses to resolve `node:*` imports.
const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function bundle(entry: string) {
  return build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    conditions: ['@dmdet/source'],
    logLevel: 'silent',
  });
}

describe('browser bundles', () => {
  for (const name of readdirSync(packages).sort()) {
    it(`@dmdet/${name}: the main entry bundles for the browser`, async () => {
      const result = await bundle(join(packages, name, 'src', 'index.ts'));
      expect(result.errors).toEqual([]);
      const code = result.outputFiles[0]?.text ?? '';
      expect(code).not.toMatch(/from\s*["']node:/);
    }, 60_000);
  }

  it('the check can fail: a /node entry does not bundle for the browser', async () => {
    const err = await bundle(join(packages, 'volume-io', 'src', 'node.ts')).catch((e) => e);
    expect(String(err?.message)).toMatch(/node:fs/);
  });
});
