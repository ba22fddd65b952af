import { defineConfig } from 'vite';

// Builds from the dmdet packages' TypeScript sources (the `@dmdet/source` export condition), so the
// example needs no package build first. Relative base: the built page works from any folder.
export default defineConfig({
  base: './',
  resolve: { conditions: ['@dmdet/source', 'module', 'browser', 'development|production'] },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 4000 },
});
