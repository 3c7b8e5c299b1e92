import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'store-sqlite',
    // Room for two busy cores (see the root vitest.config.ts).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
    // Files share a worker and its loaded modules (isolate: false): a fresh process and module graph
    // per file cost more than most of these files take. They close what they open (servers,
    // children, databases), mock no module and assert nothing on process-wide state; in one worker,
    // in shuffled orders, they pass alike.
    isolate: false,
  },
});
