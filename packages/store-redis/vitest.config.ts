import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'store-redis',
    // Room for two busy cores (see the root vitest.config.ts).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
    // Bounds in tens of milliseconds (a 20 ms heartbeat, a revocation heard within 100 ms): these
    // files run last, one at a time, with no other test file beside them (a few seconds in all).
    sequence: { groupOrder: 1 },
    maxWorkers: 1,
  },
});
