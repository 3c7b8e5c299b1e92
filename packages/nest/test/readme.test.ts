/**
 * The README: its "Use" snippet runs as written (pointed at this checkout's sources, on a free
 * port, in a temp directory) and serves what it says; its tables list every option, decorator and export.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AVA, access, BOB, call, DETAIL_FORBIDDEN, DETAIL_MISSING, ETHAN, jwt } from '@tollgate/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import type { TollgateModuleRootOptions } from '../src/index.js';
import * as exported from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8');
const require = createRequire(import.meta.url);
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-nest-readme-'));
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill();
  fs.rmSync(temp, { recursive: true, force: true });
});

/** The README's "Use" snippet, its imports pointed at this checkout. */
function snippet(): string {
  const match = /^## Use\n[\s\S]*?^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (!match?.[1]) throw new Error('README.md has no ts snippet under "## Use"');
  const sources: Record<string, string> = {
    '@tollgate/core': path.join(packageDir, '../core/src/index.ts'),
    '@tollgate/nest': path.join(packageDir, 'src/index.ts'),
    '@tollgate/store-sqlite': path.join(packageDir, '../store-sqlite/src/index.ts'),
    '@nestjs/common': require.resolve('@nestjs/common'),
    '@nestjs/core': require.resolve('@nestjs/core'),
  };
  let code = match[1];
  for (const [name, file] of Object.entries(sources)) {
    const quoted = `from '${name}';`;
    if (!code.includes(quoted)) throw new Error(`the snippet no longer imports ${name}`);
    code = code.replace(quoted, `from '${pathToFileURL(file).href}';`);
  }
  return code;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts the snippet; resolves with its "listening" line once it prints it. */
async function start(file: string, port: number): Promise<string> {
  // tsx applies a tsconfig to the files it includes: the snippet and the adapter's sources use decorators.
  fs.writeFileSync(
    path.join(temp, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { experimentalDecorators: true, target: 'ES2022' },
      include: ['*.mts', path.join(packageDir, 'src')],
    }),
  );
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const proc = spawn(process.execPath, ['--conditions=dev-source', '--import', tsx, file], {
    cwd: temp,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let output = '';
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const line = /^listening on .*$/m.exec(output);
      if (line) resolve(line[0]);
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    proc.on('exit', (code) => reject(new Error(`the snippet exited (${code}): ${output}`)));
  });
}

describe('README', () => {
  it('runs the "Use" snippet as written: login, the JWT-only guarded route, its refusals', async () => {
    const file = path.join(temp, 'snippet.mts');
    fs.writeFileSync(file, snippet());
    const port = await freePort();
    expect(await start(file, port)).toBe(`listening on http://localhost:${port}`);
    const url = `http://127.0.0.1:${port}`;
    expect(fs.existsSync(path.join(temp, 'tollgate.db'))).toBe(true);

    const scans = await call(`${url}/api/v2/scans/download`, {
      headers: { authorization: `JWT ${await jwt(url, ETHAN)}` },
    });
    expect(scans.status).toBe(200);
    expect(JSON.parse(scans.text)).toEqual({ scans: [], for: ETHAN.username });

    const missing = await call(`${url}/api/v2/scans/download`);
    expect([missing.status, missing.text]).toEqual([401, DETAIL_MISSING]);
    // JWT only: the same user's access token as a Bearer credential is refused.
    const refused = await call(`${url}/api/v2/scans/download`, {
      headers: { authorization: `Bearer ${await access(url, ETHAN)}` },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('tollgate-error-code')).toBe('unsupported_scheme');
    // Ava has scans_download, Bob has not.
    const ava = await call(`${url}/api/v2/scans/download`, {
      headers: { authorization: `JWT ${await jwt(url, AVA)}` },
    });
    expect(ava.status).toBe(200);
    const bob = await call(`${url}/api/v2/scans/download`, {
      headers: { authorization: `JWT ${await jwt(url, BOB)}` },
    });
    expect([bob.status, bob.headers.get('tollgate-error-code'), bob.text]).toEqual([
      403,
      'insufficient_permission',
      DETAIL_FORBIDDEN,
    ]);
  }, 60_000);

  /** The first column of the table under `heading`. */
  function tableNames(heading: string): string[] {
    const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
    return [...section.matchAll(/^\| `([A-Za-z_]+)(?:\([^)]*\))?` \|/gm)].map((match) => match[1] ?? '');
  }

  it('lists every option of forRoot', () => {
    const options = {
      tollgate: true,
      profiles: true,
      prefix: true,
      maxBodyBytes: true,
      cookie: true,
      trustedOrigins: true,
      cors: true,
      realm: true,
      autoLogin: true,
      onUnexpectedError: true,
      logger: true,
      oauth: true,
      errorShape: true,
      global: true,
    } satisfies Record<keyof TollgateModuleRootOptions, true>;
    expect(tableNames('Options')).toEqual(Object.keys(options));
  });

  it('lists every decorator and every other export', () => {
    const decorators = tableNames('Decorators');
    expect(decorators).toEqual([
      'Public',
      'Schemes',
      'RequirePermissions',
      'RequireRoles',
      'RequireEnvironment',
      'Principal',
      'Environment',
      'Actor',
    ]);
    const documented = new Set([...decorators, ...tableNames('Providers and exports')]);
    expect(Object.keys(exported).filter((name) => !documented.has(name))).toEqual([]);
  });
});
