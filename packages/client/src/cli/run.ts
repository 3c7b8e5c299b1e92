import { homedir } from 'node:os';
import { join } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { TollgateClientError } from '../errors.js';
import { createFileStorage } from '../file-storage.js';
import { type AnySession, UserTokenSession } from '../session.js';
import { adminCommand } from './admin.js';
import {
  type CliIo,
  type CliScheme,
  type CliState,
  type Context,
  clientFor,
  cliIo,
  HelpRequest,
  noPositionals,
  parse,
  printTable,
  Refused,
  SCHEME_LABEL,
  SCHEMES,
  saved,
  subcommand,
  UsageError,
  uatStatus,
} from './common.js';
import { HELP, type HelpTopic, USAGE } from './help.js';
import { keysCommand } from './keys.js';
import { sessionsCommand } from './sessions.js';
import { usersCommand } from './users.js';

export type { CliIo, CliStdin } from './common.js';

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
      case 'sessions':
        return await sessionsCommand(context, rest);
      case 'admin':
        return await adminCommand(context, rest);
      case 'users':
        return await usersCommand(context, rest);
      case 'keys':
        return await keysCommand(context, rest);
      case '--version':
      case '-v':
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
  if (error instanceof Refused) {
    io.stderr(`error: ${error.message} [${error.code}]\n`);
    return 1;
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
    printTable(out, rows);
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
