import { defineProject } from 'vitest/config';
import { sourceResolve } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceResolve,
  test: { name: 'volume-io', include: ['test/**/*.test.ts'], environment: 'node' },
});
