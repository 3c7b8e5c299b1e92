/**
 * Types: `req.principal` is the core's `Principal` (never any), the options are the core's
 * `HttpHandlerOptions` plus `errorShape`, and an app's `TollgateRegister` augmentation reaches
 * `req.principal.data` (compiled as a separate program: an augmentation is global to its program).
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
  it("types req.principal.data with the app's registered type", () => {
    const fixture = fileURLToPath(new URL('./.type-tests/register.ts', import.meta.url));
    expect(parsedConfig().fileNames.some((file) => file.includes('/.type-tests/'))).toBe(false);
    expect(typeErrors(fixture)).toEqual([]);
  }, 60_000);
});
