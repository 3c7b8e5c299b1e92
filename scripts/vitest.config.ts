import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'scripts',
    // Room for two busy cores (see the root vitest.config.ts).
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
  },
});
