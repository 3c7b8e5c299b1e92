/**
 * The README: its "Use" snippet runs as written (pointed at this checkout's sources, on a free
 * port, in a temp directory) and serves what it says; its tables list every option and member.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AVA, BOB, call, ETHAN, postJson } from '@tollgate/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import type { TollgateExpress, TollgateExpressOptions } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = fs.readFileSync(path.join(packageDir, 'README.md'), 'utf8');
const require = createRequire(import.meta.url);
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-express-readme-'));
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
    '@tollgate/express': path.join(packageDir, 'src/index.ts'),
    '@tollgate/store-sqlite': path.join(packageDir, '../store-sqlite/src/index.ts'),
    express: require.resolve('express'),
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

/** Starts the snippet; resolves with its base URL once it prints its "listening" line. */
async function start(file: string, port: number): Promise<string> {
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
      if (output.includes('\n')) resolve(output.trim());
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    proc.on('exit', (code) => reject(new Error(`the snippet exited (${code}): ${output}`)));
  });
}

describe('README', () => {
  it('runs the "Use" snippet as written: login, the JWT-only route, its refusals', async () => {
    const file = path.join(temp, 'snippet.mts');
    fs.writeFileSync(file, snippet());
    const port = await freePort();
    expect(await start(file, port)).toBe(`listening on http://localhost:${port}`);
    const url = `http://127.0.0.1:${port}`;
    expect(fs.existsSync(path.join(temp, 'tollgate.db'))).toBe(true);

    const login = await postJson(`${url}/api/v2/auth/jwt/`, {
      email: ETHAN.username,
      password: ETHAN.password,
    });
    expect(login.status).toBe(200);
    const { token } = login.body as { token: string };
    const scans = await call(`${url}/api/v2/scans/download`, { headers: { authorization: `JWT ${token}` } });
    expect(scans.status).toBe(200);
    expect(scans.body).toEqual({ scans: [], for: ETHAN.username });

    expect(await call(`${url}/api/v2/scans/download`)).toMatchObject({
      status: 401,
      body: { detail: 'Authentication credentials were not provided.' },
    });
    // JWT only: the same user's access token as a Bearer credential is refused.
    const pair = await postJson(`${url}/api/v2/auth/token`, ETHAN);
    const bearer = (pair.body as { content: [{ token: string }] }).content[0].token;
    const refused = await call(`${url}/api/v2/scans/download`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('tollgate-error-code')).toBe('unsupported_scheme');
    // Ava has scans_download, Bob has not.
    const ava = await postJson(`${url}/api/v2/auth/jwt/`, { email: AVA.username, password: AVA.password });
    const avaToken = (ava.body as { token: string }).token;
    const other = await postJson(`${url}/api/v2/auth/jwt/`, { email: BOB.username, password: BOB.password });
    const bobToken = (other.body as { token: string }).token;
    expect(
      (await call(`${url}/api/v2/scans/download`, { headers: { authorization: `JWT ${avaToken}` } })).status,
    ).toBe(200);
    expect(
      await call(`${url}/api/v2/scans/download`, { headers: { authorization: `JWT ${bobToken}` } }),
    ).toMatchObject({ status: 403, body: { detail: 'You do not have permission to perform this action.' } });
  }, 60_000);

  /** The first column of the table under `heading`. */
  function tableNames(heading: string): string[] {
    const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
    return [...section.matchAll(/^\| `([A-Za-z]+)(?:\([^)]*\))?` \|/gm)].map((match) => match[1] ?? '');
  }

  it('lists every option of TollgateExpressOptions', () => {
    const options = {
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
    } satisfies Record<keyof TollgateExpressOptions, true>;
    expect(tableNames('Options')).toEqual(Object.keys(options));
  });

  it('lists every member of TollgateExpress', () => {
    const members = {
      router: true,
      authenticate: true,
      requirePermissions: true,
      requireRoles: true,
      requireEnvironment: true,
      errorHandler: true,
      json: true,
      methodNotAllowed: true,
      http: true,
    } satisfies Record<keyof TollgateExpress, true>;
    expect(tableNames('Middleware')).toEqual(Object.keys(members));
  });
});
