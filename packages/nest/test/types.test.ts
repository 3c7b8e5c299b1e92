/**
 * Types: `Principal` (decorator and type in one name) is the core's `Principal`, never any;
 * `principalOf` returns it; the options are the core's `HttpHandlerOptions` plus `tollgate` and
 * `errorShape`; an app's `TollgateRegister` augmentation reaches `@Principal()` parameters
 * (type-checked as a separate program: an augmentation is global to its program).
 */
import { fileURLToPath } from 'node:url';
import type {
  Actor as CoreActor,
  Principal as CorePrincipal,
  Tollgate,
  TollgateOptions,
} from '@tollgate/core';
import type { ErrorShape, HttpHandlerOptions } from '@tollgate/core/http';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  Actor,
  Principal,
  principalOf,
  TollgateModuleAsyncOptions,
  TollgateModuleOptions,
  TollgateModuleRootOptions,
} from '../src/index.js';

describe('types', () => {
  it('Principal is the core Principal, not any; principalOf returns it', () => {
    expectTypeOf<Principal>().toEqualTypeOf<CorePrincipal>();
    expectTypeOf<Principal>().not.toBeAny();
    expectTypeOf<ReturnType<typeof principalOf>>().toEqualTypeOf<CorePrincipal>();
    expectTypeOf<Actor>().toEqualTypeOf<CoreActor>();
    // No augmentation in this package's own program: the app data is unknown.
    expectTypeOf<Principal['data']>().toBeUnknown();
  });

  it('takes the core handler options plus tollgate and errorShape; forRoot adds global', () => {
    expectTypeOf<TollgateModuleOptions>().toExtend<HttpHandlerOptions>();
    expectTypeOf<
      Exclude<keyof TollgateModuleOptions, keyof HttpHandlerOptions>
    >().toEqualTypeOf<'tollgate'>();
    expectTypeOf<TollgateModuleOptions['tollgate']>().toEqualTypeOf<Tollgate | TollgateOptions>();
    expectTypeOf<TollgateModuleOptions['errorShape']>().toEqualTypeOf<ErrorShape | undefined>();
    expectTypeOf<TollgateModuleRootOptions['global']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<TollgateModuleAsyncOptions>().toHaveProperty('useFactory');
    expectTypeOf<TollgateModuleAsyncOptions>().toHaveProperty('inject');
    expectTypeOf<TollgateModuleAsyncOptions>().toHaveProperty('imports');
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
