/**
 * Type-level test: an app types `principal.data` by declaration merging of `TollgateRegister`.
 *
 * An augmentation is global to the TypeScript program that contains it, so this file lives in a dot
 * folder that the core's tsconfig (`include: ["src", "test"]`) does not pick up: in the core's own
 * program `PrincipalData` stays `unknown` (asserted by principal-types.test.ts). principal-types.test.ts
 * compiles this file in a program of its own and expects no diagnostics; the `@ts-expect-error` lines
 * make the check fail if the augmentation stopped taking effect.
 */
import { expectTypeOf } from 'vitest';
import type { Principal, PrincipalData, Tollgate, TollgateOptions, UserRecord } from '../../src/index.js';

interface AppData {
  readonly plan: 'free' | 'pro';
  readonly seats: number;
}

declare module '../../src/types.js' {
  interface TollgateRegister {
    principalData: AppData;
  }
}

expectTypeOf<PrincipalData>().toEqualTypeOf<AppData>();
expectTypeOf<Principal['data']>().toEqualTypeOf<AppData | undefined>();
expectTypeOf<Principal['data']>().not.toBeAny();
expectTypeOf<Principal['data']>().not.toBeUnknown();

// What `authenticate` resolves to carries the app's data type.
expectTypeOf<Awaited<ReturnType<Tollgate['requirePrincipal']>>['data']>().toEqualTypeOf<
  AppData | undefined
>();

export function planOf(principal: Principal): 'free' | 'pro' {
  expectTypeOf(principal.data).toEqualTypeOf<AppData | undefined>();
  // @ts-expect-error: data may be undefined (no `principalData` option), so it must be narrowed first.
  principal.data.plan;
  // @ts-expect-error: not a field of the registered data.
  principal.data?.organisation;
  return principal.data?.plan ?? 'free';
}

// The `principalData` option must compute exactly the registered type.
expectTypeOf<NonNullable<TollgateOptions['principalData']>>().parameter(0).toEqualTypeOf<UserRecord>();
expectTypeOf<NonNullable<TollgateOptions['principalData']>>().returns.toEqualTypeOf<AppData>();

export const good: Pick<TollgateOptions, 'principalData'> = {
  principalData: (user) => ({ plan: user.roles.includes('company_admin') ? 'pro' : 'free', seats: 1 }),
};

export const wrongPlan: Pick<TollgateOptions, 'principalData'> = {
  // @ts-expect-error: 'enterprise' is not a plan of the registered data.
  principalData: () => ({ plan: 'enterprise', seats: 1 }),
};

export const missingField: Pick<TollgateOptions, 'principalData'> = {
  // @ts-expect-error: `seats` is required by the registered data.
  principalData: () => ({ plan: 'pro' }),
};
