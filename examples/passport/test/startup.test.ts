import { fileURLToPath } from 'node:url';
import { defineStartupBanner } from '@tollgate/contract-tests';
import { describe } from 'vitest';

describe('passport: start-up', () => {
  defineStartupBanner(fileURLToPath(new URL('..', import.meta.url)));
});
