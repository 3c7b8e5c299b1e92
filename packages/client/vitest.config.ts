import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  ssr: { resolve: { conditions: ['dev-source'] } },
  test: {
    name: 'client',
    include: ['test/**/*.test.ts'],
    // Real servers, real waits across token expiry: a few seconds per file, files in parallel.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
