import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One run over every package, so CI prints one summary. Tests resolve each
// workspace package's `src/` through the `dev-source` export condition: no build needed.
export default defineConfig({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
    // Vitest's default is one worker less than the cores: a single worker on a 2-core machine,
    // where most files spend their time waiting on child processes, PostgreSQL or Redis and the
    // second core sat idle. At least two workers; the files were already written to run side by
    // side (random schemas, unique Redis names, port 0), as they do on any larger machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
