/**
 * The README's snippets type-check as written (strict, with the package's own types), given only
 * the names they say come from elsewhere (`tollgate`, `http`, the route's `req`, `res`, `next`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8');
// Inside the package, so the snippets resolve its dependencies as an app's code would.
const temp = fs.mkdtempSync(path.join(packageDir, 'test', '.readme-'));

afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

function snippet(heading: string): string {
  const section = readme.split(/^## /m).find((part) => part.startsWith(heading));
  const code = section && /^```ts\n([\s\S]*?)^```$/m.exec(section)?.[1];
  if (!code) throw new Error(`README.md has no ts snippet under "## ${heading}"`);
  return code;
}

function snippets(): Record<string, string> {
  return {
    use: `${snippet('Use')}\nimport type { Tollgate } from '@tollgate/core';\ndeclare const tollgate: Tollgate;\n`,
    several: [
      "import type { TollgateHttp } from '@tollgate/core/http';",
      "import { writeNodeResponse } from '@tollgate/core/node';",
      "import { renderPassportFailure } from '@tollgate/passport';",
      "import type { RequestHandler } from 'express';",
      "import passport from 'passport';",
      'declare const http: TollgateHttp;',
      'export const handler: RequestHandler = (req, res, next) => {',
      snippet('Several strategies'),
      '};',
    ].join('\n'),
    nest: `${snippet('NestJS')}\ndeclare const http: TollgateHttp;\ndeclare const TOLLGATE_HTTP: unique symbol;\n`,
  };
}

/** Type-checks every snippet in one program (each file a module of its own); diagnostics by snippet. */
function typeErrors(sources: Record<string, string> = snippets()): Record<string, string[]> {
  const files = Object.entries(sources).map(([name, code]) => {
    const file = path.join(temp, `${name}.ts`);
    fs.writeFileSync(file, code);
    return [name, file] as const;
  });
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(packageDir, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('cannot read the package tsconfig');
  const program = ts.createProgram({
    rootNames: files.map(([, file]) => file),
    options: { ...config.options, noEmit: true },
  });
  const errors: Record<string, string[]> = {};
  for (const [name, file] of files) {
    errors[name] = ts
      .getPreEmitDiagnostics(program, program.getSourceFile(file))
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  }
  return errors;
}

describe('README snippets', () => {
  it('"Use", "Several strategies on one route" (in a route handler) and the Nest recipe type-check', () => {
    expect(typeErrors()).toEqual({ use: [], several: [], nest: [] });
  }, 60_000);

  it('without the opt-in import, req.user is not the core Principal (the package leaves Express.User alone)', () => {
    const optIn = "import '@tollgate/passport/express-user';";
    const use = snippets().use;
    if (use === undefined) throw new Error('the README has no "Use" snippet');
    expect(use).toContain(optIn);
    const errors = typeErrors({ 'use-without-opt-in': use.replace(optIn, '') })['use-without-opt-in'];
    expect(errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/Property 'username' does not exist on type 'User'/)]),
    );
  }, 60_000);
});
