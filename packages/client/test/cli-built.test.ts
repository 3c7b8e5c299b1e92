/**
 * The `tollgate` bin as it is published (package.json's `bin`, which loads `dist/cli.js`, tsup's bundle)
 * started by Node, as a user
 * runs it: --version, help for every command, a bad option, and a login whose password is typed at
 * a real terminal (a pseudo-terminal from util-linux `script`), piped, or in TOLLGATE_PASSWORD.
 *
 * Needs the build: `pnpm exec turbo run build --filter=@tollgate/client` (`pnpm test` builds beside
 * the tests, which wait for it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_WAIT_MS, whenBuilt } from '@tollgate/test-kit/built';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP } from '../src/cli/help.js';
import { ETHAN, startTestServer, type TestServer } from './helpers.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
  version: string;
  bin: { tollgate: string };
};
const { version } = manifest;
const bin = join(packageDir, manifest.bin.tollgate);
const bundle = join(packageDir, 'dist', 'cli.js');
const dirs: string[] = [];
let server: TestServer;

beforeAll(async () => {
  await whenBuilt();
  if (!existsSync(bundle))
    throw new Error(`${bundle} is missing: build the client first (see the top of this file)`);
  server = await startTestServer();
}, BUILD_WAIT_MS);
afterAll(async () => {
  await server?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-built-'));
  dirs.push(dir);
  return dir;
}

/** This process's environment without any TOLLGATE_ variable, plus `more`. */
function env(more: Record<string, string> = {}): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('TOLLGATE_')) clean[key] = value;
  }
  return { ...clean, HOME: tempDir(), NO_COLOR: '1', ...more };
}

/** Runs the bin (asynchronously: the test server answers from this process). */
async function tollgate(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: options.env ?? env(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.stdin.end(options.input ?? '');
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  return { code, stdout, stderr };
}

/**
 * `tollgate login` on a pseudo-terminal (util-linux `script` runs it on a new one: its stdin and
 * stdout are a TTY); `keys` are typed once the password prompt is up. Output is the terminal's.
 */
async function atTerminal(configDir: string, keys: string): Promise<{ code: number | null; output: string }> {
  if (spawnSync('script', ['--version']).error)
    throw new Error('util-linux `script` is needed for a terminal');
  const args = [bin, 'login', '--url', server.url, '--scheme', 'pair', '--username', ETHAN.username];
  const command = [process.execPath, ...args].map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    env: env({ TOLLGATE_CONFIG_DIR: configDir }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const prompted = new Promise<void>((done) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Password:')) done();
    });
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  await Promise.race([prompted, exited]);
  // Typed only once the prompt is up: the terminal is then muted (typed earlier, it would echo).
  child.stdin.write(keys);
  const code = await exited;
  return { code, output };
}

describe('the built tollgate bin', { timeout: 120_000 }, () => {
  it('--version and -v print the package version', async () => {
    expect(await tollgate(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect(await tollgate(['-v'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('commands and subcommands have --help: usage, options, environment; exit code 0', async () => {
    // Every topic runs in-process in cli.test.ts; here one of each kind, through the bundle.
    const topics = [
      'login',
      'uat',
      'uat create',
      'sessions revoke',
      'admin audit',
      'users create',
      'users set-password',
    ];
    expect(Object.keys(HELP)).toEqual(expect.arrayContaining(topics));
    for (const topic of topics) {
      const help = await tollgate([...topic.split(' '), '--help']);
      expect(help.code, topic).toBe(0);
      expect(help.stderr, topic).toBe('');
      expect(help.stdout, topic).toBe(HELP[topic as keyof typeof HELP]);
      expect(help.stdout, topic).toMatch(new RegExp(`^Usage: tollgate ${topic}\\b`));
    }
    const login = await tollgate(['login', '--help']);
    expect(login.stdout).toMatch(/--url URL/);
    expect(login.stdout).toMatch(/TOLLGATE_PASSWORD/);
  });

  it('an unknown option: one line, the usage, exit code 2, no stack and no parseArgs text', async () => {
    for (const args of [
      ['login', '--bogus'],
      ['uat', 'create', '--nme', 'x'],
      ['--bogus'],
      ['users', 'create', '-z'],
    ]) {
      const result = await tollgate(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(result.stderr.split('\n')[0], args.join(' ')).toMatch(/^tollgate: unknown option -/);
      expect(result.stderr, args.join(' ')).toMatch(/\nUsage: tollgate /);
      expect(result.stderr, args.join(' ')).not.toMatch(/^\s+at |ERR_PARSE_ARGS|TypeError|node:internal/m);
    }
  });

  it('the password typed at a terminal is not echoed, and signs in', async () => {
    const configDir = join(tempDir(), 'config');
    const { code, output } = await atTerminal(configDir, `${ETHAN.password}\r`);
    expect(code, output).toBe(0);
    expect(output).toContain('Password:');
    expect(output).toContain(`Signed in to ${server.url} as ${ETHAN.username}`);
    expect(output).not.toContain(ETHAN.password);
    expect(statSync(join(configDir, 'session.json')).mode & 0o777).toBe(0o600);
  });

  it('Ctrl-C or Ctrl-D at the password prompt cancels: exit code 2, no session saved', async () => {
    for (const key of ['\u0003', '\u0004']) {
      const configDir = join(tempDir(), 'config');
      const { code, output } = await atTerminal(configDir, key);
      expect(code, JSON.stringify(key) + output).toBe(2);
      expect(output).toContain('tollgate: cancelled');
      expect(existsSync(join(configDir, 'session.json'))).toBe(false);
    }
  });

  it('without a terminal: the first line of piped standard input, or TOLLGATE_PASSWORD', async () => {
    const args = ['login', '--url', server.url, '--scheme', 'jwt', '--username', ETHAN.username];
    const piped = await tollgate(args, {
      env: env({ TOLLGATE_CONFIG_DIR: join(tempDir(), 'c') }),
      input: `${ETHAN.password}\n`,
    });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).toBe(''); // no prompt
    expect(piped.stdout).toContain('Signed in');
    const configDir = join(tempDir(), 'c');
    const fromEnv = await tollgate(args, {
      env: env({ TOLLGATE_CONFIG_DIR: configDir, TOLLGATE_PASSWORD: ETHAN.password }),
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(statSync(join(configDir, 'session.json')).mode & 0o777).toBe(0o600);
    const wrong = await tollgate(args, {
      env: env({ TOLLGATE_CONFIG_DIR: join(tempDir(), 'c') }),
      input: 'wrong\n',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('invalid_credentials');
  });
});
