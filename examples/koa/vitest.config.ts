import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'example-koa',
    include: ['test/**/*.test.ts'],
    // Room for two busy cores (see the root vitest.config.ts).
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
