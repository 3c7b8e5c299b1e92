import { fileURLToPath } from 'node:url';
import { defineStartupBanner } from '@tollgate/contract-tests';
import { describe } from 'vitest';

describe('express: start-up', () => {
  defineStartupBanner(fileURLToPath(new URL('..', import.meta.url)), { development: true });
});
