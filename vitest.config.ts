import { defineConfig } from 'vitest/config';

/** Runs every package's tests from the root with one command: `npm test`. */
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts'],
  },
});
