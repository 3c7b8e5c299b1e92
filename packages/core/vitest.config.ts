import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'core',
    // Room for two busy cores (see the root vitest.config.ts).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
    // --expose-gc: the login limiter's memory test measures retained heap.
    execArgv: ['--expose-gc'],
    // The core's test files share a worker and its loaded modules (41 files: a fresh process and
    // module graph each cost more than most of them take to run). Safe here: the core keeps no
    // module state (constants and a memo of compiled routes), and its tests mock no module, stub no
    // global and leave no environment change; they pass in any order in one worker.
    isolate: false,
  },
});
