import { defineProject } from 'vitest/config';
import { sourceResolve } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceResolve,
  test: { name: 'preprocess', include: ['test/**/*.test.ts'], environment: 'node' },
});
