/**
 * Type-level test: a Koa app types `ctx.state.principal.data` by declaration merging of
 * `TollgateRegister` in `@tollgate/core`, as the README shows. An augmentation is global to its
 * program, so this file lives in a dot folder the package's tsconfig does not pick up;
 * types.test.ts compiles it in a program of its own and expects no diagnostics (the
 * `@ts-expect-error` lines fail the check if the augmentation stopped taking effect).
 */
import Router from '@koa/router';
import type { Principal } from '@tollgate/core';
import { expectTypeOf } from 'vitest';
import type { TollgateKoa } from '../../src/index.js';

declare module '@tollgate/core' {
  interface TollgateRegister {
    principalData: { readonly plan: 'free' | 'pro' };
  }
}

export function mount(tg: TollgateKoa): Router {
  const router = new Router();
  router.get('/plan', tg.authenticate(), (ctx) => {
    expectTypeOf(ctx.state.principal).toEqualTypeOf<Principal | null | undefined>();
    expectTypeOf(ctx.state.principal?.data).toEqualTypeOf<{ readonly plan: 'free' | 'pro' } | undefined>();
    // @ts-expect-error: the principal may be absent (optional routes, no authenticate() in front).
    ctx.state.principal.username;
    // @ts-expect-error: not a field of the registered data.
    ctx.state.principal?.data?.seats;
    ctx.body = { plan: ctx.state.principal?.data?.plan ?? 'free' };
  });
  return router;
}
