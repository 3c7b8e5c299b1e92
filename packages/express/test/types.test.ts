/**
 * Types: `req.principal` is the core's `Principal` (never any), the options are the core's
 * `HttpHandlerOptions` plus `errorShape`, and an app's `TollgateRegister` augmentation reaches
 * `req.principal.data` (type-checked as a separate program: an augmentation is global to its program).
 */
import { fileURLToPath } from 'node:url';
import type { Principal } from '@tollgate/core';
import type { ErrorShape, HttpHandlerOptions } from '@tollgate/core/http';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { GuardRule, TollgateExpress, TollgateExpressOptions } from '../src/index.js';

describe('types', () => {
  it('types req.principal as Principal | null | undefined, not any', () => {
    expectTypeOf<Request['principal']>().toEqualTypeOf<Principal | null | undefined>();
    expectTypeOf<Request['principal']>().not.toBeAny();
    // No augmentation in this package's own program: the app data is unknown.
    expectTypeOf<Principal['data']>().toBeUnknown();
  });

  it('takes the core handler options, errorShape among them', () => {
    expectTypeOf<TollgateExpressOptions>().toEqualTypeOf<HttpHandlerOptions>();
    expectTypeOf<TollgateExpressOptions['errorShape']>().toEqualTypeOf<ErrorShape | undefined>();
  });

  it('returns Express middleware', () => {
    expectTypeOf<ReturnType<TollgateExpress['router']>>().toEqualTypeOf<RequestHandler>();
    expectTypeOf<TollgateExpress['authenticate']>().parameters.toEqualTypeOf<[rule?: GuardRule]>();
    expectTypeOf<ReturnType<TollgateExpress['errorHandler']>>().toEqualTypeOf<ErrorRequestHandler>();
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
