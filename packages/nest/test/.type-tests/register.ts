/**
 * Type-level test: a Nest app types `@Principal() principal: Principal` — `principal.data` included —
 * by declaration merging of `TollgateRegister` in `@tollgate/core`, as the README shows. An
 * augmentation is global to its program, so this file lives in a dot folder the package's tsconfig
 * does not pick up; types.test.ts compiles it in a program of its own and expects no diagnostics
 * (the `@ts-expect-error` lines fail the check if the augmentation stopped taking effect).
 */
import { Controller, Get, UseGuards } from '@nestjs/common';
import { expectTypeOf } from 'vitest';
import { Actor, Environment, Principal, TollgateGuard } from '../../src/index.js';

declare module '@tollgate/core' {
  interface TollgateRegister {
    principalData: { readonly plan: 'free' | 'pro' };
  }
}

@Controller('plan')
@UseGuards(TollgateGuard)
export class PlanController {
  @Get()
  plan(
    @Principal() principal: Principal,
    @Environment() environment: string | null,
    @Actor() actor: Actor | null,
  ): { plan: 'free' | 'pro'; environment: string | null; actor: string | null } {
    expectTypeOf(principal.data).toEqualTypeOf<{ readonly plan: 'free' | 'pro' } | undefined>();
    expectTypeOf(principal.username).toEqualTypeOf<string>();
    // @ts-expect-error: not a field of the registered data.
    principal.data?.seats;
    // @ts-expect-error: the principal is the core's, not any.
    principal.nope;
    return { plan: principal.data?.plan ?? 'free', environment, actor: actor?.username ?? null };
  }
}
