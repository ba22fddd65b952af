import { defaultClientConditions, defaultServerConditions } from 'vite';

/**
 * Resolve conditions for tests: sibling @dmdet packages are imported from `src/` through the
 * custom `@dmdet/source` export condition, so tests need no build. Vite >= 6 replaces its
 * default conditions when `conditions` is set, so the defaults are spread back in.
 */
export const sourceResolve = {
  resolve: { conditions: ['@dmdet/source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['@dmdet/source', ...defaultServerConditions] } },
};
