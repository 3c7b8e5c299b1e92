import { defineConfig } from 'vitest/config';

// One run over every package, so CI prints one summary. Tests resolve each
// workspace package's `src/` through the `dev-source` export condition: no build needed.
export default defineConfig({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
