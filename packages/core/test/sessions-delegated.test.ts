/**
 * Delegated sessions (issue 14): an administrator's delegated login is a session of the user's, at
 * most `lifetimes.delegatedToken` long (1 h by default), that the user and an administrator can end.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryAuditLog, DEFAULT_LIFETIMES, type Tollgate } from './helpers/internals.js';
import {
  ACCOUNTS,
  buildDemo,
  type Demo,
  HOUR,
  rejectsWith,
  SECOND,
  secondInstance,
} from './helpers/operation-rules.js';
import { adminCaller, as, letSync, verdict } from './sessions-fixtures.js';

const { ethan, ava, domainAdmin, root } = ACCOUNTS;

async function delegate(demo: Demo, admin = root, user = ethan) {
  const caller = await adminCaller(demo.tg, admin);
  const result = await demo.tg.delegatedLogin.issue({
    adminToken: caller.token,
    domain: 'datastore',
    userIdentity: user.username,
    customData: 'ticket 4711',
  });
  return { ...result, admin: caller };
}

const ownLogin = async (tg: Tollgate) => {
  const { token } = await tg.accessTokens.login({ username: ethan.username, password: ethan.password });
  return { token, principal: await tg.requirePrincipal(as.jwt(token)) };
};

describe('delegated sessions: lifetime', () => {
  it('last 1 h by default: the token, its principal and its session', async () => {
    expect(DEFAULT_LIFETIMES.delegatedToken).toBe(3600);
    const demo = await buildDemo();
    expect(demo.tg.options.lifetimes.delegatedToken).toBe(3600);
    demo.clock.advance(250); // not on a whole second: expiries are whole seconds
    const start = demo.clock.now();
    const end = Math.floor(start / 1000) * 1000 + HOUR;
    const delegated = await delegate(demo);
    expect(delegated.expiresAt.getTime()).toBe(end);
    const principal = await demo.tg.requirePrincipal(as.cookie(delegated.token));
    expect(principal).toMatchObject({
      tokenKind: 'delegated',
      sessionId: delegated.sessionId,
      expiresAt: end,
    });
    const { principal: own } = await ownLogin(demo.tg);
    const session = (await demo.tg.sessions.list({ caller: own })).find((s) => s.id === delegated.sessionId);
    expect(session).toMatchObject({
      kind: 'delegated',
      actor: { userId: root.id, username: root.username },
      expiresAt: new Date(end),
    });

    demo.clock.set(end - 1);
    expect(await verdict(demo.tg, as.cookie(delegated.token))).toBe(`ok:${ethan.id}`);
    demo.clock.set(end);
    expect(await verdict(demo.tg, as.cookie(delegated.token))).toBe('token_expired');
    const { principal: later } = await ownLogin(demo.tg);
    expect((await demo.tg.sessions.list({ caller: later })).map((s) => s.kind)).toEqual(['jwt_login']);
  });

  it('follow lifetimes.delegatedToken when set', async () => {
    const demo = await buildDemo({ options: { lifetimes: { delegatedToken: 600 } } });
    const delegated = await delegate(demo);
    expect(delegated.expiresAt.getTime()).toBe(demo.clock.now() + 600 * SECOND);
    demo.clock.advance(600 * SECOND);
    expect(await verdict(demo.tg, as.cookie(delegated.token))).toBe('token_expired');
  });
});

describe('delegated sessions: ended by the user or an administrator', () => {
  it('the user ends it from a session of their own; the delegated token is refused at once and elsewhere', async () => {
    const demo = await buildDemo();
    const other = secondInstance(demo);
    const delegated = await delegate(demo);
    const own = await ownLogin(demo.tg);
    for (const tg of [demo.tg, other]) {
      for (let i = 0; i < 3; i++) {
        expect(await verdict(tg, as.cookie(delegated.token))).toBe(`ok:${ethan.id}`);
        expect(await verdict(tg, as.bearer(delegated.token))).toBe(`ok:${ethan.id}`);
      }
    }
    const listed = await demo.tg.sessions.list({ caller: own.principal });
    expect(listed.find((s) => s.id === delegated.sessionId)?.current).toBe(false);

    await demo.tg.sessions.revoke({ caller: own.principal, sessionId: delegated.sessionId });
    expect(await verdict(demo.tg, as.cookie(delegated.token))).toBe('token_revoked');
    expect(await verdict(demo.tg, as.bearer(delegated.token))).toBe('token_revoked');
    await letSync(demo, other, as.jwt(own.token));
    expect(await verdict(other, as.cookie(delegated.token))).toBe('token_revoked');
    // The user's own session goes on; the delegation is no longer listed.
    expect(await verdict(demo.tg, as.jwt(own.token))).toBe(`ok:${ethan.id}`);
    expect((await demo.tg.sessions.list({ caller: own.principal })).map((s) => s.kind)).toEqual([
      'jwt_login',
    ]);
    // The administrator's own session is untouched.
    expect(await verdict(demo.tg, as.bearer(delegated.admin.token))).toBe(`ok:${root.id}`);
  });

  it('the user’s revokeOthers ends it too', async () => {
    const demo = await buildDemo();
    const delegated = await delegate(demo);
    const own = await ownLogin(demo.tg);
    expect(await demo.tg.sessions.revokeOthers({ caller: own.principal })).toBe(1);
    expect(await verdict(demo.tg, as.cookie(delegated.token))).toBe('token_revoked');
  });

  it('the delegated token can end its own session', async () => {
    const demo = await buildDemo();
    const delegated = await delegate(demo);
    const own = await ownLogin(demo.tg);
    const caller = await demo.tg.requirePrincipal(as.cookie(delegated.token));
    await demo.tg.sessions.revoke({ caller, sessionId: delegated.sessionId });
    expect(await verdict(demo.tg, as.cookie(delegated.token))).toBe('token_revoked');
    expect(await verdict(demo.tg, as.jwt(own.token))).toBe(`ok:${ethan.id}`);
  });

  it('an administrator (enterprise or of the domain) ends it by its id', async () => {
    for (const admin of [root, domainAdmin]) {
      const demo = await buildDemo();
      const other = secondInstance(demo);
      const delegated = await delegate(demo, root);
      const own = await ownLogin(demo.tg);
      expect(await verdict(other, as.cookie(delegated.token))).toBe(`ok:${ethan.id}`);
      const caller = await adminCaller(demo.tg, admin);
      expect(
        await demo.tg.admin.revokeSessions({
          caller: caller.principal,
          username: ethan.username,
          sessionId: delegated.sessionId,
        }),
      ).toBe(1);
      expect(await verdict(demo.tg, as.cookie(delegated.token)), admin.username).toBe('token_revoked');
      await letSync(demo, other, as.jwt(own.token));
      expect(await verdict(other, as.cookie(delegated.token)), admin.username).toBe('token_revoked');
      expect(await verdict(demo.tg, as.jwt(own.token))).toBe(`ok:${ethan.id}`);
    }
  });

  it('an administrator cannot end it under another user’s name', async () => {
    const demo = await buildDemo();
    const delegated = await delegate(demo);
    await rejectsWith(
      demo.tg.admin.revokeSessions({
        caller: delegated.admin.principal,
        username: ava.username,
        sessionId: delegated.sessionId,
      }),
      'not_found',
    );
    expect(await verdict(demo.tg, as.cookie(delegated.token))).toBe(`ok:${ethan.id}`);
  });
});

describe('delegated sessions: the administrator’s customData', () => {
  it('is kept with the session, landed ones too, and named by the end of the delegation', async () => {
    const audit = createMemoryAuditLog();
    const demo = await buildDemo({ options: { audit } });
    const delegated = await delegate(demo);
    const landed = await demo.tg.delegatedLogin.land({ token: delegated.token });
    expect((await demo.store.findSession(landed.sessionId))?.customData).toBe('ticket 4711');
    const own = await ownLogin(demo.tg);
    const other = await delegate(demo);
    await demo.tg.sessions.revoke({ caller: own.principal, sessionId: landed.sessionId });
    await demo.tg.admin.revokeSessions({
      caller: other.admin.principal,
      username: ethan.username,
      sessionId: other.sessionId,
    });
    const ended = await audit.query({ type: 'delegation.ended' });
    expect(ended.map((e) => [e.sessionId, e.details])).toEqual([
      [other.sessionId, { customData: 'ticket 4711' }],
      [landed.sessionId, { customData: 'ticket 4711' }],
    ]);
    // Other sessions keep none.
    expect((await demo.store.findSession(own.principal.sessionId!))?.customData).toBeNull();
  });
});
