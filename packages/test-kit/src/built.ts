/**
 * `whenBuilt()`: for the few tests of what is published (a package's `dist`). `pnpm test` runs the
 * suite beside the builds (scripts/test.mjs) and names a status file in TOLLGATE_TEST_BUILD_STATUS:
 * empty while the builds run, then `ok` or `failed`. Without it (a plain `vitest run`), the builds
 * are taken to be done already, and the test says so if its `dist` is missing.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export async function whenBuilt(): Promise<void> {
  const file = process.env.TOLLGATE_TEST_BUILD_STATUS;
  if (!file) return;
  for (;;) {
    const status = readFileSync(file, 'utf8').trim();
    if (status === 'ok') return;
    if (status === 'failed')
      throw new Error('the packages did not build: see the build output of `pnpm test`');
    await delay(100); // the builds take tens of seconds; a file poll is the simplest way to hear them end
  }
}

/** How long a `beforeAll` waiting for the builds may take: they take about a minute on 2 busy cores. */
export const BUILD_WAIT_MS = 600_000;
