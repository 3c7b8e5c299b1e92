/**
 * Types: `ctx.state.principal` is the core's `Principal` (never any) through the augmentation of
 * Koa's `DefaultState`, the options are the core's `HttpHandlerOptions` plus `errorShape`, the
 * members are Koa middleware that @koa/router takes, and an app's `TollgateRegister` augmentation
 * reaches `ctx.state.principal.data` (type-checked as a separate program: an augmentation is
 * global to its program).
 */
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Principal } from '@tollgate/core';
import type { ErrorShape, HttpHandlerOptions, HttpResponse } from '@tollgate/core/http';
import type Koa from 'koa';
import type { DefaultState, Middleware, ParameterizedContext } from 'koa';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { GuardRule, TollgateKoa, TollgateKoaOptions, writeKoaResponse } from '../src/index.js';

describe('types', () => {
  it('types ctx.state.principal as Principal | null | undefined, not any', () => {
    expectTypeOf<DefaultState['principal']>().toEqualTypeOf<Principal | null | undefined>();
    expectTypeOf<ParameterizedContext['state']['principal']>().toEqualTypeOf<Principal | null | undefined>();
    expectTypeOf<ParameterizedContext['state']['principal']>().not.toBeAny();
    const middleware: Middleware = (ctx) => {
      expectTypeOf(ctx.state.principal).toEqualTypeOf<Principal | null | undefined>();
      expectTypeOf(ctx.state.principal?.permissions).toEqualTypeOf<readonly string[] | undefined>();
    };
    expect(middleware).toBeTypeOf('function');
    // No augmentation in this package's own program: the app data is unknown.
    expectTypeOf<Principal['data']>().toBeUnknown();
  });

  it('types ctx.state.principal in @koa/router handlers too', () => {
    const router = new Router();
    router.get('/me', (ctx) => {
      expectTypeOf(ctx.state.principal).toEqualTypeOf<Principal | null | undefined>();
      expectTypeOf(ctx.state.principal).not.toBeAny();
    });
    expect(router.stack).toHaveLength(1);
  });

  it('takes the core handler options, errorShape among them', () => {
    expectTypeOf<TollgateKoaOptions>().toEqualTypeOf<HttpHandlerOptions>();
    expectTypeOf<TollgateKoaOptions['errorShape']>().toEqualTypeOf<ErrorShape | undefined>();
  });

  it('returns Koa middleware that Koa and @koa/router take', () => {
    expectTypeOf<ReturnType<TollgateKoa['router']>>().toEqualTypeOf<Middleware>();
    expectTypeOf<TollgateKoa['authenticate']>().parameters.toEqualTypeOf<[rule?: GuardRule]>();
    expectTypeOf<ReturnType<TollgateKoa['errorHandler']>>().toEqualTypeOf<Middleware>();
    expectTypeOf<ReturnType<TollgateKoa['requirePermissions']>>().toEqualTypeOf<Middleware>();
    expectTypeOf<ReturnType<TollgateKoa['json']>>().toEqualTypeOf<Middleware>();
    expectTypeOf<Middleware>().toExtend<Parameters<Koa['use']>[0]>();
    expectTypeOf<Middleware>().toExtend<Parameters<Router['get']>[1]>();
    expectTypeOf<typeof writeKoaResponse>().parameters.toEqualTypeOf<[ParameterizedContext, HttpResponse]>();
  });
});

const packageTsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
const fixtureTsconfig = fileURLToPath(new URL('./.type-tests/tsconfig.json', import.meta.url));
const fixture = fileURLToPath(new URL('./.type-tests/register.ts', import.meta.url));

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

// The fixture is type-checked as a program of its own (test/.type-tests/tsconfig.json) by the
// workspace typecheck (`pnpm typecheck`: scripts/typecheck.mjs, a step of `pnpm test`), which fails
// on any diagnostic: an augmentation that stopped taking effect leaves its `@ts-expect-error` lines
// unused. Here: that program exists, holds the fixture, and stays apart from the package's own.
describe('declaration merging of TollgateRegister', () => {
  it("the fixture is a program of its own, apart from the package's", () => {
    expect(parsedConfig(packageTsconfig).fileNames.some((file) => file.includes('/.type-tests/'))).toBe(
      false,
    );
    expect(parsedConfig(fixtureTsconfig).fileNames).toEqual([fixture]);
  });
});
