import type { Options } from 'tsup';

/**
 * The one build recipe of every @dmdet package: ESM + CJS + .d.ts for each entry, for Node 20
 * and current browsers, with dependencies left external.
 */
export function packageBuild(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    // Shared chunks, so the main and /node entries share one VolumeIoError class (instanceof works across them).
    splitting: true,
    treeshake: true,
    outDir: 'dist',
    external: [/^node:/],
  };
}
