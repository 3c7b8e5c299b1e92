/**
 * Audit events (issue 14): each type emitted with who (userId), who acted (actorId), the session and
 * where from, never a password or a token value; `admin.auditEvents` reads them back with filters and
 * within an administrator's reach; a failing sink never fails the operation.
 */
import { describe, expect, it } from 'vitest';
import {
  AUDIT_EVENT_TYPES,
  type AuditEvent,
  type AuditEventType,
  type AuditLog,
  type AuditSink,
  createMemoryAuditLog,
  type Principal,
} from './helpers/internals.js';
import {
  ACCOUNTS,
  buildDemo,
  type Demo,
  ORG,
  rejectsWith,
  SECOND,
  settle,
} from './helpers/operation-rules.js';
import { adminCaller, allCredentials, as } from './sessions-fixtures.js';

const { ethan, ava, bob, domainAdmin, root } = ACCOUNTS;
const CLIENT = { clientIp: '198.51.100.23', userAgent: 'audit-test/1.0' };
const WRONG_PASSWORD = 'Wr0ng!guess-7781';
const NEW_PASSWORD = 'Fresh!pass-5521';
const CREATED_PASSWORD = 'Cr3ated!pass-9090';

/** Every type of the catalogue: each must be emitted by the run below. */
const ALL_TYPES = AUDIT_EVENT_TYPES;

async function auditedDemo(options: Parameters<typeof buildDemo>[0] = {}) {
  const log = createMemoryAuditLog();
  const demo = await buildDemo({
    ...options,
    options: {
      audit: log,
      loginLimits: { perAccountAndIp: { maxFailures: 2, windowSeconds: 60, blockSeconds: 60 } },
      ...options.options,
    },
  });
  return { ...demo, log };
}

const all = (log: AuditLog) => log.query({ limit: 1000 });

/**
 * `actual` (newest first, as the log answers) is `expected` (in the order they were emitted): most of
 * these happen in one millisecond of the fake clock, and the log keeps that order within it too.
 */
function inEmissionOrder(actual: readonly unknown[], expected: readonly unknown[]): void {
  expect([...actual].reverse()).toEqual(expected);
}
const ofType = async <T extends AuditEventType>(log: AuditLog, type: T) =>
  (await log.query({ type, limit: 1000 })) as AuditEvent<T>[];

/** Everything a run of every operation produced: the secrets to look for, and the ids to expect. */
async function everyEvent(demo: Demo & { log: AuditLog }) {
  const { tg, clock } = demo;
  const secrets: string[] = [WRONG_PASSWORD, NEW_PASSWORD, CREATED_PASSWORD];
  for (const account of Object.values(ACCOUNTS)) secrets.push(account.password);
  const keep = (...values: string[]) => {
    for (const value of values) secrets.push(value);
  };
  const admin = await adminCaller(tg);
  keep(admin.token);
  const sessionOf = async (request: Parameters<typeof tg.requirePrincipal>[0]) =>
    (await tg.requirePrincipal(request)).sessionId!;

  // Logins, failed and succeeded, one of each scheme.
  await rejectsWith(
    tg.login({ username: ethan.username, password: WRONG_PASSWORD, ...CLIENT }),
    'invalid_credentials',
  );
  const jwt = await tg.accessTokens.login({ username: ethan.username, password: ethan.password, ...CLIENT });
  const userToken = await tg.userTokens.login({
    username: ethan.username,
    password: ethan.password,
    ...CLIENT,
  });
  const pair = await tg.tokenPair.login({ username: ethan.username, password: ethan.password, ...CLIENT });
  keep(jwt.token, userToken.token, pair.token, pair.refreshToken);
  const ids = {
    jwt: await sessionOf(as.jwt(jwt.token)),
    userToken: await sessionOf(as.bearer(userToken.token)),
    pair: await sessionOf(as.bearer(pair.token)),
  };
  // Issued by an administrator, delegated.
  const issued = await tg.userTokens.issue({ caller: admin.principal, username: ethan.username, ...CLIENT });
  const delegated = await tg.delegatedLogin.issue({
    adminToken: admin.token,
    domain: 'datastore',
    userIdentity: ethan.username,
    customData: 'ticket 4711',
    ...CLIENT,
  });
  keep(issued.token, delegated.token);
  const issuedSession = await sessionOf(as.bearer(issued.token));
  // Refreshes: a rotation, a retry within the interval, a user token's, then reuse.
  const r1 = await tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
  const r2 = await tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
  const u1 = await tg.userTokens.refresh({ token: issued.token });
  keep(r1.token, r1.refreshToken, r2.token, r2.refreshToken, u1.token);
  clock.advance(11 * SECOND);
  await rejectsWith(tg.tokenPair.refresh({ refreshToken: r1.refreshToken }), 'refresh_token_reused');
  // UATs: created and revoked by the owner, created and revoked by an administrator.
  const owner = await tg.requirePrincipal(as.jwt(jwt.token));
  const uatInput = {
    name: 'nightly export',
    expiresAt: new Date(clock.now() + 86_400_000),
    permissions: ['scans_download'],
  };
  const uat1 = await tg.uats.create({ caller: owner, ...uatInput });
  const uat2 = await tg.uats.create({ caller: owner, ...uatInput, name: 'second' });
  keep(uat1.token, uat2.token);
  await tg.uats.revoke({ caller: owner, id: uat1.id });
  await tg.admin.revokeUat({ caller: admin.principal, username: ethan.username, uatId: uat2.id, ...CLIENT });
  // Sessions ended by the user, by an administrator (the delegated one: delegation.ended).
  await tg.sessions.revoke({ caller: owner, sessionId: ids.userToken, ...CLIENT });
  await tg.admin.revokeSessions({
    caller: admin.principal,
    username: ethan.username,
    sessionId: delegated.sessionId,
    ...CLIENT,
  });
  // The lifecycle: create, new password, log out everywhere, disable, enable.
  const created = await tg.users.create({
    username: 'new.hire@datastoreltd.biz',
    email: 'new.hire@datastoreltd.biz',
    password: CREATED_PASSWORD,
    kind: 'customer',
    organisationId: ORG.datastore,
    actorId: root.id,
    ...CLIENT,
  });
  await tg.users.setPassword({ username: ava.username, password: NEW_PASSWORD, actorId: 'cli' });
  await tg.users.logOutEverywhere({ username: ethan.username, ...CLIENT });
  await tg.admin.disableUser({ caller: admin.principal, username: bob.username, ...CLIENT });
  await tg.admin.enableUser({ caller: admin.principal, username: bob.username, ...CLIENT });
  // A rate limit hit: the third failure from one address on one account.
  const limited = { username: ava.username, password: WRONG_PASSWORD, clientIp: '203.0.113.99' };
  await rejectsWith(tg.login(limited), 'invalid_credentials');
  await rejectsWith(tg.login(limited), 'invalid_credentials');
  await rejectsWith(tg.login(limited), 'rate_limited');
  return { admin, ids, issuedSession, delegated, uat1, uat2, created, secrets };
}

describe('audit events: every type, with the right subject', () => {
  it('emits each of the 16 types', async () => {
    const demo = await auditedDemo();
    await everyEvent(demo);
    const types = new Set((await all(demo.log)).map((e) => e.type));
    expect([...types].sort()).toEqual([...ALL_TYPES].sort());
  });

  it('records userId, actorId, sessionId, address and user agent of each', async () => {
    const demo = await auditedDemo();
    const { admin, ids, issuedSession, delegated, uat1, uat2, created } = await everyEvent(demo);
    const { log } = demo;
    const subject = (e: AuditEvent) => ({
      userId: e.userId,
      actorId: e.actorId,
      sessionId: e.sessionId,
      clientIp: e.clientIp,
      userAgent: e.userAgent,
    });
    const at = { clientIp: CLIENT.clientIp, userAgent: CLIENT.userAgent };
    const none = { clientIp: null, userAgent: null };

    const failed = await ofType(log, 'login.failed');
    inEmissionOrder(
      failed.map((e) => [subject(e), e.details]),
      [
        [
          // A known username: the event names the user it is about (looked up after the answer).
          { userId: ethan.id, actorId: null, sessionId: null, ...at },
          { username: ethan.username, reason: 'invalid_credentials' },
        ],
        [
          { userId: ava.id, actorId: null, sessionId: null, clientIp: '203.0.113.99', userAgent: null },
          { username: ava.username, reason: 'invalid_credentials' },
        ],
        [
          { userId: ava.id, actorId: null, sessionId: null, clientIp: '203.0.113.99', userAgent: null },
          { username: ava.username, reason: 'invalid_credentials' },
        ],
        [
          { userId: ava.id, actorId: null, sessionId: null, clientIp: '203.0.113.99', userAgent: null },
          { username: ava.username, reason: 'rate_limited' },
        ],
      ],
    );
    expect((await ofType(log, 'rate_limit.hit')).map((e) => [e.clientIp, e.details])).toEqual([
      ['203.0.113.99', { username: ava.username, rule: 'login' }],
    ]);

    const succeeded = (await ofType(log, 'login.succeeded')).filter((e) => e.userId === ethan.id);
    inEmissionOrder(
      succeeded.map((e) => [e.details.scheme, e.sessionId, e.clientIp, e.userAgent]),
      [
        ['jwt_login', ids.jwt, at.clientIp, at.userAgent],
        ['user_token', ids.userToken, at.clientIp, at.userAgent],
        ['token_pair', ids.pair, at.clientIp, at.userAgent],
      ],
    );

    expect((await ofType(log, 'token.issued')).map(subject)).toEqual([
      { userId: ethan.id, actorId: root.id, sessionId: issuedSession, ...at },
    ]);
    expect((await ofType(log, 'token.issued'))[0]!.details).toEqual({ tokenKind: 'user', jti: null });

    const refreshed = await ofType(log, 'token.refreshed');
    inEmissionOrder(
      refreshed.map((e) => [e.userId, e.actorId, e.sessionId, e.details]),
      [
        [ethan.id, null, ids.pair, { tokenKind: 'access', retry: false }],
        [ethan.id, null, ids.pair, { tokenKind: 'access', retry: true }],
        [ethan.id, root.id, issuedSession, { tokenKind: 'user', retry: false }],
      ],
    );
    expect((await ofType(log, 'refresh.reuse_detected')).map(subject)).toEqual([
      { userId: ethan.id, actorId: null, sessionId: ids.pair, ...none },
    ]);

    expect((await ofType(log, 'delegation.started')).map((e) => [subject(e), e.details])).toEqual([
      [
        { userId: ethan.id, actorId: root.id, sessionId: delegated.sessionId, ...at },
        { customData: 'ticket 4711' },
      ],
    ]);
    const ended = await ofType(log, 'delegation.ended');
    expect(ended.map((e) => [subject(e), e.details])).toEqual([
      [
        { userId: ethan.id, actorId: root.id, sessionId: delegated.sessionId, ...at },
        { customData: 'ticket 4711' },
      ],
    ]);

    const revoked = await ofType(log, 'session.revoked');
    inEmissionOrder(
      revoked.map((e) => [subject(e), e.details]),
      [
        [{ userId: ethan.id, actorId: null, sessionId: ids.userToken, ...at }, { by: 'user' }],
        [
          { userId: ethan.id, actorId: root.id, sessionId: delegated.sessionId, ...at },
          { by: 'administrator' },
        ],
      ],
    );

    const uatsCreated = await ofType(log, 'uat.created');
    inEmissionOrder(
      uatsCreated.map((e) => [e.userId, e.sessionId, e.details]),
      [
        [ethan.id, ids.jwt, { uatId: uat1.id, name: 'nightly export', permissions: ['scans_download'] }],
        [ethan.id, ids.jwt, { uatId: uat2.id, name: 'second', permissions: ['scans_download'] }],
      ],
    );
    const uatsRevoked = await ofType(log, 'uat.revoked');
    inEmissionOrder(
      uatsRevoked.map((e) => [e.userId, e.actorId, e.details.uatId]),
      [
        [ethan.id, null, uat1.id],
        [ethan.id, root.id, uat2.id],
      ],
    );

    expect((await ofType(log, 'user.created')).map((e) => [subject(e), e.details])).toEqual([
      [
        { userId: created.id, actorId: root.id, sessionId: null, ...at },
        { username: 'new.hire@datastoreltd.biz' },
      ],
    ]);
    const userRevoked = await ofType(log, 'user.revoked');
    inEmissionOrder(
      userRevoked.map((e) => [e.userId, e.actorId, e.details.reason]),
      [
        [ava.id, 'cli', 'password_changed'],
        [ethan.id, null, 'log_out_everywhere'],
        [bob.id, root.id, 'disabled'],
      ],
    );
    expect((await ofType(log, 'user.password_changed')).map((e) => [e.userId, e.actorId])).toEqual([
      [ava.id, 'cli'],
    ]);
    expect((await ofType(log, 'user.disabled')).map(subject)).toEqual([
      { userId: bob.id, actorId: root.id, sessionId: null, ...at },
    ]);
    expect((await ofType(log, 'user.enabled')).map(subject)).toEqual([
      { userId: bob.id, actorId: root.id, sessionId: null, ...at },
    ]);
    // The administrator's own login is audited as its own.
    expect((await log.query({ type: 'login.succeeded', userId: root.id })).map((e) => e.sessionId)).toEqual([
      admin.principal.sessionId,
    ]);
    // Every event is of one of the operations above: nothing else was emitted.
    // 4 failed logins, 1 rate limit, 4 logins, 1 issued, 3 refreshes, 1 reuse, 1 delegation started and 1
    // ended, 2 sessions ended, 2 UATs created and 2 revoked, 1 user created, 3 user revocations, 1 new
    // password, 1 disabled, 1 enabled.
    expect(await all(log)).toHaveLength(29);
  });

  it('never contains a password or a token value, nor a token’s signature', async () => {
    const demo = await auditedDemo();
    const { secrets } = await everyEvent(demo);
    const events = await all(demo.log);
    expect(events.length).toBeGreaterThan(25);
    const text = JSON.stringify(events);
    // Each JWT's signature and each opaque token's random part on their own too.
    const pieces = secrets.flatMap((s) => {
      const segments = s.split('.');
      return segments.length === 3 ? [s, segments[2]!] : [s, s.slice(-24)];
    });
    const found = pieces.filter((piece) => text.includes(piece));
    expect(found).toEqual([]);
    // The security token of a delegated login is base64url of the JWS: its signature is within it.
    expect(secrets.length).toBeGreaterThan(20);
  });

  it('stamps each event with the clock’s time and a time-ordered id', async () => {
    const demo = await auditedDemo();
    const start = demo.clock.now();
    await demo.tg.accessTokens.login({ username: ethan.username, password: ethan.password });
    demo.clock.advance(5 * SECOND);
    await demo.tg.users.logOutEverywhere({ username: ethan.username });
    const [revoked, login] = await all(demo.log);
    expect(login).toMatchObject({ type: 'login.succeeded', at: start });
    expect(revoked).toMatchObject({ type: 'user.revoked', at: start + 5 * SECOND });
    expect(revoked!.id > login!.id).toBe(true);
  });
});

describe('audit events: order', () => {
  // Event ids come from one monotonic UUIDv7 source per Tollgate: in order within a millisecond too.
  it('returns the events of one millisecond newest first too', async () => {
    const demo = await auditedDemo({ options: { loginLimits: false } });
    const usernames = Array.from({ length: 12 }, (_, i) => `nobody${i}@datastoreltd.biz`);
    for (const username of usernames) {
      await rejectsWith(demo.tg.login({ username, password: WRONG_PASSWORD }), 'invalid_credentials');
    }
    const events = await demo.tg.admin.auditEvents({
      caller: (await adminCaller(demo.tg)).principal,
      type: 'login.failed',
    });
    expect(events.map((e) => (e.details as { username: string }).username)).toEqual([...usernames].reverse());
  });
});

describe('admin.auditEvents', () => {
  async function withEvents() {
    const demo = await auditedDemo();
    const run = await everyEvent(demo);
    return { ...demo, ...run };
  }

  it('gives an enterprise administrator every event, newest first, at most 100 by default', async () => {
    const { tg, log, admin } = await withEvents();
    const events = await tg.admin.auditEvents({ caller: admin.principal });
    const stored = await all(log);
    expect(events).toEqual(stored.slice(0, 100));
    const times = events.map((e) => e.at);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('filters by username, actorId, type, since/until and limit', async () => {
    const { tg, admin, clock } = await withEvents();
    const caller = admin.principal;
    const ofBob = await tg.admin.auditEvents({ caller, username: bob.username });
    expect(ofBob.map((e) => e.type)).toEqual(['user.enabled', 'user.disabled', 'user.revoked']);
    expect(ofBob.every((e) => e.userId === bob.id)).toBe(true);

    const byRoot = await tg.admin.auditEvents({ caller, actorId: root.id });
    expect(byRoot.length).toBeGreaterThan(5);
    expect(byRoot.every((e) => e.actorId === root.id)).toBe(true);

    const reuse = await tg.admin.auditEvents({ caller, type: 'refresh.reuse_detected' });
    expect(reuse).toHaveLength(1);
    const both = await tg.admin.auditEvents({ caller, username: ethan.username, type: 'session.revoked' });
    expect(both).toHaveLength(2);

    // Everything before the reuse happened at the start; everything from it on, 11 s later.
    const start = clock.now() - 11 * SECOND;
    const early = await tg.admin.auditEvents({ caller, until: new Date(start + 1) });
    const late = await tg.admin.auditEvents({ caller, since: new Date(start + 11 * SECOND).toISOString() });
    expect(early.every((e) => e.at === start)).toBe(true);
    expect(late.every((e) => e.at === start + 11 * SECOND)).toBe(true);
    expect(early.length + late.length).toBe((await tg.admin.auditEvents({ caller, limit: 1000 })).length);
    expect(late.map((e) => e.type)).toContain('refresh.reuse_detected');
    expect(early.map((e) => e.type)).not.toContain('refresh.reuse_detected');

    expect(await tg.admin.auditEvents({ caller, limit: 3 })).toHaveLength(3);
    await rejectsWith(tg.admin.auditEvents({ caller, limit: 0 }), 'malformed_request');
    await rejectsWith(tg.admin.auditEvents({ caller, limit: 1001 }), 'malformed_request');
    await rejectsWith(
      tg.admin.auditEvents({ caller, type: 'password.seen' as AuditEventType }),
      'malformed_request',
    );
  });

  it('makes a domain administrator name a user of its own domain', async () => {
    const { tg } = await withEvents();
    const domain = await adminCaller(tg, domainAdmin);
    const caller = domain.principal;
    const error = await rejectsWith(tg.admin.auditEvents({ caller }), 'malformed_request');
    expect(error.fields).toEqual({ username: ['This field is required.'] });
    await rejectsWith(tg.admin.auditEvents({ caller, type: 'login.failed' }), 'malformed_request');
    const ofEthan = await tg.admin.auditEvents({ caller, username: ethan.username });
    expect(ofEthan.length).toBeGreaterThan(5);
    expect(ofEthan.every((e) => e.userId === ethan.id)).toBe(true);
    await rejectsWith(tg.admin.auditEvents({ caller, username: bob.username }), 'unknown_user');
    await rejectsWith(tg.admin.auditEvents({ caller, username: root.username }), 'unknown_user');
    await rejectsWith(
      tg.admin.auditEvents({ caller, username: domainAdmin.username }),
      'administrator_not_allowed',
    );
  });

  it('is for administrators’ own access tokens only', async () => {
    const demo = await auditedDemo();
    const creds = await allCredentials(demo, ethan, { withUat: true });
    const callers: [Principal, string][] = [
      [await demo.tg.requirePrincipal(as.bearer(creds.pair.token)), 'not_an_administrator'],
      [await demo.tg.requirePrincipal(as.cookie(creds.delegated)), 'delegated_token_not_allowed'],
      [await demo.tg.requirePrincipal(as.uat(creds.uat!)), 'wrong_token_kind'],
    ];
    for (const [caller, code] of callers) {
      await rejectsWith(demo.tg.admin.auditEvents({ caller, username: ava.username }), code as never);
    }
  });

  it('is not_supported without an audit log that can be queried (none, or a sink that only records)', async () => {
    const recorded: AuditEvent[] = [];
    const sinkOnly: AuditSink = { record: (event) => void recorded.push(event) };
    for (const audit of [undefined, sinkOnly, [sinkOnly]] as const) {
      const demo = await buildDemo({ options: audit === undefined ? {} : { audit } });
      const admin = await adminCaller(demo.tg);
      await rejectsWith(demo.tg.admin.auditEvents({ caller: admin.principal }), 'not_supported');
      await rejectsWith(
        demo.tg.admin.auditEvents({ caller: admin.principal, username: ethan.username }),
        'not_supported',
      );
    }
    // The plain sink got the logins all the same.
    expect(recorded.filter((e) => e.type === 'login.succeeded').map((e) => e.userId)).toEqual([
      root.id,
      root.id,
    ]);
  });

  it('finds the queryable log among several sinks', async () => {
    const log = createMemoryAuditLog();
    const seen: string[] = [];
    const demo = await buildDemo({ options: { audit: [{ record: (e) => void seen.push(e.type) }, log] } });
    const admin = await adminCaller(demo.tg);
    const events = await demo.tg.admin.auditEvents({ caller: admin.principal });
    expect(events.map((e) => e.type)).toEqual(['login.succeeded']);
    expect(seen).toEqual(['login.succeeded']);
  });
});

describe('audit sinks that fail', () => {
  it('a sink that throws or rejects fails no operation; the error goes to onBackgroundError', async () => {
    const errors: unknown[] = [];
    const log = createMemoryAuditLog();
    const throwing: AuditSink = {
      record() {
        throw new Error('audit disk full');
      },
    };
    const rejecting: AuditSink = { record: async () => Promise.reject(new Error('audit db down')) };
    const demo = await buildDemo({
      options: { audit: [throwing, rejecting, log], onBackgroundError: (error) => errors.push(error) },
    });
    const pair = await demo.tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    const next = await demo.tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
    expect((await demo.tg.requirePrincipal(as.bearer(next.token))).userId).toBe(ethan.id);
    await rejectsWith(
      demo.tg.login({ username: ethan.username, password: WRONG_PASSWORD }),
      'invalid_credentials',
    );
    await demo.tg.users.logOutEverywhere({ username: ethan.username });
    expect(await demo.tg.authenticate(as.bearer(next.token))).toMatchObject({ ok: false });
    await settle();
    const messages = errors.map((e) => (e as Error).message);
    // Four events, each failing in both sinks.
    expect(messages.filter((m) => m === 'audit disk full')).toHaveLength(4);
    expect(messages.filter((m) => m === 'audit db down')).toHaveLength(4);
    // The good sink got every event all the same.
    expect((await all(log)).map((e) => e.type)).toEqual([
      'user.revoked',
      'login.failed',
      'token.refreshed',
      'login.succeeded',
    ]);
  });

  it('a failing sink leaves every login scheme working', async () => {
    const errors: unknown[] = [];
    const demo = await buildDemo({
      options: {
        audit: {
          record() {
            throw new Error('sink down');
          },
        },
        onBackgroundError: (error) => errors.push(error),
      },
    });
    const creds = await allCredentials(demo, ethan, { withUat: true });
    for (const [name, request] of creds.requests) {
      expect((await demo.tg.authenticate(request)).ok, name).toBe(true);
    }
    expect(errors.length).toBeGreaterThanOrEqual(6);
  });
});
