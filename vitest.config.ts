import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Runs every package's tests from the root with one command: `npm test`. Test files run two at a
 * time at least: Vitest's default (one fewer than the cores) runs them one by one on a 2-core
 * machine, where most tests use one core (tfjs `cpu`); two at a time took the suite from 877 s to
 * 511 s there (`time npx vitest run --maxWorkers=2`, 2026-12-07).
 */
export default defineConfig({
  test: {
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts'],
  },
});
