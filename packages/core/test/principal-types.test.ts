/**
 * Principal typing: no field is `any`; `PrincipalData` is `unknown` until the app registers its own
 * type by declaration merging of `TollgateRegister` (checked in a separate program, see
 * .type-tests/principal-register.ts); the `principalData` option fills `principal.data` at runtime.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  Actor,
  CredentialSource,
  Principal,
  PrincipalData,
  TokenKind,
  TollgateOptions,
  TollgateRegister,
  UserKind,
  UserRecord,
} from './helpers/internals.js';
import {
  ACCOUNTS,
  buildDemo,
  buildMutableDemo,
  DAY,
  ORG,
  secondInstance,
} from './helpers/operation-rules.js';

const { ethan, ava, root } = ACCOUNTS;

// ---- type level, in the core's own program (no augmentation there) ------------------------------

type AnyFields<T> = { [K in keyof T]-?: 0 extends 1 & T[K] ? K : never }[keyof T];

describe('Principal types', () => {
  it('types every field, none of them any', () => {
    expectTypeOf<AnyFields<Principal>>().toBeNever();
    expectTypeOf<Principal['userId']>().toEqualTypeOf<string>();
    expectTypeOf<Principal['username']>().toEqualTypeOf<string>();
    expectTypeOf<Principal['email']>().toEqualTypeOf<string>();
    expectTypeOf<Principal['kind']>().toEqualTypeOf<UserKind>();
    expectTypeOf<Principal['kind']>().toEqualTypeOf<'customer' | 'administrator'>();
    expectTypeOf<Principal['customerId']>().toEqualTypeOf<string>();
    expectTypeOf<Principal['domain']>().toEqualTypeOf<string>();
    expectTypeOf<Principal['roles']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<Principal['permissions']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<Principal['environment']>().toEqualTypeOf<string | null>();
    expectTypeOf<Principal['source']>().toEqualTypeOf<CredentialSource>();
    expectTypeOf<Principal['tokenKind']>().toEqualTypeOf<TokenKind>();
    expectTypeOf<Principal['tokenId']>().toEqualTypeOf<string>();
    expectTypeOf<Principal['actor']>().toEqualTypeOf<Actor | null>();
    expectTypeOf<Actor>().toEqualTypeOf<{ readonly userId: string; readonly username: string }>();
    expectTypeOf<Principal['customData']>().toEqualTypeOf<string | null>();
    expectTypeOf<Principal['expiresAt']>().toEqualTypeOf<number>();
    expectTypeOf<Principal['data']>().not.toBeAny();
  });

  it('defaults PrincipalData to unknown when the app registers nothing', () => {
    expectTypeOf<TollgateRegister>().toEqualTypeOf<{}>();
    expectTypeOf<PrincipalData>().toBeUnknown();
    expectTypeOf<PrincipalData>().not.toBeAny();
    expectTypeOf<Principal['data']>().toBeUnknown();
    expectTypeOf<NonNullable<TollgateOptions['principalData']>>().toEqualTypeOf<
      (user: UserRecord) => unknown
    >();
  });

  it('is immutable: its fields are readonly', () => {
    const assign = (principal: Principal) => {
      // @ts-expect-error: Principal fields are readonly.
      principal.userId = 'x';
      // @ts-expect-error: roles are a readonly array.
      principal.roles.push('x');
    };
    expect(assign).toBeTypeOf('function');
  });
});

// ---- type level, as separate programs (an augmentation is global to its program) ----------------

const coreTsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));

function parsedConfig(file: string): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    file,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${file}`);
  return parsed;
}

// Both programs are type-checked by the workspace typecheck (`pnpm typecheck`: scripts/typecheck.mjs,
// a step of `pnpm test`), which fails on any diagnostic: the fixture's program
// (test/.type-tests/tsconfig.json), where an augmentation that stopped taking effect leaves its
// `@ts-expect-error` lines unused, and the core's own, where this file's type-level assertions
// (PrincipalData is unknown, no field is any) hold. Here: the two programs are apart.
describe('declaration merging of TollgateRegister', () => {
  const registerFixture = fileURLToPath(new URL('./.type-tests/principal-register.ts', import.meta.url));
  const fixtureTsconfig = fileURLToPath(new URL('./.type-tests/tsconfig.json', import.meta.url));

  it('types principal.data (and the principalData option) with the registered type: its own program', () => {
    expect(parsedConfig(fixtureTsconfig).fileNames).toEqual([registerFixture]);
  });

  it('stays out of the core’s own program, where PrincipalData remains unknown', () => {
    const files = parsedConfig(coreTsconfig).fileNames;
    expect(files.some((f) => f.endsWith('/test/principal-types.test.ts'))).toBe(true);
    expect(files.some((f) => f.includes('/.type-tests/'))).toBe(false);
  });
});

// ---- runtime: the principalData option ------------------------------------------------------------

interface AppData {
  readonly plan: 'free' | 'pro';
  readonly organisation: string;
}

const principalData = (user: UserRecord): AppData => ({
  plan: user.roles.includes('company_admin') ? 'pro' : 'free',
  organisation: user.customerId,
});

describe('the principalData option', () => {
  it('fills principal.data for every kind of token', async () => {
    const demo = await buildDemo({ options: { principalData } });
    const { tg, clock } = demo;
    const expected: AppData = { plan: 'pro', organisation: ORG.datastore };

    const jwt = await tg.accessTokens.login({ username: ethan.username, password: ethan.password });
    const jwtPrincipal = await tg.requirePrincipal({ authorization: `JWT ${jwt.token}` });
    expect(jwtPrincipal.data).toEqual(expected);

    const pair = await tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    expect((await tg.requirePrincipal({ authorization: `Bearer ${pair.token}` })).data).toEqual(expected);

    const userToken = await tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
      environment: 'staging',
    });
    expect((await tg.requirePrincipal({ authorization: `Bearer ${userToken.token}` })).data).toEqual(
      expected,
    );

    const admin = await tg.tokenPair.login({ username: root.username, password: root.password });
    const delegated = await tg.delegatedLogin.issue({
      adminToken: admin.token,
      domain: 'datastore',
      userIdentity: ava.username,
    });
    expect((await tg.requirePrincipal({ cookie: `tollgate_session=${delegated.token}` })).data).toEqual({
      plan: 'free',
      organisation: ORG.datastore,
    });

    const uat = await tg.uats.create({
      caller: jwtPrincipal,
      name: 'ci',
      expiresAt: new Date(clock.now() + DAY),
      permissions: ['brand_create'],
    });
    expect((await tg.requirePrincipal({ authorization: `UAT ${uat.token}` })).data).toEqual(expected);
  });

  it('computes a UAT principal’s data from the user’s current record', async () => {
    const demo = await buildMutableDemo({ options: { principalData } });
    const caller = await demo.tg.requirePrincipal({
      authorization: `JWT ${(await demo.tg.accessTokens.login({ username: ethan.username, password: ethan.password })).token}`,
    });
    const uat = await demo.tg.uats.create({
      caller,
      name: 'ci',
      expiresAt: new Date(demo.clock.now() + DAY),
      permissions: ['brand_create'],
    });
    demo.users.update(ethan.id, { roles: [] });
    const other = secondInstance(demo, { principalData });
    expect((await other.requirePrincipal({ authorization: `UAT ${uat.token}` })).data).toEqual({
      plan: 'free',
      organisation: ORG.datastore,
    });
  });

  it('leaves principal.data undefined without the option', async () => {
    const { tg } = await buildDemo();
    const jwt = await tg.accessTokens.login({ username: ethan.username, password: ethan.password });
    expect((await tg.requirePrincipal({ authorization: `JWT ${jwt.token}` })).data).toBeUndefined();
  });
});
