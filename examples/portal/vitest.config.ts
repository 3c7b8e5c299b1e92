import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'example-portal',
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // Far above what the tests need (a few seconds), for a busy 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
