import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreatedUat, createTollgateClient, type Me } from '../src/index.js';
import { cli, expectNoTokens, removeTempDirs, tempDir } from './cli-harness.js';
import { AVA, ETHAN, startTestServer, type TestServer } from './helpers.js';

// The `tollgate` CLI against the real example server. Each command runs in-process through `main`
// (what the bin runs) with its own argv, env and standard streams; one test runs the bin itself.

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  removeTempDirs();
});

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe.concurrent('tollgate CLI', () => {
  it('login (jwt) → whoami → uat create / list / revoke', async () => {
    const { run, sessionFile, configDir } = cli({ TOLLGATE_PASSWORD: ETHAN.password });
    const login = await run(['login', '--url', server.url, '--scheme', 'jwt', '--username', ETHAN.username]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`Signed in to ${server.url} as ${ETHAN.username} with a JWT login`);
    expect(statSync(sessionFile).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(sessionFile, 'utf8'))).toMatchObject({
      url: server.url,
      session: { scheme: 'jwt' },
    });

    const whoami = await run(['whoami']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toContain(ETHAN.username);
    expect(whoami.stdout).toMatch(/signed in by\s+JWT login \(scheme D\) \(sent as JWT\)/);
    expect(whoami.stdout).toMatch(/roles\s+company_admin/);
    const whoamiJson = await run(['whoami', '--json']);
    expect(JSON.parse(whoamiJson.stdout)).toMatchObject({
      email: ETHAN.username,
      authenticatedBy: 'JWT',
      scheme: 'jwt',
    });

    const expires = inDays(30);
    const create = await run([
      'uat',
      'create',
      '--name',
      'cli token',
      '--expires',
      expires,
      '--permission',
      'scans_download',
      '--permission',
      'brand_create',
    ]);
    expect(create.code, create.stderr).toBe(0);
    expect(create.stdout).toMatch(/^Created UAT \S+ "cli token"$/m);
    expect(create.stdout).toContain(`expires      ${expires}T23:59:59.000Z`);
    const token = create.stdout.trim().split('\n').at(-1)!;
    expect(token).toMatch(/^tgu_[A-Za-z0-9]+$/);
    const id = /^Created UAT (\S+)/m.exec(create.stdout)![1]!;

    // The printed value works as a UAT.
    const client = createTollgateClient({ baseUrl: server.url });
    const uat = await client.uatJwt.useUat(token);
    const me = await uat.json<Me>('/api/v2/me/');
    expect(me.authenticatedBy).toBe('UAT');
    expect([...me.permissions].sort()).toEqual(['brand_create', 'scans_download']);

    const list = await run(['uat', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+PREFIX\s+EXPIRES\s+STATUS\s+PERMISSIONS$/m);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+cli token\\s+tgu_\\S*\\s+\\S+\\s+active\\s+`, 'm'));
    expect(list.stdout).not.toContain(token);

    const revoke = await run(['uat', 'revoke', id]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toContain(`Revoked UAT ${id}.`);
    const listed = JSON.parse((await run(['uat', 'list', '--json'])).stdout) as CreatedUat[];
    expect(listed.find((item) => item.id === id)).toMatchObject({ revoked_at: expect.any(String) });
    const again = await run(['uat', 'revoke', id]);
    expect(again.code).toBe(0); // revoking twice is not an error for the API
    const unknown = await run(['uat', 'revoke', '00000000-0000-4000-8000-00000000beef']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: .*\[not_found, HTTP 404\]$/m);

    const bad = await run([
      'uat',
      'create',
      '--name',
      'x',
      '--expires',
      expires,
      '--permission',
      'launch_rockets',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid_permission');
    expectNoTokens(login, whoami, whoamiJson, list, revoke, unknown, bad);
    expect(login.stdout + whoami.stdout + list.stdout).not.toContain(token);
  });

  it('login (user) → env list → env use → whoami; a disallowed environment is refused', async () => {
    const { run } = cli({ TOLLGATE_PASSWORD: ETHAN.password, TOLLGATE_USERNAME: ETHAN.username });
    const login = await run(['login', '--url', server.url, '--scheme', 'user']);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(
      "No environment yet: run 'tollgate env list', then 'tollgate env use <id>'.",
    );

    const list = await run(['env', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^\s+production\s+Production$/m);
    expect(list.stdout).toMatch(/^\s+staging\s+Staging$/m);

    const use = await run(['env', 'use', 'staging']);
    expect(use.code, use.stderr).toBe(0);
    expect(use.stdout.trim()).toBe('Environment: staging');
    expect((await run(['env', 'list'])).stdout).toMatch(/^\* staging\s+Staging$/m);
    const whoami = await run(['whoami']);
    expect(whoami.stdout).toMatch(/environment\s+staging/);
    expect(whoami.stdout).toMatch(/sent as Bearer/);

    const sandbox = await run(['env', 'use', 'sandbox']);
    expect(sandbox.code).toBe(1);
    expect(sandbox.stderr).toMatch(
      /^error: The user may not use this environment\. \[environment_not_allowed, HTTP 403\]$/m,
    );
    expect(JSON.parse((await run(['env', 'list', '--json'])).stdout)).toMatchObject({ current: 'staging' });

    const direct = await run([
      'login',
      '--url',
      server.url,
      '--scheme',
      'user',
      '--environment',
      'production',
    ]);
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stdout).toContain('Environment: production');
    const ava = await run(
      [
        'login',
        '--url',
        server.url,
        '--scheme',
        'user',
        '--username',
        AVA.username,
        '--environment',
        'production',
      ],
      { TOLLGATE_PASSWORD: AVA.password },
    );
    expect(ava.code).toBe(1);
    expect(ava.stderr).toContain('environment_not_allowed');
    expect((await run(['whoami'])).stdout).toContain(ETHAN.username); // a failed login keeps the session
    expectNoTokens(login, list, use, whoami, sandbox, direct, ava);
  });

  it('login (pair) → whoami → logout revokes; refusals and usage errors have their exit codes', async () => {
    const { run, sessionFile } = cli();
    const wrong = await run(
      ['login', '--url', server.url, '--scheme', 'pair', '--username', ETHAN.username],
      {
        TOLLGATE_PASSWORD: 'wrong',
      },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /^error: Invalid credentials \[invalid_credentials, AUTH_1001, HTTP 401\]$/m,
    );

    const login = await run(
      ['login', '--url', server.url, '--scheme', 'pair', '--username', ETHAN.username],
      {
        TOLLGATE_PASSWORD: ETHAN.password,
      },
    );
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('token pair (scheme C)');
    const whoami = await run(['whoami']);
    expect(whoami.stdout).toMatch(/sent as Bearer/);
    const envList = await run(['env', 'list']);
    expect(envList.code).toBe(2);
    expect(envList.stderr).toContain('environments belong to user tokens');

    const { refreshToken } = JSON.parse(readFileSync(sessionFile, 'utf8')).session as {
      refreshToken: string;
    };
    const logout = await run(['logout']);
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toContain('Signed out; the token pair was revoked.');
    expect(() => statSync(sessionFile)).toThrow();
    const client = createTollgateClient({ baseUrl: server.url });
    await expect(client.tokenPair.refresh(refreshToken)).rejects.toMatchObject({ code: 'token_revoked' });
    const after = await run(['whoami']);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain("not signed in: run 'tollgate login' first");

    const usage = await Promise.all([
      run([]),
      run(['login', '--url', server.url, '--scheme', 'jwt', '--username', ETHAN.username, '--password', 'x']),
      run(['login', '--url', server.url, '--scheme', 'jwt', '--username', ETHAN.username]), // no password anywhere
      run(['login', '--url', server.url, '--scheme', 'basic', '--username', ETHAN.username]),
      run([
        'login',
        '--url',
        server.url,
        '--scheme',
        'jwt',
        '--environment',
        'production',
        '--username',
        'x',
      ]),
      run(['uat', 'create', '--name', 'x', '--expires', '2026-02-30', '--permission', 'brand_create']),
      run(['uat', 'create', '--name', 'x', '--expires', 'tomorrow', '--permission', 'brand_create']),
      run(['frobnicate']),
    ]);
    expect(usage.map((result) => result.code)).toEqual(Array(usage.length).fill(2));
    expect(usage[1]!.stderr).toContain('the password is never an argument');
    expect(usage[2]!.stderr).toContain('no password');
    const help = await run(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 done; 1 refused by the server');

    const unreachable = await run(
      ['login', '--url', 'http://127.0.0.1:9', '--scheme', 'jwt', '--username', 'x'],
      {
        TOLLGATE_PASSWORD: 'x',
      },
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach the server');
    expectNoTokens(wrong, login, whoami, logout);
  });

  it('--version and -v print the package version', async () => {
    const { run } = cli();
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await run(['-v'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const extra = await run(['--version', 'now']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/^tollgate: unexpected argument: now\n/);
  });

  it('every command has its help: <command> --help, -h and help <command>, on stdout, exit code 0', async () => {
    const { run } = cli(); // not signed in: help needs no session and no server
    const usage = await run(['--help']);
    expect(usage.code).toBe(0);
    expect(usage.stdout).toMatch(
      /^Usage: tollgate login\|whoami\|env\|uat\|sessions\|admin\|users\|keys\|logout\|help \[options\]\n/,
    );
    expect(usage.stdout).toContain('--version');
    expect(await run(['-h'])).toEqual(usage);
    expect(await run(['help'])).toEqual(usage);
    expect(await run(['help', '--help'])).toEqual(usage);

    const commands = [
      ['login'],
      ['logout'],
      ['whoami'],
      ['env'],
      ['env', 'list'],
      ['env', 'use'],
      ['uat'],
      ['uat', 'create'],
      ['uat', 'list'],
      ['uat', 'revoke'],
      ['sessions'],
      ['sessions', 'list'],
      ['sessions', 'revoke'],
      ['sessions', 'revoke-others'],
      ['sessions', 'revoke-all'],
      ['admin'],
      ['admin', 'sessions'],
      ['admin', 'revoke-sessions'],
      ['admin', 'uats'],
      ['admin', 'revoke-uat'],
      ['admin', 'disable'],
      ['admin', 'enable'],
      ['admin', 'audit'],
      ['users'],
      ['users', 'create'],
      ['users', 'set-password'],
      ['users', 'disable'],
      ['users', 'enable'],
      ['users', 'log-out-everywhere'],
      ['users', 'audit'],
      ['keys'],
      ['keys', 'generate'],
      ['keys', 'rotate'],
      ['keys', 'list'],
    ];
    const texts = new Set<string>();
    for (const command of commands) {
      const name = command.join(' ');
      const long = await run([...command, '--help']);
      expect(long, name).toMatchObject({ code: 0, stderr: '' });
      expect(long.stdout, name).toMatch(new RegExp(`^Usage: tollgate ${name}\\b`));
      expect(long.stdout, name).not.toContain('parseArgs');
      // Usage, options, and the environment variables it reads (users: those naming the database).
      expect(long.stdout, name).toMatch(/\nOptions:\n|\nCommands:\n/);
      if (command[0] === 'users') expect(long.stdout, name).toMatch(/TOLLGATE_DB[\s\S]*DATABASE_URL/);
      else if (name === 'keys generate') expect(long.stdout, name).toMatch(/\nEnvironment: none read/);
      else if (command[0] === 'keys') {
        expect(long.stdout, name).toMatch(/\nEnvironment:\n[\s\S]*TOLLGATE_DB[\s\S]*DATABASE_URL/);
      } else expect(long.stdout, name).toMatch(/\nEnvironment:\n[\s\S]*TOLLGATE_CONFIG_DIR/);
      expect(await run([...command, '-h']), name).toEqual(long);
      expect(await run(['help', ...command]), name).toEqual(long);
      expect(await run(['--help', ...command]), name).toEqual(long);
      texts.add(long.stdout);
    }
    expect(texts.size).toBe(commands.length); // each its own text
    const login = (await run(['login', '--help'])).stdout;
    for (const option of ['--url', '--scheme', '--username', '--environment', '--help']) {
      expect(login).toContain(option);
    }
    expect((await run(['uat', 'create', '-h'])).stdout).toMatch(/--permission P\s+.*repeat/);
    // Revocations made on the database reach running instances at their next sync: the help says so.
    for (const command of ['set-password', 'disable', 'log-out-everywhere']) {
      expect((await run(['users', command, '--help'])).stdout).toContain(
        "Running app instances learn of it from the store's revocation log within their sync\ninterval (1 s by default",
      );
    }
    expect((await run(['users', '--help'])).stdout).toContain('within their sync\ninterval (1 s by default)');
    for (const option of ['--sqlite FILE', '--postgres URL', '--schema S', 'TOLLGATE_DB', 'DATABASE_URL']) {
      expect((await run(['users', 'create', '--help'])).stdout).toContain(option);
    }

    // --help wins over the other arguments, before any `--`; nothing runs.
    const anywhere = await run(['login', '--url', server.url, '--bogus', '--help', '--scheme', 'jwt']);
    expect(anywhere).toEqual(await run(['login', '--help']));
    expect((await run(['uat', 'revoke', 'some-id', '-h'])).code).toBe(0);
    const afterDashes = await run(['env', 'use', '--', '--help']);
    expect(afterDashes.code).toBe(2);
    expect(afterDashes.stderr).toContain("not signed in: run 'tollgate login' first");

    const unknown = await run(['help', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^tollgate: no help for: frobnicate\nUsage: tollgate /);
  });

  it('a bad option is a one-line error and the usage on stderr, exit code 2, no stack', async () => {
    const { run } = cli({ TOLLGATE_PASSWORD: ETHAN.password });
    const cases: [args: string[], error: string, usage: string, more: string][] = [
      [['--bogus'], 'unknown option --bogus', 'Usage: tollgate login|whoami', 'tollgate help'],
      [['frobnicate'], 'unknown command: frobnicate', 'Usage: tollgate login|whoami', 'tollgate help'],
      [
        ['login', '--url', server.url, '--scheme', 'jwt', '--bogus'],
        'unknown option --bogus',
        'Usage: tollgate login --url URL',
        'tollgate login --help',
      ],
      [['login', '-x'], 'unknown option -x', 'Usage: tollgate login ', 'tollgate login --help'],
      [['login', '--url'], '--url needs a value', 'Usage: tollgate login ', 'tollgate login --help'],
      [
        ['login', '--url', '--scheme', 'jwt'],
        '--url needs a value',
        'Usage: tollgate login ',
        'tollgate login --help',
      ],
      [['logout', '--all'], 'unknown option --all', 'Usage: tollgate logout', 'tollgate logout --help'],
      [['whoami', '--json=yes'], '--json takes no value', 'Usage: tollgate whoami', 'tollgate whoami --help'],
      [['whoami', 'me'], 'unexpected argument: me', 'Usage: tollgate whoami', 'tollgate whoami --help'],
      [['env'], 'env needs a command: list, use', 'Usage: tollgate env list', 'tollgate env --help'],
      [['env', '--bogus'], 'unknown option --bogus', 'Usage: tollgate env list', 'tollgate env --help'],
      [['env', 'drop'], 'unknown env command: drop', 'Usage: tollgate env list', 'tollgate env --help'],
      [['env', 'list', '-q'], 'unknown option -q', 'Usage: tollgate env list', 'tollgate env list --help'],
      [
        ['env', 'use'],
        'env use needs an environment id',
        'Usage: tollgate env use',
        'tollgate env use --help',
      ],
      [
        ['env', 'use', 'a', 'b'],
        'unexpected argument: b',
        'Usage: tollgate env use',
        'tollgate env use --help',
      ],
      [['uat', 'frob'], 'unknown uat command: frob', 'Usage: tollgate uat create', 'tollgate uat --help'],
      [
        ['uat', 'create', '--name', 'x', '--expire', '2030-01-01'],
        'unknown option --expire',
        'Usage: tollgate uat create',
        'tollgate uat create --help',
      ],
      [
        ['uat', 'list', '--all'],
        'unknown option --all',
        'Usage: tollgate uat list',
        'tollgate uat list --help',
      ],
      [
        ['uat', 'revoke'],
        'uat revoke needs a UAT id',
        'Usage: tollgate uat revoke',
        'tollgate uat revoke --help',
      ],
    ];
    for (const [args, error, usage, more] of cases) {
      const result = await run(args);
      const lines = result.stderr.split('\n');
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(lines[0], args.join(' ')).toBe(`tollgate: ${error}`);
      expect(lines[1], args.join(' ')).toContain(usage);
      expect(lines.at(-2), args.join(' ')).toBe(`Run '${more}' for more.`);
      expect(result.stderr, args.join(' ')).not.toMatch(/^\s+at |To specify a positional argument/m);
    }
    const password = await run(['login', '--url', server.url, '--scheme', 'jwt', '--password=x']);
    expect(password.code).toBe(2);
    expect(password.stderr).toMatch(/^tollgate: the password is never an argument.*\nUsage: tollgate login /);
  });

  it('an unexpected failure is one line on stderr, exit code 1, no stack', async () => {
    const notADirectory = join(tempDir(), 'file');
    writeFileSync(notADirectory, '');
    const { run } = cli({ TOLLGATE_CONFIG_DIR: notADirectory, TOLLGATE_PASSWORD: ETHAN.password });
    const login = await run(['login', '--url', server.url, '--scheme', 'jwt', '--username', ETHAN.username]);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/^tollgate: unexpected failure: .*(ENOTDIR|EEXIST).*\n$/);
    expect(login.stdout).toBe('');
  });

  it('the password is the first line of standard input when that is not a terminal', async () => {
    const { run } = cli();
    const args = ['login', '--url', server.url, '--scheme', 'pair', '--username', ETHAN.username];
    const login = await run(args, {}, [`${ETHAN.password}\nnot read\n`]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toBe(''); // no prompt without a terminal
    const wrong = await run(args, {}, ['wrong\n', `${ETHAN.password}\n`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('invalid_credentials');
    expect((await run(['whoami'])).stdout).toMatch(/sent as Bearer/);
  });
});

// The one test of the bin itself: Node, tsx and src/cli.ts started once, as a user runs it. Starting
// tsx takes seconds on a busy machine, so the timeout is far above what it needs.
describe('tollgate bin', () => {
  it('logs in with the password piped on stdin; exit code and output come from the process', {
    timeout: 120_000,
  }, async () => {
    const { run, configDir, sessionFile } = cli();
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && !key.startsWith('TOLLGATE_')) env[key] = value;
    }
    Object.assign(env, { HOME: tempDir(), TOLLGATE_CONFIG_DIR: configDir, NO_COLOR: '1' });
    const child = spawn(
      process.execPath,
      [
        '--conditions=dev-source',
        '--import',
        'tsx',
        'src/cli.ts',
        'login',
        '--url',
        server.url,
        '--scheme',
        'jwt',
        '--username',
        ETHAN.username,
      ],
      { cwd: packageDir, env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdin.end(`${ETHAN.password}\n`);
    const code = await new Promise<number | null>((done, fail) => {
      child.on('error', fail);
      child.on('close', done);
    });
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain(`Signed in to ${server.url} as ${ETHAN.username} with a JWT login`);
    expect(stdout).toContain(`Session saved in ${sessionFile}`);
    expect(statSync(sessionFile).mode & 0o777).toBe(0o600);
    expectNoTokens({ code, stdout, stderr });
    const whoami = await run(['whoami']); // the session the bin saved works
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toMatch(/sent as JWT/);
  });
});
