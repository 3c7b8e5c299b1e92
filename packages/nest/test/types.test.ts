/**
 * Types: `Principal` (decorator and type in one name) is the core's `Principal`, never any;
 * `principalOf` returns it; the options are the core's `HttpHandlerOptions` plus `tollgate` and
 * `errorShape`; an app's `TollgateRegister` augmentation reaches `@Principal()` parameters
 * (compiled as a separate program: an augmentation is global to its program).
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

function parsedConfig(): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    packageTsconfig,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!parsed) throw new Error('cannot read the package tsconfig');
  return parsed;
}

/** Type-checks `file` (and what it imports) in a program of its own; returns the diagnostics. */
function typeErrors(file: string): string[] {
  const program = ts.createProgram({
    rootNames: [file],
    options: { ...parsedConfig().options, noEmit: true },
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file
      ? `${diagnostic.file.fileName}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}: `
      : '';
    return where + ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  });
}

describe('declaration merging of TollgateRegister', () => {
  it("types @Principal() parameters' data with the app's registered type", () => {
    const fixture = fileURLToPath(new URL('./.type-tests/register.ts', import.meta.url));
    expect(parsedConfig().fileNames.some((file) => file.includes('/.type-tests/'))).toBe(false);
    expect(typeErrors(fixture)).toEqual([]);
  }, 60_000);
});
