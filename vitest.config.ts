import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One run over every package, so CI prints one summary. Tests resolve each
// workspace package's `src/` through the `dev-source` export condition: no build needed.
export default defineConfig({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    projects: ['packages/*/vitest.config.ts', 'examples/*/vitest.config.ts', 'scripts/vitest.config.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
    // Vitest's default is one worker less than the cores: a single worker on a 2-core machine,
    // where most of the time went to waiting (the contract suite's timeouts and token expiry, child
    // processes, PostgreSQL) while a core sat idle. At least three workers; the files were already
    // written to run side by side (random schemas, unique Redis names, port 0, time bounds with
    // room for a busy machine), as they do on any larger machine. The few with bounds of tens of
    // milliseconds run apart (store-redis: a group of their own, last).
    maxWorkers: Math.max(3, availableParallelism() - 1),
    // Each project sets testTimeout 30 s and hookTimeout 60 s (a project's own config file does not
    // inherit these): `pnpm test` runs the suite beside the builds and the typecheck, and on two
    // cores a test that takes 0.45 s alone took over 5 s, vitest's default limit, there.
  },
});
