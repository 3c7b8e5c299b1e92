import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStorage, createTollgateClient, type SessionSummary } from '../src/index.js';
import { cli, expectNoTokens, expectUsageError, removeTempDirs } from './cli-harness.js';
import { AVA, BOB, ETHAN, ROOT } from './helpers.js';
import { type SessionsServer, startSessionsServer } from './sessions-server.js';

// `tollgate sessions …` and `tollgate admin …` in-process, against a real server serving the
// `sessions` profile. Each test has its own server where it revokes or disables.

const servers: SessionsServer[] = [];
async function fresh() {
  const server = await startSessionsServer();
  servers.push(server);
  return { server, client: createTollgateClient({ baseUrl: server.url }) };
}
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  removeTempDirs();
});

/** A CLI signed in to `url` as `account` (a token pair unless said). */
async function signedIn(url: string, account: { username: string; password: string }, scheme = 'pair') {
  const harness = cli({ TOLLGATE_PASSWORD: account.password });
  const login = await harness.run([
    'login',
    '--url',
    url,
    '--scheme',
    scheme,
    '--username',
    account.username,
  ]);
  expect(login.code, login.stderr).toBe(0);
  return harness;
}

describe.concurrent('tollgate sessions', () => {
  it('list (table and JSON), revoke <id>, revoke-others, revoke current', async () => {
    const { server, client } = await fresh();
    const { run, sessionFile } = await signedIn(server.url, ETHAN);
    const jwt = await client.uatJwt.login({ email: ETHAN.username, password: ETHAN.password });
    const user = await client.userTokens.login(ETHAN, { storage: createMemoryStorage() });

    const list = await run(['sessions', 'list']);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s+ID\s+KIND\s+CREATED\s+LAST USED\s+EXPIRES\s+IP\s+ACTOR\s+USER AGENT$/);
    expect(lines).toHaveLength(4);
    expect(lines.filter((line) => /^\* {2}\S+\s+token_pair\s/.test(line))).toHaveLength(1);
    expect(lines.filter((line) => /^ {3}\S+\s+(jwt_login|user_token)\s/.test(line))).toHaveLength(2);

    const listed = JSON.parse((await run(['sessions', 'list', '--json'])).stdout) as SessionSummary[];
    expect(listed.map((session) => [session.kind, session.current])).toEqual([
      ['user_token', false],
      ['jwt_login', false],
      ['token_pair', true],
    ]);

    const revoke = await run(['sessions', 'revoke', listed[1]!.id]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toBe(`Ended session ${listed[1]!.id}.\n`);
    await expect(client.uatJwt.me(jwt)).rejects.toMatchObject({ code: 'token_revoked' });
    const again = await run(['sessions', 'revoke', listed[1]!.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: .* \[not_found, HTTP 404\]$/m);

    const others = await run(['sessions', 'revoke-others']);
    expect(others).toMatchObject({ code: 0, stdout: 'Ended 1 other session.\n' });
    await expect(client.uatJwt.me(user)).rejects.toMatchObject({ status: 401 });
    expect((await run(['whoami'])).code).toBe(0);

    const current = await run(['sessions', 'revoke', 'current']);
    expect(current).toMatchObject({ code: 0, stdout: 'Ended this session; signed out.\n' });
    expect(() => statSync(sessionFile)).toThrow();
    const after = await run(['sessions', 'list']);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain("not signed in: run 'tollgate login' first");
    expectNoTokens(list, revoke, again, others, current);
  });

  it('revoke-all ends every session, this one included; a JWT login works the same', async () => {
    const { server, client } = await fresh();
    const { run, sessionFile } = await signedIn(server.url, AVA, 'jwt');
    const pair = await client.tokenPair.login(AVA, { storage: createMemoryStorage() });
    const all = await run(['sessions', 'revoke-all']);
    expect(all).toMatchObject({ code: 0, stdout: 'Ended 2 sessions, this one included; signed out.\n' });
    expect(() => statSync(sessionFile)).toThrow();
    await expect(client.uatJwt.me(pair)).rejects.toMatchObject({ status: 401 });
  });
});

describe.concurrent('tollgate admin', () => {
  it('sessions, revoke-sessions (one, all), uats, revoke-uat', async () => {
    const { server, client } = await fresh();
    const { run } = await signedIn(server.url, ROOT);
    const ethanJwt = await client.uatJwt.login({ email: ETHAN.username, password: ETHAN.password });
    const ethanPair = await client.tokenPair.login(ETHAN, { storage: createMemoryStorage() });

    const table = await run(['admin', 'sessions', ETHAN.username]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+KIND\s+CREATED\s+LAST USED\s+EXPIRES\s+IP\s+ACTOR\s+USER AGENT\n/);
    expect(table.stdout).toMatch(/^[0-9a-f-]{36}\s+token_pair\s+\S+Z\s+\S+Z\s+\S+Z\s+127\.0\.0\.1\s+—\s+\S/m);
    expect(table.stdout).toMatch(/^\S+\s+jwt_login\s/m);
    const listed = JSON.parse(
      (await run(['admin', 'sessions', ETHAN.username, '--json'])).stdout,
    ) as SessionSummary[];
    expect(listed.map((session) => session.kind)).toEqual(['token_pair', 'jwt_login']);

    const one = await run(['admin', 'revoke-sessions', ETHAN.username, '--session', listed[1]!.id]);
    expect(one).toMatchObject({ code: 0, stdout: `Ended session ${listed[1]!.id} of ${ETHAN.username}.\n` });
    await expect(client.uatJwt.me(ethanJwt)).rejects.toMatchObject({ code: 'token_revoked' });
    expect((await client.uatJwt.me(ethanPair)).email).toBe(ETHAN.username);

    const ethan = await client.uatJwt.login({ email: ETHAN.username, password: ETHAN.password });
    const created = await client.uatJwt.createToken(ethan, {
      name: 'ci export',
      expiresAt: new Date(Date.now() + 86_400_000),
      permissions: ['scans_download'],
    });
    const all = await run(['admin', 'revoke-sessions', ETHAN.username]);
    expect(all).toMatchObject({ code: 0, stdout: `Ended 2 sessions of ${ETHAN.username}.\n` });
    await expect(client.uatJwt.me(ethanPair)).rejects.toMatchObject({ status: 401 });
    expect((await run(['admin', 'sessions', ETHAN.username])).stdout).toBe('No live sessions.\n');

    const uats = await run(['admin', 'uats', ETHAN.username]);
    expect(uats.code, uats.stderr).toBe(0);
    expect(uats.stdout).toMatch(/^ID\s+NAME\s+PREFIX\s+EXPIRES\s+LAST USED\s+STATUS\s+PERMISSIONS$/m);
    expect(uats.stdout).toMatch(
      new RegExp(`^${created.id}\\s+ci export\\s+tgu_\\S*\\s+\\S+\\s+—\\s+active\\s+scans_download$`, 'm'),
    );
    expect(uats.stdout).not.toContain(created.token);
    const revokeUat = await run(['admin', 'revoke-uat', ETHAN.username, created.id]);
    expect(revokeUat).toMatchObject({ code: 0, stdout: `Revoked UAT ${created.id} of ${ETHAN.username}.\n` });
    const uat = await client.uatJwt.useUat(created.token);
    await expect(client.uatJwt.me(uat)).rejects.toMatchObject({ code: 'token_revoked' });
    expect(JSON.parse((await run(['admin', 'uats', ETHAN.username, '--json'])).stdout)).toEqual([
      expect.objectContaining({ id: created.id, revoked_at: expect.any(String) }),
    ]);
    expect((await run(['admin', 'uats', AVA.username])).stdout).toBe(
      `${AVA.username} has no user authorization tokens.\n`,
    );
    expectNoTokens(table, one, all, uats, revokeUat);
  });

  it('disable, enable, audit; refusals are exit code 1 with the server’s code', async () => {
    const { server, client } = await fresh();
    const { run } = await signedIn(server.url, ROOT, 'jwt');
    const bob = await client.tokenPair.login(BOB, { storage: createMemoryStorage() });

    const disable = await run(['admin', 'disable', BOB.username]);
    expect(disable).toMatchObject({
      code: 0,
      stdout: `Disabled ${BOB.username}; every credential it held is revoked.\n`,
    });
    await expect(client.uatJwt.me(bob)).rejects.toMatchObject({ status: 401 });
    await expect(client.tokenPair.login(BOB)).rejects.toMatchObject({ code: 'invalid_credentials' });
    const enable = await run(['admin', 'enable', BOB.username]);
    expect(enable.code, enable.stderr).toBe(0);
    expect(enable.stdout).toContain(`Enabled ${BOB.username}`);
    await client.tokenPair.login(BOB, { storage: createMemoryStorage() });

    const audit = await run(['admin', 'audit', '--username', BOB.username]);
    expect(audit.code, audit.stderr).toBe(0);
    const rows = audit.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^AT\s+TYPE\s+USER\s+ACTOR\s+SESSION\s+IP\s+DETAILS$/);
    expect(rows[1]).toMatch(/^\S+Z\s+login\.succeeded\s/);
    expect(rows[2]).toMatch(/^\S+Z\s+user\.enabled\s/);
    expect(audit.stdout).toMatch(/user\.revoked\s.*\{"reason":"disabled"\}$/m);
    const rootId = JSON.parse((await run(['whoami', '--json'])).stdout).id as string;
    const json = JSON.parse(
      (await run(['admin', 'audit', '--actor', rootId, '--type', 'user.disabled', '--limit', '5', '--json']))
        .stdout,
    ) as { type: string; actor_id: string }[];
    expect(json).toEqual([expect.objectContaining({ type: 'user.disabled', actor_id: rootId })]);
    const none = await run(['admin', 'audit', '--since', new Date(Date.now() + 60_000).toISOString()]);
    expect(none).toMatchObject({ code: 0, stdout: 'No audit events.\n' });

    const unknown = await run(['admin', 'disable', 'nobody@example.test']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: No such user. [unknown_user, HTTP 404]\n');
    const ethan = await signedIn(server.url, ETHAN);
    const notAdmin = await ethan.run(['admin', 'sessions', AVA.username]);
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toContain('[not_an_administrator, HTTP 403]');
    expectNoTokens(disable, enable, audit, unknown, notAdmin);
  });
});

describe('tollgate sessions|admin: usage', () => {
  let server: SessionsServer;
  beforeAll(async () => {
    ({ server } = await fresh());
  });

  it('bad arguments are one-line errors with the command’s usage, exit code 2, before any request', async () => {
    const { run } = await signedIn(server.url, ROOT);
    const cases: [string[], string | RegExp][] = [
      [['sessions'], 'sessions needs a command: list, revoke, revoke-others, revoke-all'],
      [['sessions', 'drop'], 'unknown sessions command: drop'],
      [['sessions', 'list', 'extra'], 'unexpected argument: extra'],
      [['sessions', 'revoke'], "sessions revoke needs a session id (or 'current')"],
      [['sessions', 'revoke', 'a', 'b'], 'unexpected argument: b'],
      [['sessions', 'revoke-all', '--force'], 'unknown option --force'],
      [
        ['admin'],
        'admin needs a command: sessions, revoke-sessions, uats, revoke-uat, disable, enable, audit',
      ],
      [['admin', 'sessions'], 'admin sessions needs a username'],
      [['admin', 'revoke-sessions', ETHAN.username, '--session'], '--session needs a value'],
      [['admin', 'revoke-uat', ETHAN.username], 'admin revoke-uat needs a UAT id after the username'],
      [['admin', 'disable', 'a', 'b'], 'unexpected argument: b'],
      [['admin', 'audit', '--limit', '0'], '--limit wants 1 to 1000, not 0'],
      [['admin', 'audit', '--limit', 'ten'], '--limit wants 1 to 1000, not ten'],
      [
        ['admin', 'audit', '--since', 'yesterday'],
        /^tollgate: --since wants an ISO 8601 date .* not yesterday$/,
      ],
      [
        ['admin', 'audit', '--type', 'login'],
        /^tollgate: --type wants one of login\.succeeded, .*; not login$/,
      ],
      [
        ['admin', 'audit', '--since', '2030-01-02', '--until', '2030-01-01'],
        '--since must be before --until',
      ],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      const label = args.join(' ');
      expect(result.code, `${label}: ${result.stderr}`).toBe(2);
      expect(result.stdout, label).toBe('');
      const first = result.stderr.split('\n')[0];
      if (typeof message === 'string') expect(first, label).toBe(`tollgate: ${message}`);
      else expect(first, label).toMatch(message);
      expect(result.stderr, label).toMatch(/\nRun 'tollgate (sessions|admin)[\w -]* --help' for more\.\n$/);
    }
    // Nothing was ended by any of them.
    expect((await run(['sessions', 'list', '--json'])).stdout).toContain('"current": true');
    const notSignedIn = cli();
    expectUsageError(
      await notSignedIn.run(['admin', 'uats', ETHAN.username]),
      "not signed in: run 'tollgate login' first",
    );
  });
});
