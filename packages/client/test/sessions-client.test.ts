import type { AuditEventType as CoreAuditEventType } from '@tollgate/core';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  AUDIT_EVENT_TYPES,
  type AuditEventType,
  createAdminClient,
  createMemoryStorage,
  createSessionsClient,
  createTollgateClient,
  type Me,
  type TollgateClient,
  TollgateClientError,
} from '../src/index.js';
import { AVA, BOB, DOMAIN_ADMIN, ETHAN, ROOT } from './helpers.js';
import { type SessionsServer, startSessionsServer } from './sessions-server.js';

// The client's `sessions` and `admin` parts against a real server serving the opt-in `sessions`
// profile (SQLite, audit log on). Each test starts its own server: they revoke and disable.

const servers: SessionsServer[] = [];
async function fresh(options?: Parameters<typeof startSessionsServer>[0]) {
  const server = await startSessionsServer(options);
  servers.push(server);
  return { server, client: createTollgateClient({ baseUrl: server.url }) };
}
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function refused(promise: Promise<unknown>): Promise<TollgateClientError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TollgateClientError);
  return error as TollgateClientError;
}

/** ETHAN signed in three ways: a JWT login, a token pair, a user token (each its own session). */
async function threeSessions(client: TollgateClient) {
  const jwt = await client.uatJwt.login({ email: ETHAN.username, password: ETHAN.password });
  const pair = await client.tokenPair.login(ETHAN, { storage: createMemoryStorage() });
  const user = await client.userTokens.login(
    { ...ETHAN, environment: 'staging' },
    { storage: createMemoryStorage() },
  );
  return { jwt, pair, user };
}

describe.concurrent('sessions: the signed-in user’s own', () => {
  it('list: every live session, newest first, the caller’s marked current', async () => {
    const { client } = await fresh();
    const { jwt, pair, user } = await threeSessions(client);
    const listed = await client.sessions.list(pair);
    expect(listed.map((session) => session.kind)).toEqual(['user_token', 'token_pair', 'jwt_login']);
    expect(listed.map((session) => session.current)).toEqual([false, true, false]);
    for (const session of listed) {
      expect(session).toMatchObject({ actor: null, client_ip: expect.any(String) });
      expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.parse(session.created_at));
    }
    expect((await client.sessions.list(jwt)).find((session) => session.current)?.kind).toBe('jwt_login');
    expect((await client.sessions.list(user)).find((session) => session.current)?.kind).toBe('user_token');
  });

  it('revoke one: its tokens are refused at once; the others keep working', async () => {
    const { client } = await fresh();
    const { jwt, pair, user } = await threeSessions(client);
    const jwtSession = (await client.sessions.list(jwt)).find((session) => session.current)!;
    await client.sessions.revoke(pair, jwtSession.id);
    expect(await refused(client.uatJwt.me(jwt))).toMatchObject({ status: 401, code: 'token_revoked' });
    expect((await client.uatJwt.me(user)).email).toBe(ETHAN.username);
    expect((await client.sessions.list(pair)).map((session) => session.kind)).toEqual([
      'user_token',
      'token_pair',
    ]);
    // Unknown, already ended, and other users' sessions are one 404.
    expect(await refused(client.sessions.revoke(pair, jwtSession.id))).toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });

  it('revokeOthers: every other session ends, this one stays', async () => {
    const { client } = await fresh();
    const { jwt, pair, user } = await threeSessions(client);
    expect(await client.sessions.revokeOthers(user)).toBe(2);
    expect(await refused(client.uatJwt.me(jwt))).toMatchObject({ code: 'token_revoked' });
    expect(await refused(client.uatJwt.me(pair))).toMatchObject({ status: 401 });
    expect((await client.sessions.list(user)).map((session) => session.kind)).toEqual(['user_token']);
    expect(await client.sessions.revokeOthers(user)).toBe(0);
  });

  it('revokeCurrent and revoke(…, "current"): ended on the server, then here (storage cleared)', async () => {
    const { client } = await fresh();
    const storage = createMemoryStorage();
    const pair = await client.tokenPair.login(ETHAN, { storage });
    const token = await pair.token();
    const { refreshToken } = pair.state;
    await client.sessions.revokeCurrent(pair);
    expect(pair.ended).toBe(true);
    expect(await storage.get()).toBeNull();
    expect(await refused(client.sessions.list(pair))).toMatchObject({ code: 'session_ended', local: true });
    const raw = await fetch(`${client.baseUrl}api/v2/me/`, { headers: { authorization: `Bearer ${token}` } });
    expect(raw.status).toBe(401);
    expect(await refused(client.tokenPair.refresh(refreshToken))).toMatchObject({ code: 'token_revoked' });

    const jwt = await client.uatJwt.login({ email: AVA.username, password: AVA.password });
    await client.sessions.revoke(jwt, 'current');
    expect(jwt.ended).toBe(true);
  });

  it('revokeAll: every session, this one included', async () => {
    const { client } = await fresh();
    const { jwt, pair, user } = await threeSessions(client);
    expect(await client.sessions.revokeAll(jwt)).toBe(3);
    expect(jwt.ended).toBe(true);
    expect(await refused(client.uatJwt.me(pair))).toMatchObject({ status: 401 });
    expect(await refused(client.uatJwt.me(user))).toMatchObject({ status: 401 });
    const again = await client.uatJwt.login({ email: ETHAN.username, password: ETHAN.password });
    expect((await client.sessions.list(again)).length).toBe(1);
  });

  it('a UAT is no session: the server refuses it', async () => {
    const { client } = await fresh();
    const jwt = await client.uatJwt.login({ email: ETHAN.username, password: ETHAN.password });
    const created = await client.uatJwt.createToken(jwt, {
      name: 'script',
      expiresAt: new Date(Date.now() + 86_400_000),
      permissions: ['scans_download'],
    });
    const uat = await client.uatJwt.useUat(created.token);
    expect((await refused(client.sessions.list(uat))).status).toBeGreaterThanOrEqual(401);
  });

  it('each part alone: createSessionsClient, createAdminClient', async () => {
    const { server, client } = await fresh();
    const pair = await client.tokenPair.login(ROOT, { storage: createMemoryStorage() });
    expect(await createSessionsClient({ baseUrl: server.url }).list(pair)).toHaveLength(1);
    await client.uatJwt.login({ email: AVA.username, password: AVA.password });
    expect(await createAdminClient({ baseUrl: server.url }).listSessions(pair, AVA.username)).toHaveLength(1);
  });
});

describe.concurrent('admin: what administrators do to users', () => {
  it('listSessions, revokeSession, revokeSessions: with a session or a bare access token', async () => {
    const { client } = await fresh();
    const root = await client.tokenPair.login(ROOT, { storage: createMemoryStorage() });
    const { jwt, pair } = await threeSessions(client);
    const listed = await client.admin.listSessions(root, ETHAN.username);
    expect(listed.map((session) => session.kind)).toEqual(['user_token', 'token_pair', 'jwt_login']);
    expect(listed.every((session) => !session.current)).toBe(true);

    await client.admin.revokeSession(root, ETHAN.username, listed[2]!.id);
    expect(await refused(client.uatJwt.me(jwt))).toMatchObject({ code: 'token_revoked' });
    expect((await client.uatJwt.me(pair)).email).toBe(ETHAN.username);

    const token = await root.token(); // an access token as a string is sent as Bearer
    expect(await client.admin.revokeSessions(token, ETHAN.username)).toBe(2);
    expect(await refused(client.uatJwt.me(pair))).toMatchObject({ status: 401 });
    expect(await client.admin.listSessions(token, ETHAN.username)).toEqual([]);
  });

  it('listUats and revokeUat: the UAT stops working at once', async () => {
    const { client } = await fresh();
    const root = await client.uatJwt.login({ email: ROOT.username, password: ROOT.password });
    const ethan = await client.uatJwt.login({ email: ETHAN.username, password: ETHAN.password });
    const created = await client.uatJwt.createToken(ethan, {
      name: 'nightly export',
      expiresAt: new Date(Date.now() + 7 * 86_400_000),
      permissions: ['scans_download'],
    });
    const uats = await client.admin.listUats(root, ETHAN.username);
    expect(uats).toEqual([
      expect.objectContaining({ id: created.id, name: 'nightly export', revoked_at: null }),
    ]);
    expect(JSON.stringify(uats)).not.toContain(created.token);
    const uat = await client.uatJwt.useUat(created.token);
    expect((await uat.json<Me>('/api/v2/me/')).authenticatedBy).toBe('UAT');
    await client.admin.revokeUat(root, ETHAN.username, created.id);
    expect(await refused(uat.json('/api/v2/me/'))).toMatchObject({ code: 'token_revoked' });
    expect((await client.admin.listUats(root, ETHAN.username))[0]!.revoked_at).toEqual(expect.any(String));
  });

  it('disableUser refuses logins and revokes everything; enableUser lets it log in again', async () => {
    const { client } = await fresh();
    const root = await client.tokenPair.login(ROOT, { storage: createMemoryStorage() });
    const ethan = await client.tokenPair.login(ETHAN, { storage: createMemoryStorage() });
    await client.admin.disableUser(root, ETHAN.username);
    expect(await refused(client.uatJwt.me(ethan))).toMatchObject({ status: 401 });
    expect(await refused(client.tokenPair.login(ETHAN))).toMatchObject({ code: 'invalid_credentials' });
    await client.admin.enableUser(root, ETHAN.username);
    const again = await client.tokenPair.login(ETHAN, { storage: createMemoryStorage() });
    expect((await client.uatJwt.me(again)).email).toBe(ETHAN.username);
    expect(await refused(client.uatJwt.me(ethan))).toMatchObject({ status: 401 }); // still revoked
  });

  it('auditEvents: newest first, filtered by user, actor, type, time and limit', async () => {
    const { client } = await fresh();
    const root = await client.tokenPair.login(ROOT, { storage: createMemoryStorage() });
    const rootId = (await client.uatJwt.me(root)).id;
    const before = new Date();
    await client.tokenPair.login(AVA, { storage: createMemoryStorage() });
    await refused(client.tokenPair.login({ ...AVA, password: 'wrong' }));
    await client.admin.disableUser(root, AVA.username);
    await client.admin.enableUser(root, AVA.username);

    const ava = await client.admin.auditEvents(root, { username: AVA.username });
    expect(ava.map((event) => event.type).slice(0, 3)).toEqual([
      'user.enabled',
      'user.disabled',
      'user.revoked',
    ]);
    expect(ava.at(-1)).toMatchObject({
      type: 'login.succeeded',
      actor_id: null,
      details: { scheme: 'token_pair' },
    });
    const times = ava.map((event) => Date.parse(event.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(ava[0]).toMatchObject({ actor_id: rootId, details: {} });
    expect(ava.find((event) => event.type === 'user.revoked')?.details).toEqual({ reason: 'disabled' });
    expect(JSON.stringify(ava)).not.toContain(AVA.password);

    const failed = await client.admin.auditEvents(root, { type: 'login.failed' });
    expect(failed).toEqual([
      expect.objectContaining({ details: { username: AVA.username, reason: 'invalid_credentials' } }),
    ]);
    const byRoot = await client.admin.auditEvents(root, { actorId: rootId, type: 'user.disabled' });
    expect(byRoot.map((event) => event.type)).toEqual(['user.disabled']);
    expect(await client.admin.auditEvents(root, { username: AVA.username, limit: 2 })).toHaveLength(2);
    expect(await client.admin.auditEvents(root, { since: new Date(Date.now() + 60_000) })).toEqual([]);
    const window = await client.admin.auditEvents(root, {
      username: AVA.username,
      since: before.toISOString(),
      until: new Date(Date.now() + 1000),
    });
    expect(window).toHaveLength(ava.length);
  });

  it('reach and refusals: unknown_user, outside the domain, not an administrator, administrators', async () => {
    const { client } = await fresh();
    const domainAdmin = await client.tokenPair.login(DOMAIN_ADMIN, { storage: createMemoryStorage() });
    const ethan = await client.uatJwt.login({ email: ETHAN.username, password: ETHAN.password });
    expect(await refused(client.admin.listSessions(domainAdmin, 'nobody@example.test'))).toMatchObject({
      status: 404,
      code: 'unknown_user',
    });
    // Acme is outside the datastore domain: answered as unknown.
    expect(await refused(client.admin.disableUser(domainAdmin, BOB.username))).toMatchObject({
      code: 'unknown_user',
    });
    expect(await client.admin.listSessions(domainAdmin, ETHAN.username)).toHaveLength(1);
    expect(await refused(client.admin.listSessions(ethan, AVA.username))).toMatchObject({
      status: 403,
      code: 'not_an_administrator',
    });
    const root = await client.uatJwt.login({ email: ROOT.username, password: ROOT.password });
    expect(await refused(client.admin.disableUser(root, DOMAIN_ADMIN.username))).toMatchObject({
      status: 403,
      code: 'administrator_not_allowed',
    });
    expect(
      await refused(client.admin.auditEvents(domainAdmin, { type: 'nonsense' as AuditEventType })),
    ).toMatchObject({ status: 400, code: 'malformed_request' });
    await expect(client.admin.listSessions('', ETHAN.username)).rejects.toThrow(TypeError);
  });

  it('auditEvents without an audit log on the server: not_supported (501)', async () => {
    const { client } = await fresh({ audit: false });
    const root = await client.tokenPair.login(ROOT, { storage: createMemoryStorage() });
    expect(await refused(client.admin.auditEvents(root))).toMatchObject({
      status: 501,
      code: 'not_supported',
    });
  });
});

describe('AUDIT_EVENT_TYPES', () => {
  it('is the server’s list of audit event types', () => {
    expectTypeOf<AuditEventType>().toEqualTypeOf<CoreAuditEventType>();
    expect(new Set(AUDIT_EVENT_TYPES).size).toBe(AUDIT_EVENT_TYPES.length);
  });
});
