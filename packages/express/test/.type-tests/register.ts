/**
 * Type-level test: an Express app types `req.principal.data` by declaration merging of
 * `TollgateRegister` in `@tollgate/core`, as the README shows. An augmentation is global to its
 * program, so this file lives in a dot folder the package's tsconfig does not pick up;
 * types.test.ts compiles it in a program of its own and expects no diagnostics (the
 * `@ts-expect-error` lines fail the check if the augmentation stopped taking effect).
 */
import type { Principal } from '@tollgate/core';
import express from 'express';
import { expectTypeOf } from 'vitest';
import type { TollgateExpress } from '../../src/index.js';

declare module '@tollgate/core' {
  interface TollgateRegister {
    principalData: { readonly plan: 'free' | 'pro' };
  }
}

export function mount(tg: TollgateExpress): express.Express {
  const app = express();
  app.get('/plan', tg.authenticate(), (req, res) => {
    expectTypeOf(req.principal).toEqualTypeOf<Principal | null | undefined>();
    expectTypeOf(req.principal?.data).toEqualTypeOf<{ readonly plan: 'free' | 'pro' } | undefined>();
    // @ts-expect-error: the principal may be absent (optional routes, no authenticate() in front).
    req.principal.username;
    // @ts-expect-error: not a field of the registered data.
    req.principal?.data?.seats;
    res.json({ plan: req.principal?.data?.plan ?? 'free' });
  });
  return app;
}
