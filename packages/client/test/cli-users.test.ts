import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  createMemoryStorage,
  createTollgateClient,
  type Session,
  type TollgateClient,
} from '../src/index.js';
import { cli, expectUsageError, removeTempDirs, tempDir } from './cli-harness.js';
import { DATASTORE, ETHAN } from './helpers.js';
import { type SessionsServer, SYNC_INTERVAL_MS, startSessionsServer } from './sessions-server.js';

// `tollgate users …` straight on the database of a running server (SQLite file, PostgreSQL
// schema): the server hears of each revocation from the store's revocation log at its next sync,
// so a revoked token is awaited by polling the server until it refuses it, never by sleeping.

afterAll(() => removeTempDirs());

/** Until the server refuses the session's token (its next revocation sync), polled. */
async function refusedSoon(client: TollgateClient, session: Session): Promise<void> {
  await expect
    .poll(
      async () => {
        const error = await client.uatJwt.me(session).then(
          () => null,
          (caught: { status?: number }) => caught,
        );
        return error?.status ?? 200;
      },
      { interval: SYNC_INTERVAL_MS / 2, timeout: 10_000 },
    )
    .toBe(401);
}

// The whole flow hashes about ten passwords at the production scrypt cost (the CLI hashes as the
// app does, and every login verifies at the cost the hash was made with): 5-6 s alone, and once over
// 30 s with both cores busy with the rest of the suite and the builds. The timeout is far above that.
describe.each(['sqlite', 'postgres'] as const)('tollgate users on %s', { timeout: 120_000 }, (kind) => {
  let server: SessionsServer;
  let client: TollgateClient;
  let db: readonly string[];
  beforeAll(async () => {
    server = await startSessionsServer({ postgres: kind === 'postgres' });
    client = createTollgateClient({ baseUrl: server.url });
    db = server.databaseArgs;
  });
  afterAll(() => server?.close());

  const login = (username: string, password: string) =>
    client.tokenPair.login({ username, password }, { storage: createMemoryStorage() });

  it('create → login over HTTP → set-password (old token refused, new password works) → disable → enable', async () => {
    const { run } = cli();
    const username = `new.${kind}@datastoreltd.biz`;
    const create = await run(
      [
        'users',
        'create',
        ...db,
        '--username',
        username,
        '--email',
        username,
        '--kind',
        'customer',
        '--organisation',
        DATASTORE,
        '--role',
        'company_admin',
        '--permission',
        'scans_download',
        '--permission',
        'brand_create',
        '--environment',
        'staging',
      ],
      { TOLLGATE_PASSWORD: 'First!pass1' },
    );
    expect(create.code, create.stderr).toBe(0);
    expect(create.stdout).toMatch(
      new RegExp(
        `^Created customer ${username.replaceAll('.', '\\.')} \\(id [0-9a-f-]{36}\\) in organisation ${DATASTORE}\\.$`,
        'm',
      ),
    );
    expect(create.stdout).toMatch(/^ {2}permissions {3}scans_download, brand_create$/m);

    const first = await login(username, 'First!pass1');
    const me = await client.uatJwt.me(first);
    expect(me).toMatchObject({ email: username, customerId: DATASTORE, roles: ['company_admin'] });
    expect([...me.permissions].sort()).toEqual(['brand_create', 'scans_download']);
    const user = await client.userTokens.login({ username, password: 'First!pass1', environment: 'staging' });
    expect(user.environment).toBe('staging');

    // A new password, from standard input (not a terminal): every credential of the user goes.
    const setPassword = await run(['users', 'set-password', ...db, username], {}, ['Second!pass2\n']);
    expect(setPassword.code, setPassword.stderr).toBe(0);
    expect(setPassword.stdout).toBe(
      `Set the password of ${username}; 2 sessions and 0 UATs revoked.\n` +
        'Running app instances refuse them from their next revocation sync (within 1 s by default).\n',
    );
    await refusedSoon(client, first);
    await expect(client.uatJwt.me(first)).rejects.toMatchObject({ status: 401 });
    await expect(client.tokenPair.refresh(first.state.refreshToken)).rejects.toMatchObject({ status: 401 });
    await expect(login(username, 'First!pass1')).rejects.toMatchObject({ code: 'invalid_credentials' });
    const second = await login(username, 'Second!pass2');
    expect((await client.uatJwt.me(second)).email).toBe(username);

    const disable = await run(['users', 'disable', ...db, username]);
    expect(disable.code, disable.stderr).toBe(0);
    expect(disable.stdout).toMatch(
      new RegExp(`^Disabled ${username.replaceAll('.', '\\.')}; 1 session and 0 UATs revoked\\.$`, 'm'),
    );
    await expect(login(username, 'Second!pass2')).rejects.toMatchObject({ code: 'invalid_credentials' });
    await refusedSoon(client, second);
    const twice = await run(['users', 'disable', ...db, username]);
    expect(twice.stdout).toMatch(/^Disabled \(already\) /);

    const enable = await run(['users', 'enable', ...db, username]);
    expect(enable).toMatchObject({
      code: 0,
      stdout: `Enabled ${username}; it may log in again (its earlier credentials stay revoked).\n`,
    });
    const third = await login(username, 'Second!pass2');
    expect((await client.uatJwt.me(third)).email).toBe(username);
    await expect(client.uatJwt.me(second)).rejects.toMatchObject({ status: 401 });
    expect((await run(['users', 'enable', ...db, username])).stdout).toBe(
      `${username} was not disabled; nothing to do.\n`,
    );

    const out = await run(['users', 'log-out-everywhere', ...db, username]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/; 1 session and 0 UATs revoked\.$/m);
    await refusedSoon(client, third);

    // The audit log: the CLI's changes (actor cli) beside the server's logins, newest first.
    const audit = await run(['users', 'audit', ...db, '--username', username, '--actor', 'cli', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    const events = JSON.parse(audit.stdout) as AuditEvent[];
    expect(events.map((event) => [event.type, event.details])).toEqual([
      ['user.revoked', { reason: 'log_out_everywhere' }],
      ['user.enabled', {}],
      ['user.disabled', {}],
      ['user.revoked', { reason: 'disabled' }],
      ['user.disabled', {}],
      ['user.revoked', { reason: 'disabled' }],
      ['user.password_changed', {}],
      ['user.revoked', { reason: 'password_changed' }],
      ['user.created', { username }],
    ]);
    const userId = events[0]!.user_id;
    expect(events.every((event) => event.actor_id === 'cli' && event.user_id === userId)).toBe(true);
    const table = await run([
      'users',
      'audit',
      ...db,
      '--username',
      username,
      '--type',
      'login.succeeded',
      '--limit',
      '2',
    ]);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(
      new RegExp(
        `^\\S+Z\\s+login\\.succeeded\\s+${userId}\\s+—\\s+[0-9a-f-]{36}\\s+127\\.0\\.0\\.1\\s+\\{"scheme":"token_pair"\\}$`,
      ),
    );
    const all = await run([
      'users',
      'audit',
      ...db,
      '--since',
      new Date(Date.now() - 3_600_000).toISOString(),
    ]);
    expect(all.stdout).toContain('user.created');
    expect(all.stdout + audit.stdout).not.toMatch(/First!pass1|Second!pass2/);
  });

  it('refusals: a taken username, an unknown user: exit code 1, the code printed', async () => {
    const { run } = cli({ TOLLGATE_PASSWORD: 'Another!pass3' });
    const taken = await run([
      'users',
      'create',
      ...db,
      '--username',
      ETHAN.username.toUpperCase(),
      '--email',
      'someone@datastoreltd.biz',
      '--kind',
      'customer',
      '--organisation',
      DATASTORE,
    ]);
    expect(taken).toMatchObject({ code: 1, stdout: '' });
    expect(taken.stderr).toBe('error: A user with this username already exists. [user_exists]\n');
    for (const command of ['set-password', 'disable', 'enable', 'log-out-everywhere']) {
      const unknown = await run(['users', command, ...db, 'nobody@example.test']);
      expect(unknown, command).toMatchObject({ code: 1, stdout: '' });
      expect(unknown.stderr, command).toBe('error: no such user: nobody@example.test [unknown_user]\n');
    }
    const audit = await run(['users', 'audit', ...db, '--username', 'nobody@example.test']);
    expect(audit.code).toBe(1);
    // ETHAN was not touched.
    expect((await client.uatJwt.me(await login(ETHAN.username, ETHAN.password))).email).toBe(ETHAN.username);
  });

  it('bad input: exit code 2 with a clear message, and nothing changed', async () => {
    const { run } = cli({ TOLLGATE_PASSWORD: 'Good!pass99' });
    const username = `bad.${kind}@datastoreltd.biz`;
    const create = (...more: string[]) => {
      const options: Record<string, string> = {
        '--username': username,
        '--email': username,
        '--kind': 'customer',
        '--organisation': DATASTORE,
      };
      const args = ['users', 'create', ...db];
      for (let i = 0; i < more.length; i += 2) options[more[i]!] = more[i + 1]!;
      for (const [option, value] of Object.entries(options)) if (value !== '') args.push(option, value);
      return args;
    };
    const cases: [string[], string | RegExp, Record<string, string>?][] = [
      [create('--email', 'not-an-address'), 'not an e-mail address: not-an-address'],
      [create('--kind', 'robot'), '--kind wants customer or administrator, not robot'],
      [create('--organisation', ''), 'users create needs --organisation'],
      [create('--organisation', 'no-such-organisation'), 'The organisation does not exist.'],
      [
        create('--permission', 'launch_rockets'),
        /^tollgate: no such permission: launch_rockets \(the catalogue: brand_create, /,
      ],
      [create('--environment', 'moon'), /^tollgate: no such environment: moon \(the catalogue: /],
      [create(), 'the password wants 8 to 1024 characters', { TOLLGATE_PASSWORD: 'short' }],
      [create('--password', 'x'), /^tollgate: the password is never an argument/],
      [[...create(), 'extra'], 'unexpected argument: extra'],
      [
        ['users', 'set-password', ...db, ETHAN.username],
        'the password wants 8 to 1024 characters',
        { TOLLGATE_PASSWORD: '1234567' },
      ],
      [['users', 'set-password', ...db], 'users set-password needs a username'],
      [
        ['users', 'disable', ...db, ETHAN.username, '--max-token-lifetime', 'forever'],
        '--max-token-lifetime wants a number of seconds, not forever',
      ],
      [['users', 'enable', ...db, 'a', 'b'], 'unexpected argument: b'],
      [['users', 'audit', ...db, '--limit', '5000'], '--limit wants 1 to 1000, not 5000'],
      [['users', 'audit', ...db, '--type', 'everything'], /^tollgate: --type wants one of /],
      [['users', 'drop', ...db], 'unknown users command: drop'],
      [['users'], 'users needs a command: create, set-password, disable, enable, log-out-everywhere, audit'],
    ];
    for (const [args, message, env] of cases) {
      const result = await run(args, env ?? {});
      expectUsageError(result, message, args.join(' '));
      expect(result.stderr, args.join(' ')).toMatch(/\nRun 'tollgate users[\w -]* --help' for more\.\n$/);
    }
    // Nothing was created, and ETHAN's password is unchanged.
    await expect(login(username, 'Good!pass99')).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect((await client.uatJwt.me(await login(ETHAN.username, ETHAN.password))).email).toBe(ETHAN.username);
    const audit = await run(['users', 'audit', ...db, '--actor', 'cli', '--json']);
    expect(
      (JSON.parse(audit.stdout) as AuditEvent[]).filter((event) => event.details.username === username),
    ).toEqual([]);
  });
});

describe('tollgate users: where the database is', () => {
  it('needs one, refuses two, never creates a SQLite file, and reads TOLLGATE_DB and DATABASE_URL', async () => {
    const { run } = cli();
    const missing = join(tempDir(), 'missing.db');
    const cases: [string[], Record<string, string>, string | RegExp][] = [
      [
        ['users', 'enable', 'x'],
        {},
        'users enable needs the database: --sqlite FILE or --postgres URL (or TOLLGATE_DB, DATABASE_URL)',
      ],
      [
        ['users', 'enable', 'x', '--sqlite', 'a.db', '--postgres', 'postgres://h/db'],
        {},
        'give --sqlite or --postgres, not both',
      ],
      [['users', 'enable', 'x', '--sqlite', missing], {}, `no such SQLite file: ${missing}`],
      [['users', 'enable', 'x'], { TOLLGATE_DB: missing }, `no such SQLite file: ${missing}`],
      [
        ['users', 'enable', 'x', '--postgres', 'mysql://h/db'],
        {},
        '--postgres is not a postgres:// connection string',
      ],
      [
        ['users', 'enable', 'x'],
        { DATABASE_URL: 'file:tollgate.db' },
        'DATABASE_URL is not a postgres:// connection string',
      ],
      [
        ['users', 'enable', 'x', '--sqlite', missing, '--schema', 's'],
        {},
        '--schema goes with PostgreSQL, not SQLite',
      ],
      [
        ['users', 'enable', 'x', '--postgres', 'postgres://h/db', '--schema', 'a;b'],
        {},
        'not a PostgreSQL schema name: a;b',
      ],
      [['users', 'enable', 'x', '--sqlite', ':memory:'], {}, '--sqlite needs the path of a file'],
    ];
    for (const [args, env, message] of cases) expectUsageError(await run(args, env), message, args.join(' '));
    expect(existsSync(missing)).toBe(false);

    const sqlite = await startSessionsServer();
    const postgres = await startSessionsServer({ postgres: true });
    try {
      if (sqlite.database.kind !== 'sqlite' || postgres.database.kind !== 'postgres')
        throw new Error('kinds');
      const viaFile = await run(['users', 'disable', ETHAN.username], { TOLLGATE_DB: sqlite.database.file });
      expect(viaFile.code, viaFile.stderr).toBe(0);
      const viaUrl = await run(['users', 'disable', ETHAN.username], {
        TOLLGATE_DB: postgres.database.url,
        TOLLGATE_DB_SCHEMA: postgres.database.schema,
      });
      expect(viaUrl.code, viaUrl.stderr).toBe(0);
      const viaDatabaseUrl = await run(['users', 'enable', ETHAN.username], {
        DATABASE_URL: postgres.database.url,
        TOLLGATE_DB_SCHEMA: postgres.database.schema,
      });
      expect(viaDatabaseUrl.code, viaDatabaseUrl.stderr).toBe(0);
      for (const server of [sqlite, postgres]) {
        const client = createTollgateClient({ baseUrl: server.url });
        const attempt = client.tokenPair.login(ETHAN, { storage: createMemoryStorage() });
        if (server === sqlite) await expect(attempt).rejects.toMatchObject({ code: 'invalid_credentials' });
        else expect((await attempt).customerId).toBe(DATASTORE);
      }
    } finally {
      await Promise.all([sqlite.close(), postgres.close()]);
    }
  });

  it('an unreachable PostgreSQL is exit code 1', async () => {
    const { run } = cli();
    const result = await run(['users', 'enable', 'x', '--postgres', 'postgres://postgres@127.0.0.1:9/test']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot open the PostgreSQL database: .* \[store_unavailable\]\n$/);
  });
});
