/**
 * Sessions (issue 14): every token belongs to one; a user lists theirs and ends one, the others or
 * all, and every token of an ended session is refused at once here and, after its next sync, on
 * another instance sharing the store.
 */
import { describe, expect, it } from 'vitest';
import type { SessionSummary } from './helpers/internals.js';
import {
  ACCOUNTS,
  buildDemo,
  DAY,
  type Demo,
  HOUR,
  MINUTE,
  rejectsWith,
  SECOND,
  secondInstance,
  settle,
} from './helpers/operation-rules.js';
import {
  adminCaller,
  allCredentials,
  as,
  expectAllAcceptedAndCached,
  expectAllRefused,
  letSync,
  verdict,
} from './sessions-fixtures.js';

const { ethan, ava, root } = ACCOUNTS;
const ROOT_ACTOR = { userId: root.id, username: root.username };
const SESSION_LIFETIME = 30 * DAY;

const byKind = (sessions: readonly SessionSummary[]) =>
  Object.fromEntries(sessions.map((s) => [s.kind + (s.actor ? '+actor' : ''), s]));

/** Ethan logged in every way, each session with its own address and user agent. */
async function everyScheme(demo: Demo) {
  const { tg, clock } = demo;
  const login = { username: ethan.username, password: ethan.password };
  const admin = await adminCaller(tg);
  const t0 = clock.now();
  const jwt = await tg.accessTokens.login({ ...login, clientIp: '192.0.2.1', userAgent: 'jwt-agent/1' });
  clock.advance(1);
  const userToken = await tg.userTokens.login({
    ...login,
    environment: 'staging',
    clientIp: '192.0.2.2',
    userAgent: 'user-token-agent/1',
  });
  clock.advance(1);
  const issued = await tg.userTokens.issue({
    caller: admin.principal,
    username: ethan.username,
    clientIp: '192.0.2.3',
    userAgent: 'admin-console/1',
  });
  clock.advance(1);
  const pair = await tg.tokenPair.login({ ...login, clientIp: '192.0.2.4', userAgent: 'pair-agent/1' });
  clock.advance(1);
  const delegated = await tg.delegatedLogin.issue({
    adminToken: admin.token,
    domain: 'datastore',
    userIdentity: ethan.username,
    customData: 'ticket 4711',
    clientIp: '192.0.2.5',
    userAgent: 'support-desk/1',
  });
  const principals = {
    jwt: await tg.requirePrincipal(as.jwt(jwt.token)),
    userToken: await tg.requirePrincipal(as.bearer(userToken.token)),
    issued: await tg.requirePrincipal(as.bearer(issued.token)),
    pair: await tg.requirePrincipal(as.bearer(pair.token)),
    delegated: await tg.requirePrincipal(as.cookie(delegated.token)),
  };
  return { t0, admin, jwt, userToken, issued, pair, delegated, principals };
}

describe('sessions.list: one session per login, whatever the scheme', () => {
  it('lists a session for each scheme, newest first, with its kind, actor, times, address and user agent', async () => {
    const demo = await buildDemo();
    const { t0, principals, delegated } = await everyScheme(demo);
    const sessions = await demo.tg.sessions.list({ caller: principals.pair });
    expect(sessions.map((s) => s.kind)).toEqual([
      'delegated',
      'token_pair',
      'user_token',
      'user_token',
      'jwt_login',
    ]);
    expect(sessions.map((s) => s.createdAt.getTime())).toEqual([t0 + 4, t0 + 3, t0 + 2, t0 + 1, t0]);
    const kinds = byKind(sessions);
    expect(kinds.jwt_login).toMatchObject({
      actor: null,
      clientIp: '192.0.2.1',
      userAgent: 'jwt-agent/1',
      // The session of a JWT login ends with its one token.
      expiresAt: new Date(Math.floor(t0 / 1000) * 1000 + HOUR),
    });
    expect(kinds.user_token).toMatchObject({
      actor: null,
      clientIp: '192.0.2.2',
      userAgent: 'user-token-agent/1',
      expiresAt: new Date(Math.floor((t0 + 1) / 1000) * 1000 + SESSION_LIFETIME),
    });
    expect(kinds['user_token+actor']).toMatchObject({
      actor: ROOT_ACTOR,
      clientIp: '192.0.2.3',
      userAgent: 'admin-console/1',
    });
    expect(kinds.token_pair).toMatchObject({
      actor: null,
      clientIp: '192.0.2.4',
      userAgent: 'pair-agent/1',
      expiresAt: new Date(t0 + 3 + SESSION_LIFETIME),
    });
    expect(kinds['delegated+actor']).toMatchObject({
      id: delegated.sessionId,
      actor: ROOT_ACTOR,
      clientIp: '192.0.2.5',
      userAgent: 'support-desk/1',
      expiresAt: new Date(Math.floor((t0 + 4) / 1000) * 1000 + HOUR),
    });
    for (const session of sessions) expect(session.lastUsedAt).toEqual(session.createdAt);
    // The principal of each token names its session.
    expect(principals.jwt.sessionId).toBe(kinds.jwt_login!.id);
    expect(principals.userToken.sessionId).toBe(kinds.user_token!.id);
    expect(principals.issued.sessionId).toBe(kinds['user_token+actor']!.id);
    expect(principals.pair.sessionId).toBe(kinds.token_pair!.id);
    expect(principals.delegated.sessionId).toBe(delegated.sessionId);
  });

  it('marks as current the session of the token that asks, and only it, for every scheme', async () => {
    const demo = await buildDemo();
    const { principals } = await everyScheme(demo);
    for (const [name, caller] of Object.entries(principals)) {
      const sessions = await demo.tg.sessions.list({ caller });
      expect(sessions, name).toHaveLength(5);
      const current = sessions.filter((s) => s.current);
      expect(
        current.map((s) => s.id),
        name,
      ).toEqual([caller.sessionId]);
    }
  });

  it('lists only the caller’s own sessions', async () => {
    const demo = await buildDemo();
    await everyScheme(demo);
    const avaPair = await demo.tg.tokenPair.login({ username: ava.username, password: ava.password });
    const caller = await demo.tg.requirePrincipal(as.bearer(avaPair.token));
    const sessions = await demo.tg.sessions.list({ caller });
    expect(sessions.map((s) => [s.kind, s.current])).toEqual([['token_pair', true]]);
  });

  it('keeps at most 512 characters of a user agent, and null when none was given', async () => {
    const demo = await buildDemo();
    const { token } = await demo.tg.accessTokens.login({
      username: ethan.username,
      password: ethan.password,
      userAgent: 'x'.repeat(2000),
    });
    demo.clock.advance(1);
    await demo.tg.accessTokens.login({ username: ethan.username, password: ethan.password });
    const caller = await demo.tg.requirePrincipal(as.jwt(token));
    const [bare, long] = await demo.tg.sessions.list({ caller });
    expect(long!.userAgent).toBe('x'.repeat(512));
    expect(bare).toMatchObject({ clientIp: null, userAgent: null });
  });

  it('advances lastUsedAt when a token pair or a user token is refreshed, and only that session’s', async () => {
    const demo = await buildDemo();
    const { tg, clock } = demo;
    const { pair, userToken } = await everyScheme(demo);
    // everyScheme verified a token of each session just now: that is a use too.
    const t1 = clock.now();
    const admin = await adminCaller(tg);
    const list = async () =>
      byKind(await tg.admin.listSessions({ caller: admin.principal, username: ethan.username }));
    await settle();
    for (const session of Object.values(await list())) expect(session.lastUsedAt.getTime()).toBe(t1);

    clock.advance(5 * MINUTE);
    const r1 = await tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
    await settle();
    let sessions = await list();
    expect(sessions.token_pair!.lastUsedAt.getTime()).toBe(t1 + 5 * MINUTE);
    expect(sessions.user_token!.lastUsedAt.getTime()).toBe(t1);
    expect(sessions.jwt_login!.lastUsedAt.getTime()).toBe(t1);

    // Within the minute after the last write, a use is not written again (touches are throttled)…
    clock.advance(50 * SECOND);
    const r2 = await tg.tokenPair.refresh({ refreshToken: r1.refreshToken });
    await settle();
    expect((await list()).token_pair!.lastUsedAt.getTime()).toBe(t1 + 5 * MINUTE);
    // …a minute after it, it is.
    clock.advance(10 * SECOND);
    await tg.tokenPair.refresh({ refreshToken: r2.refreshToken });
    await settle();
    expect((await list()).token_pair!.lastUsedAt.getTime()).toBe(t1 + 6 * MINUTE);

    clock.advance(7 * MINUTE);
    await tg.userTokens.refresh({ token: userToken.token });
    await settle();
    sessions = await list();
    expect(sessions.user_token!.lastUsedAt.getTime()).toBe(t1 + 13 * MINUTE);
    expect(sessions.token_pair!.lastUsedAt.getTime()).toBe(t1 + 6 * MINUTE);
    expect(sessions['user_token+actor']!.lastUsedAt.getTime()).toBe(t1);
  });

  it('no longer lists a session once it has expired', async () => {
    const demo = await buildDemo();
    const { principals } = await everyScheme(demo);
    demo.clock.advance(HOUR);
    // The JWT login's and the delegated session are over; the pair's refresh token is still good.
    const pair = await demo.tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    const caller = await demo.tg.requirePrincipal(as.bearer(pair.token));
    const kinds = (await demo.tg.sessions.list({ caller })).map((s) => s.kind);
    expect(kinds).toEqual(['token_pair', 'token_pair', 'user_token', 'user_token']);
    expect(principals.jwt.expiresAt).toBeLessThanOrEqual(demo.clock.now());
  });
});

describe('sessions.revoke / revokeOthers / revokeAll', () => {
  async function twoInstances() {
    const demo = await buildDemo();
    const other = secondInstance(demo);
    const creds = await allCredentials(demo, ethan);
    const avaPair = await demo.tg.tokenPair.login({ username: ava.username, password: ava.password });
    await expectAllAcceptedAndCached(demo.tg, creds.requests, ethan.id);
    await expectAllAcceptedAndCached(other, creds.requests, ethan.id);
    return { demo, other, creds, avaPair };
  }

  it('revoke: every token of that session is refused at once here, after its sync on another instance', async () => {
    const { demo, other, creds, avaPair } = await twoInstances();
    const { tg } = demo;
    const caller = await tg.requirePrincipal(as.jwt(creds.jwt));
    const pairSession = (await tg.requirePrincipal(as.bearer(creds.pair.token))).sessionId!;
    await tg.sessions.revoke({ caller, sessionId: pairSession });

    const revoked = creds.requests.filter(([name]) => name === 'token pair access token');
    const untouched = creds.requests.filter(([name]) => name !== 'token pair access token');
    await expectAllRefused(tg, revoked);
    for (const [name, request] of untouched) expect(await verdict(tg, request), name).toBe(`ok:${ethan.id}`);
    await rejectsWith(tg.tokenPair.refresh({ refreshToken: creds.pair.refreshToken }), 'token_revoked');

    await letSync(demo, other, as.bearer(avaPair.token));
    await expectAllRefused(other, revoked);
    for (const [name, request] of untouched)
      expect(await verdict(other, request), name).toBe(`ok:${ethan.id}`);
    await rejectsWith(other.tokenPair.refresh({ refreshToken: creds.pair.refreshToken }), 'token_revoked');
    expect(await verdict(other, as.bearer(avaPair.token))).toBe(`ok:${ava.id}`);

    const left = await tg.sessions.list({ caller });
    expect(left.map((s) => s.id)).not.toContain(pairSession);
    expect(left).toHaveLength(4);
  });

  it('revoke: a user-token session’s refresh and environments are refused at once, on both instances', async () => {
    const { demo, other, creds } = await twoInstances();
    const { tg } = demo;
    const caller = await tg.requirePrincipal(as.bearer(creds.pair.token));
    for (const token of [creds.userToken, creds.issuedUserToken]) {
      const sessionId = (await tg.requirePrincipal(as.bearer(token))).sessionId!;
      await tg.sessions.revoke({ caller, sessionId });
      await rejectsWith(tg.userTokens.refresh({ token }), 'token_revoked');
      await rejectsWith(tg.userTokens.environments({ token }), 'token_revoked');
      // The other instance has not synced yet: the refresh reads the session from the store.
      await rejectsWith(other.userTokens.refresh({ token }), 'token_revoked');
      await rejectsWith(other.userTokens.refresh({ token, environment: 'staging' }), 'token_revoked');
    }
    expect(await verdict(tg, as.bearer(creds.userToken))).toBe('token_revoked');
    expect(await verdict(tg, as.bearer(creds.issuedUserToken))).toBe('token_revoked');
  });

  it('revoke: a refreshed token of the session is refused too (a user token’s refresh keeps its session)', async () => {
    const demo = await buildDemo();
    const { tg, clock } = demo;
    const first = await tg.userTokens.login({ username: ethan.username, password: ethan.password });
    clock.advance(MINUTE);
    const second = await tg.userTokens.refresh({ token: first.token });
    clock.advance(MINUTE);
    const pair = await tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    const next = await tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
    const a = await tg.requirePrincipal(as.bearer(first.token));
    const b = await tg.requirePrincipal(as.bearer(second.token));
    const p = await tg.requirePrincipal(as.bearer(next.token));
    expect(b.sessionId).toBe(a.sessionId);
    await tg.sessions.revoke({ caller: p, sessionId: a.sessionId! });
    expect(await verdict(tg, as.bearer(first.token))).toBe('token_revoked');
    expect(await verdict(tg, as.bearer(second.token))).toBe('token_revoked');
    // Both access tokens of the pair's session go with it.
    await tg.sessions.revoke({ caller: p, sessionId: p.sessionId! });
    expect(await verdict(tg, as.bearer(pair.token))).toBe('token_revoked');
    expect(await verdict(tg, as.bearer(next.token))).toBe('token_revoked');
    await rejectsWith(tg.tokenPair.refresh({ refreshToken: next.refreshToken }), 'token_revoked');
  });

  it('revokeOthers: ends every session but the caller’s; the caller’s keeps working', async () => {
    const { demo, other, creds, avaPair } = await twoInstances();
    const { tg } = demo;
    const caller = await tg.requirePrincipal(as.bearer(creds.pair.token));
    expect(await tg.sessions.revokeOthers({ caller })).toBe(4);
    const others = creds.requests.filter(([name]) => name !== 'token pair access token' && name !== 'UAT');
    await expectAllRefused(tg, others);
    expect(await verdict(tg, as.bearer(creds.pair.token))).toBe(`ok:${ethan.id}`);
    expect((await tg.sessions.list({ caller })).map((s) => [s.id, s.current])).toEqual([
      [caller.sessionId, true],
    ]);
    await rejectsWith(tg.userTokens.refresh({ token: creds.userToken }), 'token_revoked');
    const next = await tg.tokenPair.refresh({ refreshToken: creds.pair.refreshToken });
    expect(await verdict(tg, as.bearer(next.token))).toBe(`ok:${ethan.id}`);

    await letSync(demo, other, as.bearer(avaPair.token));
    await expectAllRefused(other, others);
    expect(await verdict(other, as.bearer(creds.pair.token))).toBe(`ok:${ethan.id}`);
    // Nothing else to end.
    expect(await tg.sessions.revokeOthers({ caller })).toBe(0);
  });

  it('revokeAll: ends every session, the caller’s own included; the refresh tokens are refused', async () => {
    const { demo, other, creds, avaPair } = await twoInstances();
    const { tg } = demo;
    const caller = await tg.requirePrincipal(as.bearer(creds.userToken));
    expect(await tg.sessions.revokeAll({ caller })).toBe(5);
    const sessionTokens = creds.requests.filter(([name]) => name !== 'UAT');
    await expectAllRefused(tg, sessionTokens);
    await rejectsWith(tg.tokenPair.refresh({ refreshToken: creds.pair.refreshToken }), 'token_revoked');
    await rejectsWith(tg.userTokens.refresh({ token: creds.userToken }), 'token_revoked');
    await rejectsWith(tg.userTokens.refresh({ token: creds.issuedUserToken }), 'token_revoked');
    // Ava's session is hers: untouched.
    expect(await verdict(tg, as.bearer(avaPair.token))).toBe(`ok:${ava.id}`);

    await letSync(demo, other, as.bearer(avaPair.token));
    await expectAllRefused(other, sessionTokens);
    await rejectsWith(other.tokenPair.refresh({ refreshToken: creds.pair.refreshToken }), 'token_revoked');
    expect(await verdict(other, as.bearer(avaPair.token))).toBe(`ok:${ava.id}`);

    // A new login starts a new session that works.
    const fresh = await tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    expect(await verdict(tg, as.bearer(fresh.token))).toBe(`ok:${ethan.id}`);
    expect(await verdict(other, as.bearer(fresh.token))).toBe(`ok:${ethan.id}`);
  });

  it('leaves UATs alone: they belong to no session', async () => {
    const demo = await buildDemo();
    const creds = await allCredentials(demo, ethan, { withUat: true });
    const caller = await demo.tg.requirePrincipal(as.jwt(creds.jwt));
    await demo.tg.sessions.revokeAll({ caller });
    expect(await verdict(demo.tg, as.uat(creds.uat!))).toBe(`ok:${ethan.id}`);
  });

  it('revoke: another user’s session, an unknown or an already ended one is not_found and changes nothing', async () => {
    const demo = await buildDemo();
    const { tg } = demo;
    const avaPair = await tg.tokenPair.login({ username: ava.username, password: ava.password });
    const avaSession = (await tg.requirePrincipal(as.bearer(avaPair.token))).sessionId!;
    const pair = await tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    const caller = await tg.requirePrincipal(as.bearer(pair.token));
    await rejectsWith(tg.sessions.revoke({ caller, sessionId: avaSession }), 'not_found');
    expect(await verdict(tg, as.bearer(avaPair.token))).toBe(`ok:${ava.id}`);
    expect((await tg.tokenPair.refresh({ refreshToken: avaPair.refreshToken })).customerId).toBeTruthy();
    await rejectsWith(
      tg.sessions.revoke({ caller, sessionId: '0190c0de-0000-7000-8000-000000000000' }),
      'not_found',
    );
    await rejectsWith(tg.sessions.revoke({ caller, sessionId: '' }), 'malformed_request');
    const jwt = await tg.accessTokens.login({ username: ethan.username, password: ethan.password });
    const jwtSession = (await tg.requirePrincipal(as.jwt(jwt.token))).sessionId!;
    await tg.sessions.revoke({ caller, sessionId: jwtSession });
    await rejectsWith(tg.sessions.revoke({ caller, sessionId: jwtSession }), 'not_found');
  });

  it('a UAT cannot list or end sessions (wrong_token_kind), and ends none trying', async () => {
    const demo = await buildDemo();
    const { tg } = demo;
    const creds = await allCredentials(demo, ethan, { withUat: true });
    const caller = await tg.requirePrincipal(as.uat(creds.uat!));
    expect(caller.tokenKind).toBe('uat');
    expect(caller.sessionId).toBeNull();
    const sessionId = (await tg.requirePrincipal(as.jwt(creds.jwt))).sessionId!;
    await rejectsWith(tg.sessions.list({ caller }), 'wrong_token_kind');
    await rejectsWith(tg.sessions.revoke({ caller, sessionId }), 'wrong_token_kind');
    await rejectsWith(tg.sessions.revokeOthers({ caller }), 'wrong_token_kind');
    await rejectsWith(tg.sessions.revokeAll({ caller }), 'wrong_token_kind');
    expect(await verdict(tg, as.jwt(creds.jwt))).toBe(`ok:${ethan.id}`);
    const owner = await tg.requirePrincipal(as.jwt(creds.jwt));
    expect(await tg.sessions.list({ caller: owner })).toHaveLength(5);
  });
});

describe('admin.listSessions / admin.revokeSessions', () => {
  it('an administrator lists a user’s sessions (none current) and ends one or all of them', async () => {
    const demo = await buildDemo();
    const { tg } = demo;
    const other = secondInstance(demo);
    const creds = await allCredentials(demo, ethan);
    const admin = await adminCaller(tg);
    await expectAllAcceptedAndCached(other, creds.requests, ethan.id);
    const sessions = await tg.admin.listSessions({ caller: admin.principal, username: ethan.username });
    expect(sessions).toHaveLength(5);
    expect(sessions.some((s) => s.current)).toBe(false);

    const jwtSession = (await tg.requirePrincipal(as.jwt(creds.jwt))).sessionId!;
    expect(
      await tg.admin.revokeSessions({
        caller: admin.principal,
        username: ethan.username,
        sessionId: jwtSession,
      }),
    ).toBe(1);
    expect(await verdict(tg, as.jwt(creds.jwt))).toBe('token_revoked');
    expect(await verdict(tg, as.bearer(creds.pair.token))).toBe(`ok:${ethan.id}`);
    await rejectsWith(
      tg.admin.revokeSessions({ caller: admin.principal, username: ethan.username, sessionId: jwtSession }),
      'not_found',
    );

    expect(await tg.admin.revokeSessions({ caller: admin.principal, username: ethan.username })).toBe(4);
    await expectAllRefused(tg, creds.requests);
    await letSync(demo, other, as.bearer(admin.token));
    await expectAllRefused(other, creds.requests);
    expect(await tg.admin.listSessions({ caller: admin.principal, username: ethan.username })).toEqual([]);
    // The administrator's own session is not one of them.
    expect(await verdict(tg, as.bearer(admin.token))).toBe(`ok:${root.id}`);
  });

  it('an administrator cannot end a session of another user by naming the wrong one', async () => {
    const demo = await buildDemo();
    const { tg } = demo;
    const admin = await adminCaller(tg);
    const avaPair = await tg.tokenPair.login({ username: ava.username, password: ava.password });
    const avaSession = (await tg.requirePrincipal(as.bearer(avaPair.token))).sessionId!;
    await rejectsWith(
      tg.admin.revokeSessions({ caller: admin.principal, username: ethan.username, sessionId: avaSession }),
      'not_found',
    );
    expect(await verdict(tg, as.bearer(avaPair.token))).toBe(`ok:${ava.id}`);
  });
});
