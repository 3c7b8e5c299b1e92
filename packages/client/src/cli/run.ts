import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import packageJson from '../../package.json' with { type: 'json' };
import { createTollgateClient, type TollgateClient } from '../client.js';
import { TollgateClientError } from '../errors.js';
import { createFileStorage } from '../file-storage.js';
import { type AnySession, UserTokenSession } from '../session.js';
import { isSessionState, type SessionState } from '../state.js';
import type { TokenStorage } from '../storage.js';
import type { FetchLike } from '../transport.js';
import type { UatSummary } from '../types.js';

/** Standard input as the CLI reads it: a stream, a terminal when `isTTY` (then with `setRawMode`). */
export type CliStdin = NodeJS.ReadableStream & {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
};

/** What the CLI touches outside itself; `runCli` defaults each to the process's own. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Where the default `readSecret` and `readLine` read (default `process.stdin`). */
  readonly stdin: CliStdin;
  /** A secret: typed without echo on a terminal; otherwise the first line of standard input. */
  readonly readSecret: (prompt: string) => Promise<string>;
  /** A visible answer on a terminal; null when there is no terminal to ask. */
  readonly readLine: (prompt: string) => Promise<string | null>;
  readonly fetch?: FetchLike;
}

const USAGE = `Usage: tollgate login|whoami|env|uat|logout|help [options]
       tollgate <command> --help
       tollgate --version

Commands:
  login --url URL --scheme jwt|pair|user [--username U] [--environment E]
                          sign in; the password comes from TOLLGATE_PASSWORD or a prompt
  whoami [--json]         who the saved session is
  env list [--json]       the environments you may use (scheme user)
  env use <id>            switch the session to an environment (scheme user)
  uat create --name N --expires YYYY-MM-DD --permission P [--permission Q …] [--json]
                          create a user authorization token (shown once), valid through that day (UTC)
  uat list [--json]       your user authorization tokens
  uat revoke <id>         revoke one; it stops working at once
  logout                  forget the session (a token pair is also revoked on the server)
  help [command]          this text, or a command's help (as does: tollgate <command> --help)

Options:
  -h, --help              help (after a command: that command's)
  --version               the version of tollgate (@tollgate/client)

Environment:
  TOLLGATE_CONFIG_DIR     where the session file is kept (default ~/.config/tollgate), mode 0600
  TOLLGATE_PASSWORD       the password for login (never an argument)
  TOLLGATE_USERNAME       the username for login, instead of --username
  TOLLGATE_URL            the server for login, instead of --url

Exit codes: 0 done; 1 refused by the server (its code is printed) or the server unreachable;
2 usage error (bad arguments, no session, a command the session's scheme cannot do).
`;

const JSON_OPTION = '  --json                  print JSON\n';
const HELP_OPTION = '  -h, --help              this text\n';

/** Each command's help; its first paragraph (the `Usage:` lines) is printed with a usage error. */
const HELP = {
  login: `Usage: tollgate login --url URL --scheme jwt|pair|user [--username U] [--environment E]

Sign in and save the session in $TOLLGATE_CONFIG_DIR/session.json (default ~/.config/tollgate).
The password comes from TOLLGATE_PASSWORD, a prompt without echo, or the first line of standard
input when that is not a terminal. It is never an argument.

Options:
  --url URL               the server (default TOLLGATE_URL)
  --scheme jwt|pair|user  jwt: JWT login (scheme D), no refresh
                          pair: token pair (scheme C), refreshed automatically
                          user: user token (scheme A), refreshed automatically, with environments
  --username U            default TOLLGATE_USERNAME, else a prompt on a terminal
  --environment E         the environment to sign in to (--scheme user only)
${HELP_OPTION}`,
  logout: `Usage: tollgate logout

Forget the saved session. A token pair is also revoked on the server.

Options:
${HELP_OPTION}`,
  whoami: `Usage: tollgate whoami [--json]

Who the saved session is: the user, the server, how it signed in, customer, roles, permissions,
environment and when the token expires.

Options:
${JSON_OPTION}${HELP_OPTION}`,
  env: `Usage: tollgate env list [--json]
       tollgate env use <id>

The environments of a user token session (tollgate login --scheme user).

Commands:
  env list [--json]       the environments you may use; * marks the session's
  env use <id>            switch the session to an environment

Run 'tollgate env <command> --help' for a command's options.
`,
  'env list': `Usage: tollgate env list [--json]

The environments you may use (scheme user); * marks the session's.

Options:
${JSON_OPTION}${HELP_OPTION}`,
  'env use': `Usage: tollgate env use <id>

Switch the session to the environment <id> (scheme user). The server refuses an environment
the user may not use.

Options:
${HELP_OPTION}`,
  uat: `Usage: tollgate uat create --name N --expires YYYY-MM-DD --permission P [--permission Q …] [--json]
       tollgate uat list [--json]
       tollgate uat revoke <id>

User authorization tokens (UATs): tokens for scripts, sent as "Authorization: UAT <token>".

Commands:
  uat create              create one; its value is printed once
  uat list                yours, with their status (active, revoked, expired)
  uat revoke <id>         revoke one; it stops working at once

Run 'tollgate uat <command> --help' for a command's options.
`,
  'uat create': `Usage: tollgate uat create --name N --expires YYYY-MM-DD --permission P [--permission Q …] [--json]

Create a user authorization token. Its value is printed once, last; keep it secret.

Options:
  --name N                a name to tell it by
  --expires YYYY-MM-DD    valid through that day: it expires at 23:59:59 UTC
  --permission P          a permission it carries (repeat for more; at least one)
${JSON_OPTION}${HELP_OPTION}`,
  'uat list': `Usage: tollgate uat list [--json]

Your user authorization tokens: id, name, prefix, expiry, status and permissions (never the value).

Options:
${JSON_OPTION}${HELP_OPTION}`,
  'uat revoke': `Usage: tollgate uat revoke <id>

Revoke the user authorization token <id>; it stops working at once. Revoking one twice is
not an error.

Options:
${HELP_OPTION}`,
  help: USAGE,
} as const;
type HelpTopic = keyof typeof HELP;

/** `--help` or `-h` before any `--`. */
function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** Thrown to print a command's help (stdout, exit code 0) instead of running it. */
class HelpRequest {
  constructor(readonly topic: HelpTopic) {}
}

/** A mistake of the user's: exit code 2. With a topic, that command's usage is printed too. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly topic?: HelpTopic,
  ) {
    super(message);
  }
}

interface CliState {
  readonly version: 1;
  readonly url: string;
  readonly session: SessionState;
}

interface Context {
  readonly io: CliIo;
  readonly out: (line?: string) => void;
  readonly file: string;
  readonly store: TokenStorage<CliState>;
}

const SCHEMES = ['jwt', 'pair', 'user'] as const;
type CliScheme = (typeof SCHEMES)[number];
const SCHEME_LABEL: Record<SessionState['scheme'], string> = {
  jwt: 'JWT login (scheme D)',
  pair: 'token pair (scheme C)',
  user: 'user token (scheme A)',
  delegated: 'delegated login (scheme B)',
  uat: 'user authorization token (scheme D)',
};

/** The process's own streams and environment, with `overrides` on top. */
function cliIo(overrides: Partial<CliIo>): CliIo {
  const stdin: CliStdin = overrides.stdin ?? process.stdin;
  const stderr = overrides.stderr ?? ((text: string) => process.stderr.write(text));
  return {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    readSecret: (prompt) => (stdin.isTTY ? promptHidden(stdin, stderr, prompt) : readFirstLine(stdin)),
    readLine: async (prompt) => {
      if (!stdin.isTTY) return null;
      const rl = createInterface({ input: stdin, output: process.stderr });
      try {
        return await rl.question(prompt);
      } finally {
        rl.close();
      }
    },
    ...overrides,
    stdin,
    stderr,
  };
}

function promptHidden(stdin: CliStdin, stderr: (text: string) => void, prompt: string): Promise<string> {
  stderr(prompt);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr('\n');
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new UsageError('cancelled'));
          return;
        }
        value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
      }
    };
    stdin.on('data', onData);
  });
}

async function readFirstLine(stdin: CliStdin): Promise<string> {
  const rl = createInterface({ input: stdin, terminal: false });
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
  }
}

/**
 * Runs one `tollgate` command; resolves to the exit code (0 done, 1 refused or unreachable,
 * 2 usage). Prints no token, except a UAT's value once on `uat create`.
 */
export async function runCli(argv: readonly string[], overrides: Partial<CliIo> = {}): Promise<number> {
  const io = cliIo(overrides);
  const dir = io.env.TOLLGATE_CONFIG_DIR || join(homedir(), '.config', 'tollgate');
  const file = join(dir, 'session.json');
  const context: Context = {
    io,
    out: (line = '') => io.stdout(`${line}\n`),
    file,
    store: createFileStorage<CliState>(file),
  };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'login':
        return await login(context, rest);
      case 'logout':
        return await logout(context, rest);
      case 'whoami':
        return await whoami(context, rest);
      case 'env':
        return await envCommand(context, rest);
      case 'uat':
        return await uatCommand(context, rest);
      case '--version':
        noPositionals(rest, 'help');
        context.out(packageJson.version);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        return help(context, rest);
      case undefined:
        io.stderr(USAGE);
        return 2;
      default:
        throw new UsageError(
          command.startsWith('-') ? `unknown option ${command}` : `unknown command: ${command}`,
          'help',
        );
    }
  } catch (error) {
    if (error instanceof HelpRequest) return help(context, [error.topic]);
    return report(context, error);
  }
}

/**
 * What the `tollgate` bin runs: `runCli`, with an unexpected failure (a bug, an unwritable config
 * directory) reported on one line, no stack, as exit code 1. Never rejects.
 */
export async function main(argv: readonly string[], overrides: Partial<CliIo> = {}): Promise<number> {
  try {
    return await runCli(argv, overrides);
  } catch (error) {
    const stderr = overrides.stderr ?? ((text: string) => process.stderr.write(text));
    stderr(`tollgate: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** `tollgate help [command …]`: the usage, or a command's help, on stdout. */
function help(context: Context, words: readonly string[]): number {
  const topic = words.filter((word) => word !== '--help' && word !== '-h').join(' ');
  if (topic === '') {
    context.io.stdout(USAGE);
    return 0;
  }
  if (!Object.hasOwn(HELP, topic)) throw new UsageError(`no help for: ${topic}`, 'help');
  context.io.stdout(HELP[topic as HelpTopic]);
  return 0;
}

function report(context: Context, error: unknown): number {
  const { io } = context;
  if (error instanceof UsageError) {
    if (error.topic === undefined) {
      io.stderr(`tollgate: ${error.message}\nRun 'tollgate help' for usage.\n`);
      return 2;
    }
    const usage = HELP[error.topic].split('\n\n')[0];
    const more = error.topic === 'help' ? 'tollgate help' : `tollgate ${error.topic} --help`;
    io.stderr(`tollgate: ${error.message}\n${usage}\nRun '${more}' for more.\n`);
    return 2;
  }
  if (error instanceof TollgateClientError) {
    if (error.code === 'session_ended') {
      const cause = error.cause instanceof TollgateClientError ? ` (${error.cause.code})` : '';
      io.stderr(`error: the session has ended${cause}; run 'tollgate login' again [session_ended]\n`);
      return 1;
    }
    const tags = [
      error.code,
      ...(error.errorCode ? [error.errorCode] : []),
      ...(error.local ? [] : [`HTTP ${error.status}`]),
    ];
    io.stderr(`error: ${error.message} [${tags.join(', ')}]\n`);
    for (const [field, messages] of Object.entries(error.fields ?? {})) {
      if (field === 'non_field_errors') continue;
      for (const message of messages) io.stderr(`  ${field}: ${message}\n`);
    }
    if (error.code === 'token_expired' && error.local) io.stderr("Run 'tollgate login' again.\n");
    return 1;
  }
  if (
    error instanceof TypeError &&
    /fetch failed|network|ECONNREFUSED/i.test(`${error.message} ${String(error.cause)}`)
  ) {
    const reason = error.cause instanceof Error ? error.cause.message : error.message;
    io.stderr(`error: cannot reach the server: ${reason}\n`);
    return 1;
  }
  throw error;
}

/** The command's options; its help when asked for, a one-line usage error for a bad option. */
function parse<const T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(
  args: readonly string[],
  options: T,
  topic: HelpTopic,
) {
  if (wantsHelp(args)) throw new HelpRequest(topic);
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    const option = /'(-{1,2}[\w-]+)/.exec(message)?.[1];
    if (option === '--password') {
      throw new UsageError(
        'the password is never an argument: set TOLLGATE_PASSWORD or answer the prompt',
        topic,
      );
    }
    if (option && code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(`unknown option ${option}`, topic);
    }
    if (option && code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const takesNone = /does not take an argument/.test(message);
      throw new UsageError(takesNone ? `${option} takes no value` : `${option} needs a value`, topic);
    }
    throw new UsageError(message.split('\n')[0] ?? message, topic);
  }
}

function noPositionals(positionals: readonly string[], topic: HelpTopic): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`, topic);
}

/** The subcommand of `env` or `uat`, its help when asked for, or a usage error. */
function subcommand<const S extends string>(
  group: 'env' | 'uat',
  known: readonly S[],
  sub: string | undefined,
): S {
  if (sub === '--help' || sub === '-h') throw new HelpRequest(group);
  if (sub === undefined) throw new UsageError(`${group} needs a command: ${known.join(', ')}`, group);
  if (sub.startsWith('-')) throw new UsageError(`unknown option ${sub}`, group);
  if (!(known as readonly string[]).includes(sub)) {
    throw new UsageError(`unknown ${group} command: ${sub}`, group);
  }
  return sub as S;
}

function sessionStorage(context: Context, url: string): TokenStorage {
  return {
    get: async () => {
      const state = await context.store.get();
      return state && state.url === url ? state.session : null;
    },
    set: (session) => context.store.set({ version: 1, url, session }),
    clear: () => context.store.clear(),
  };
}

function clientFor(context: Context, url: string): TollgateClient {
  return createTollgateClient({
    baseUrl: url,
    storage: sessionStorage(context, url),
    ...(context.io.fetch ? { fetch: context.io.fetch } : {}),
  });
}

/** The saved session, or a usage error telling to log in. */
async function saved(
  context: Context,
): Promise<{ client: TollgateClient; session: AnySession; url: string }> {
  let state: CliState | null;
  try {
    state = await context.store.get();
  } catch (error) {
    throw new UsageError(
      `cannot read ${context.file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!state || typeof state.url !== 'string' || !isSessionState(state.session)) {
    throw new UsageError("not signed in: run 'tollgate login' first");
  }
  const mode = (await stat(context.file)).mode;
  if ((mode & 0o077) !== 0) {
    context.io.stderr(`warning: ${context.file} is readable by others; run: chmod 600 '${context.file}'\n`);
  }
  const client = clientFor(context, state.url);
  const session = await client.resume();
  if (!session) throw new UsageError("not signed in: run 'tollgate login' first");
  return { client, session, url: state.url };
}

async function login(context: Context, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      url: { type: 'string' },
      scheme: { type: 'string' },
      username: { type: 'string' },
      environment: { type: 'string' },
    },
    'login',
  );
  noPositionals(positionals, 'login');
  const { io, out } = context;
  const url = values.url ?? io.env.TOLLGATE_URL;
  if (!url) throw new UsageError('login needs --url (or TOLLGATE_URL)', 'login');
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('not http(s)');
  } catch {
    throw new UsageError(`not an http(s) URL: ${url}`, 'login');
  }
  const scheme = values.scheme as CliScheme | undefined;
  if (!scheme || !SCHEMES.includes(scheme))
    throw new UsageError('login needs --scheme jwt, pair or user', 'login');
  if (values.environment !== undefined && scheme !== 'user') {
    throw new UsageError('--environment goes with --scheme user (user tokens carry an environment)', 'login');
  }
  const username =
    values.username ?? io.env.TOLLGATE_USERNAME ?? ((await io.readLine('Username: '))?.trim() || undefined);
  if (!username) throw new UsageError('login needs --username (or TOLLGATE_USERNAME)', 'login');
  const password = io.env.TOLLGATE_PASSWORD ?? (await io.readSecret('Password: '));
  if (!password) throw new UsageError('no password: set TOLLGATE_PASSWORD or answer the prompt', 'login');

  const client = clientFor(context, url);
  let session: AnySession;
  if (scheme === 'jwt') session = await client.uatJwt.login({ email: username, password });
  else if (scheme === 'pair') session = await client.tokenPair.login({ username, password });
  else {
    session = await client.userTokens.login({
      username,
      password,
      ...(values.environment === undefined ? {} : { environment: values.environment }),
    });
  }
  out(`Signed in to ${url} as ${username} with a ${SCHEME_LABEL[session.scheme]}.`);
  if (session instanceof UserTokenSession) {
    out(
      session.environment === null
        ? "No environment yet: run 'tollgate env list', then 'tollgate env use <id>'."
        : `Environment: ${session.environment}`,
    );
  }
  describeExpiry(context, session);
  out(`Session saved in ${context.file}`);
  return 0;
}

function describeExpiry(context: Context, session: AnySession): void {
  const expiresAt = session.expiresAt?.toISOString();
  if (!expiresAt) return;
  const refreshed = session.scheme === 'pair' || session.scheme === 'user';
  context.out(
    refreshed
      ? `Token expires ${expiresAt}; refreshed automatically when a command runs close to it.`
      : `Token expires ${expiresAt}; log in again after that (JWT logins have no refresh).`,
  );
}

async function logout(context: Context, args: readonly string[]): Promise<number> {
  const { positionals } = parse(args, {}, 'logout');
  noPositionals(positionals, 'logout');
  const state = await Promise.resolve(context.store.get()).catch(() => null);
  if (!state) {
    await context.store.clear();
    context.out('Not signed in.');
    return 0;
  }
  const { session } = await saved(context);
  await session.logout();
  context.out(session.scheme === 'pair' ? 'Signed out; the token pair was revoked.' : 'Signed out.');
  return 0;
}

async function whoami(context: Context, args: readonly string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, 'whoami');
  noPositionals(positionals, 'whoami');
  const { client, session, url } = await saved(context);
  const me = await client.uatJwt.me(session);
  if (values.json) {
    context.out(JSON.stringify({ ...me, scheme: session.scheme, url }, null, 2));
    return 0;
  }
  const { out } = context;
  out(me.email);
  out(`  server         ${url}`);
  out(`  signed in by   ${SCHEME_LABEL[session.scheme]} (sent as ${me.authenticatedBy})`);
  out(`  customer       ${me.customerId}`);
  out(`  roles          ${me.roles.join(', ') || '—'}`);
  out(`  permissions    ${me.permissions.join(', ') || '—'}`);
  out(`  environment    ${me.environment ?? '—'}`);
  if (me.actor) out(`  acting admin   ${me.actor.username}`);
  const expiresAt = session.expiresAt?.toISOString();
  if (expiresAt) out(`  token expires  ${expiresAt}`);
  return 0;
}

async function userSession(context: Context): Promise<UserTokenSession> {
  const { session } = await saved(context);
  if (!(session instanceof UserTokenSession)) {
    throw new UsageError(
      `environments belong to user tokens; this session is a ${SCHEME_LABEL[session.scheme]} (log in with --scheme user)`,
    );
  }
  return session;
}

async function envCommand(context: Context, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const sub = subcommand('env', ['list', 'use'], name);
  if (sub === 'list') {
    const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, 'env list');
    noPositionals(positionals, 'env list');
    const session = await userSession(context);
    const environments = await session.environments();
    if (values.json) {
      context.out(JSON.stringify({ current: session.environment, environments }, null, 2));
      return 0;
    }
    if (environments.length === 0) context.out('No environments available to this user.');
    for (const env of environments) {
      context.out(`${env.id === session.environment ? '*' : ' '} ${env.id.padEnd(16)} ${env.name}`);
    }
    return 0;
  }
  const { positionals } = parse(rest, {}, 'env use');
  const [id, extra] = positionals;
  if (!id) throw new UsageError('env use needs an environment id', 'env use');
  if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`, 'env use');
  const session = await userSession(context);
  await session.switchEnvironment(id);
  context.out(`Environment: ${session.environment}`);
  return 0;
}

/** `YYYY-MM-DD` → the last second of that day, UTC ("valid until that date"). */
function endOfDay(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
    throw new UsageError(`--expires wants a date as YYYY-MM-DD, not ${date}`, 'uat create');
  const parsed = new Date(`${date}T23:59:59Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) {
    throw new UsageError(`not a calendar date: ${date}`, 'uat create');
  }
  return parsed.toISOString();
}

function uatStatus(uat: UatSummary, now: number): string {
  if (uat.revoked_at !== null) return 'revoked';
  return Date.parse(uat.expires_at) <= now ? 'expired' : 'active';
}

async function uatCommand(context: Context, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  const sub = subcommand('uat', ['create', 'list', 'revoke'], name);
  const { out } = context;
  if (sub === 'create') {
    const { values, positionals } = parse(
      rest,
      {
        name: { type: 'string' },
        expires: { type: 'string' },
        permission: { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
      'uat create',
    );
    noPositionals(positionals, 'uat create');
    if (!values.name) throw new UsageError('uat create needs --name', 'uat create');
    if (!values.expires) throw new UsageError('uat create needs --expires YYYY-MM-DD', 'uat create');
    const permissions = values.permission ?? [];
    if (permissions.length === 0)
      throw new UsageError('uat create needs at least one --permission', 'uat create');
    const expiresAt = endOfDay(values.expires);
    const { client, session } = await saved(context);
    const created = await client.uatJwt.createToken(session, { name: values.name, expiresAt, permissions });
    if (values.json) {
      out(JSON.stringify(created, null, 2));
      return 0;
    }
    out(`Created UAT ${created.id} "${created.name}"`);
    out(`  prefix       ${created.prefix}`);
    out(`  expires      ${created.expires_at}`);
    out(`  permissions  ${created.permissions.join(', ')}`);
    out('Token (shown only now; keep it secret, send it as "Authorization: UAT <token>"):');
    out(created.token);
    return 0;
  }
  if (sub === 'list') {
    const { values, positionals } = parse(rest, { json: { type: 'boolean' } }, 'uat list');
    noPositionals(positionals, 'uat list');
    const { client, session } = await saved(context);
    const uats = await client.uatJwt.listTokens(session);
    if (values.json) {
      out(JSON.stringify(uats, null, 2));
      return 0;
    }
    if (uats.length === 0) {
      out('No user authorization tokens.');
      return 0;
    }
    const now = Date.now();
    const rows = [
      ['ID', 'NAME', 'PREFIX', 'EXPIRES', 'STATUS', 'PERMISSIONS'],
      ...uats.map((uat) => [
        uat.id,
        uat.name,
        uat.prefix,
        uat.expires_at,
        uatStatus(uat, now),
        uat.permissions.join(','),
      ]),
    ];
    const widths = rows[0]!.map((_cell, column) => Math.max(...rows.map((row) => row[column]!.length)));
    for (const row of rows)
      out(
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      );
    return 0;
  }
  const { positionals } = parse(rest, {}, 'uat revoke');
  const [id, extra] = positionals;
  if (!id) throw new UsageError('uat revoke needs a UAT id', 'uat revoke');
  if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`, 'uat revoke');
  const { client, session } = await saved(context);
  await client.uatJwt.revokeToken(session, id);
  out(`Revoked UAT ${id}.`);
  return 0;
}
