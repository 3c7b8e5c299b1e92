import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  // --expose-gc: the login limiter's memory test measures retained heap.
  test: { name: 'core', include: ['test/**/*.test.ts'], execArgv: ['--expose-gc'] },
});
