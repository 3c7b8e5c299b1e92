/**
 * Scheme C (CONTRACT.md "token pair"): loginForTokenPair, refreshTokenPair (rotation and reuse
 * detection), revokeTokenPair, and revocations shared by several instances through one store.
 */
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  DEFAULT_LIFETIMES,
  generateRefreshToken,
  type TokenPairResult,
} from './helpers/internals.js';
import {
  ACCOUNTS,
  buildDemo,
  countingHasher,
  DAY,
  type Demo,
  failingStore,
  ORG,
  rejectsWith,
  SECOND,
  secondInstance,
  settle,
} from './helpers/operation-rules.js';

const { ethan, ava, bob, domainAdmin, root } = ACCOUNTS;

const login = (
  demo: Demo,
  account: { username: string; password: string } = ethan,
): Promise<TokenPairResult> =>
  demo.tg.tokenPair.login({ username: account.username, password: account.password });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** These tests are about reuse detection itself: without the retry window a second use is reuse. */
const REUSE_INTERVAL_OFF = { options: { refreshReuseIntervalSeconds: 0 } } as const;

describe('scheme C: loginForTokenPair', () => {
  it('returns customerId, an access token, a refresh token and validityTime 3600', async () => {
    const demo = await buildDemo();
    const pair = await login(demo);
    expect(pair.customerId).toBe(ORG.datastore);
    expect(pair.token.split('.')).toHaveLength(3);
    expect(pair.refreshToken).toMatch(/^tgr_[A-Za-z0-9_-]{43}$/);
    expect(pair.validityTime).toBe(3600);
    expect(pair.expiresAt.getTime()).toBe(demo.clock.now() + 3600 * SECOND);
    expect(pair.refreshTokenExpiresAt.getTime()).toBe(
      demo.clock.now() + DEFAULT_LIFETIMES.refreshToken * SECOND,
    );
    const principal = await demo.tg.requirePrincipal(bearer(pair.token));
    expect(principal).toMatchObject({
      userId: ethan.id,
      tokenKind: 'access',
      source: 'Bearer',
      customerId: ORG.datastore,
    });
  });

  it('gives each customer its organisation as customerId', async () => {
    const demo = await buildDemo();
    expect((await login(demo, bob)).customerId).toBe(ORG.acme);
    expect((await login(demo, ava)).customerId).toBe(ORG.datastore);
  });

  it('lets administrators log in (the source of admin access tokens)', async () => {
    const demo = await buildDemo();
    const rootPair = await login(demo, root);
    const domainPair = await login(demo, domainAdmin);
    expect(rootPair.customerId).toBe(ORG.operator);
    expect(domainPair.customerId).toBe(ORG.datastore);
    const principal = await demo.tg.requirePrincipal(bearer(rootPair.token));
    expect(principal).toMatchObject({
      kind: 'administrator',
      roles: ['enterprise_admin'],
      tokenKind: 'access',
    });
  });

  it('reports validityTime from the configured access-token lifetime', async () => {
    const demo = await buildDemo({ options: { lifetimes: { accessToken: 900 } } });
    expect((await login(demo)).validityTime).toBe(900);
  });

  it('refuses a wrong password and an unknown user alike with invalid_credentials (401)', async () => {
    const hasher = countingHasher();
    const demo = await buildDemo({ hasher });
    hasher.reset();
    await rejectsWith(
      demo.tg.tokenPair.login({ username: ethan.username, password: 'nope' }),
      'invalid_credentials',
      401,
    );
    await rejectsWith(
      demo.tg.tokenPair.login({ username: 'ghost@example.test', password: 'nope' }),
      'invalid_credentials',
      401,
    );
    expect(hasher.calls).toEqual({ hash: 0, verify: 1, verifyDummy: 1 });
  });

  it('refuses a missing field with malformed_request (400)', async () => {
    const demo = await buildDemo();
    await rejectsWith(demo.tg.tokenPair.login({ username: '', password: 'x' }), 'malformed_request', 400);
    await rejectsWith(
      demo.tg.tokenPair.login({ username: ethan.username, password: '' }),
      'malformed_request',
      400,
    );
  });
});

describe('scheme C: refreshTokenPair', () => {
  it('rotates: returns a new pair, and the new access token works', async () => {
    const demo = await buildDemo();
    const first = await login(demo);
    demo.clock.advance(10 * 60 * SECOND);
    const second = await demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.token).not.toBe(first.token);
    expect(second).toMatchObject({ customerId: ORG.datastore, validityTime: 3600 });
    expect(second.expiresAt.getTime()).toBe(demo.clock.now() + 3600 * SECOND);
    expect((await demo.tg.requirePrincipal(bearer(second.token))).userId).toBe(ethan.id);
    // Rotation alone does not revoke the earlier access token.
    expect((await demo.tg.requirePrincipal(bearer(first.token))).userId).toBe(ethan.id);
  });

  it('answers a rotated refresh token with refresh_token_reused (401)', async () => {
    const demo = await buildDemo(REUSE_INTERVAL_OFF);
    const first = await login(demo);
    await demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken });
    await rejectsWith(
      demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken }),
      'refresh_token_reused',
      401,
    );
  });

  it('never echoes the refresh token in the refusal', async () => {
    const demo = await buildDemo(REUSE_INTERVAL_OFF);
    const first = await login(demo);
    await demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken });
    const error = await rejectsWith(
      demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken }),
      'refresh_token_reused',
    );
    expect(error.message).not.toContain(first.refreshToken);
    expect(error.message).not.toContain(first.refreshToken.slice(4));
  });

  it('revokes the whole family on reuse: the newest refresh token is then refused with token_revoked (401)', async () => {
    const demo = await buildDemo(REUSE_INTERVAL_OFF);
    const first = await login(demo);
    const second = await demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken });
    const third = await demo.tg.tokenPair.refresh({ refreshToken: second.refreshToken });
    await rejectsWith(
      demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken }),
      'refresh_token_reused',
      401,
    );
    await rejectsWith(demo.tg.tokenPair.refresh({ refreshToken: third.refreshToken }), 'token_revoked', 401);
  });

  it('revokes every access token of the family on reuse, including one cached before the reuse', async () => {
    const demo = await buildDemo(REUSE_INTERVAL_OFF);
    const first = await login(demo);
    const second = await demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken });
    const third = await demo.tg.tokenPair.refresh({ refreshToken: second.refreshToken });
    // Authenticated (and so cached) before the reuse.
    await demo.tg.requirePrincipal(bearer(third.token));
    await demo.tg.requirePrincipal(bearer(first.token));
    await rejectsWith(
      demo.tg.tokenPair.refresh({ refreshToken: second.refreshToken }),
      'refresh_token_reused',
      401,
    );
    for (const pair of [first, second, third]) {
      await rejectsWith(demo.tg.requirePrincipal(bearer(pair.token)), 'token_revoked', 401);
    }
  });

  it('leaves other families of the same user alone on reuse', async () => {
    const demo = await buildDemo(REUSE_INTERVAL_OFF);
    const stolen = await login(demo);
    const other = await login(demo);
    await demo.tg.tokenPair.refresh({ refreshToken: stolen.refreshToken });
    await rejectsWith(
      demo.tg.tokenPair.refresh({ refreshToken: stolen.refreshToken }),
      'refresh_token_reused',
      401,
    );
    expect((await demo.tg.requirePrincipal(bearer(other.token))).userId).toBe(ethan.id);
    const next = await demo.tg.tokenPair.refresh({ refreshToken: other.refreshToken });
    expect((await demo.tg.requirePrincipal(bearer(next.token))).userId).toBe(ethan.id);
  });

  it('keeps answering refresh_token_reused for a replayed token after the family was revoked', async () => {
    const demo = await buildDemo(REUSE_INTERVAL_OFF);
    const first = await login(demo);
    await demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken });
    await rejectsWith(
      demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken }),
      'refresh_token_reused',
      401,
    );
    await rejectsWith(
      demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken }),
      'refresh_token_reused',
      401,
    );
  });

  it('lets exactly one of 16 concurrent refreshes of one token win; the 15 others get refresh_token_reused', async () => {
    const demo = await buildDemo(REUSE_INTERVAL_OFF);
    const first = await login(demo);
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, () => demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken })),
    );
    const winners = results.filter((r) => r.status === 'fulfilled');
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(15);
    for (const loser of losers)
      expect(loser.reason).toMatchObject({ code: 'refresh_token_reused', status: 401 });
  });

  it('refuses a refresh token past its own expiry with token_expired (401)', async () => {
    const demo = await buildDemo();
    const first = await login(demo);
    demo.clock.advance(DEFAULT_LIFETIMES.refreshToken * SECOND - 1);
    const second = await demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken });
    expect(second.refreshTokenExpiresAt.getTime()).toBe(
      demo.clock.now() + DEFAULT_LIFETIMES.refreshToken * SECOND,
    );
    demo.clock.advance(DEFAULT_LIFETIMES.refreshToken * SECOND);
    await rejectsWith(demo.tg.tokenPair.refresh({ refreshToken: second.refreshToken }), 'token_expired', 401);
  });

  it('refuses every token of a family past the family’s absolute lifetime with token_expired (401)', async () => {
    const demo = await buildDemo();
    const familyEnd = demo.clock.now() + DEFAULT_LIFETIMES.session * SECOND;
    let pair = await login(demo);
    // Refresh every 13 days, always within the refresh token's 14 days.
    for (let day = 13; day < DEFAULT_LIFETIMES.session / 86_400; day += 13) {
      demo.clock.advance(13 * DAY);
      pair = await demo.tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
      expect(pair.refreshTokenExpiresAt.getTime()).toBeLessThanOrEqual(familyEnd);
    }
    expect(pair.refreshTokenExpiresAt.getTime()).toBe(familyEnd);
    demo.clock.set(familyEnd - 1);
    const last = await demo.tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
    demo.clock.set(familyEnd);
    await rejectsWith(demo.tg.tokenPair.refresh({ refreshToken: last.refreshToken }), 'token_expired', 401);
  });

  it('refuses a malformed refresh token with invalid_token (401)', async () => {
    const demo = await buildDemo();
    await rejectsWith(
      demo.tg.tokenPair.refresh({ refreshToken: 'not-a-refresh-token' }),
      'invalid_token',
      401,
    );
    await rejectsWith(demo.tg.tokenPair.refresh({ refreshToken: 'tgr_short' }), 'invalid_token', 401);
  });

  it('refuses an unknown well-formed refresh token with invalid_token (401)', async () => {
    const demo = await buildDemo();
    await rejectsWith(
      demo.tg.tokenPair.refresh({ refreshToken: generateRefreshToken() }),
      'invalid_token',
      401,
    );
  });

  it('refuses an access token presented as a refresh token with a 401', async () => {
    const demo = await buildDemo();
    const pair = await login(demo);
    await rejectsWith(demo.tg.tokenPair.refresh({ refreshToken: pair.token }), 'wrong_token_kind', 401);
  });

  it('refuses an empty refresh token with malformed_request (400)', async () => {
    const demo = await buildDemo();
    await rejectsWith(demo.tg.tokenPair.refresh({ refreshToken: '' }), 'malformed_request', 400);
  });

  it('never accepts a refresh token as a credential (wrong_token_kind, 401)', async () => {
    const demo = await buildDemo();
    const pair = await login(demo);
    await rejectsWith(demo.tg.requirePrincipal(bearer(pair.refreshToken)), 'wrong_token_kind', 401);
  });
});

describe('scheme C: revokeTokenPair (logout)', () => {
  it('revokes the family: a later refresh is refused with token_revoked (401)', async () => {
    const demo = await buildDemo();
    const pair = await login(demo);
    expect(await demo.tg.tokenPair.revoke({ refreshToken: pair.refreshToken })).toBe(true);
    await rejectsWith(demo.tg.tokenPair.refresh({ refreshToken: pair.refreshToken }), 'token_revoked', 401);
  });

  it('refuses every access token of the family afterwards, cached or not', async () => {
    const demo = await buildDemo();
    const first = await login(demo);
    const second = await demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken });
    await demo.tg.requirePrincipal(bearer(second.token));
    await demo.tg.tokenPair.revoke({ refreshToken: second.refreshToken });
    await rejectsWith(demo.tg.requirePrincipal(bearer(second.token)), 'token_revoked', 401);
    await rejectsWith(demo.tg.requirePrincipal(bearer(first.token)), 'token_revoked', 401);
  });

  it('works with any refresh token of the family, even a rotated one, and is idempotent', async () => {
    const demo = await buildDemo();
    const first = await login(demo);
    const second = await demo.tg.tokenPair.refresh({ refreshToken: first.refreshToken });
    expect(await demo.tg.tokenPair.revoke({ refreshToken: first.refreshToken })).toBe(true);
    expect(await demo.tg.tokenPair.revoke({ refreshToken: first.refreshToken })).toBe(true);
    await rejectsWith(demo.tg.tokenPair.refresh({ refreshToken: second.refreshToken }), 'token_revoked', 401);
  });

  it('returns false for an unknown or malformed refresh token', async () => {
    const demo = await buildDemo();
    expect(await demo.tg.tokenPair.revoke({ refreshToken: generateRefreshToken() })).toBe(false);
    expect(await demo.tg.tokenPair.revoke({ refreshToken: 'garbage' })).toBe(false);
  });

  it('leaves the user’s other sessions alone', async () => {
    const demo = await buildDemo();
    const a = await login(demo);
    const b = await login(demo);
    await demo.tg.tokenPair.revoke({ refreshToken: a.refreshToken });
    expect((await demo.tg.requirePrincipal(bearer(b.token))).userId).toBe(ethan.id);
  });
});

describe('scheme C: revocations across instances sharing one store', () => {
  it('honours another instance’s logout at once with syncIntervalMs 0 and maxStalenessMs 0', async () => {
    const a = await buildDemo();
    const b = secondInstance(a, { revocations: { syncIntervalMs: 0, maxStalenessMs: 0 } });
    const pair = await login(a);
    expect((await b.requirePrincipal(bearer(pair.token))).userId).toBe(ethan.id);
    await a.tg.tokenPair.revoke({ refreshToken: pair.refreshToken });
    await rejectsWith(b.requirePrincipal(bearer(pair.token)), 'token_revoked', 401);
  });

  it('honours another instance’s logout once the sync interval has passed (and its background sync landed)', async () => {
    const a = await buildDemo();
    const b = secondInstance(a, { revocations: { syncIntervalMs: 1000, maxStalenessMs: 10_000 } });
    const pair = await login(a);
    await b.requirePrincipal(bearer(pair.token));
    await a.tg.tokenPair.revoke({ refreshToken: pair.refreshToken });
    a.clock.advance(1000);
    // The first check after the interval starts the sync in the background; the next one sees its result.
    await b.requirePrincipal(bearer(pair.token)).catch(() => undefined);
    await settle();
    await rejectsWith(b.requirePrincipal(bearer(pair.token)), 'token_revoked', 401);
  });

  it('honours another instance’s logout at once when the last sync is older than maxStalenessMs', async () => {
    const a = await buildDemo();
    const b = secondInstance(a, { revocations: { syncIntervalMs: 1000, maxStalenessMs: 10_000 } });
    const pair = await login(a);
    await b.requirePrincipal(bearer(pair.token));
    await a.tg.tokenPair.revoke({ refreshToken: pair.refreshToken });
    a.clock.advance(10_000);
    await rejectsWith(b.requirePrincipal(bearer(pair.token)), 'token_revoked', 401);
  });

  it('honours a reuse detected by another instance: the family’s access tokens are refused there too', async () => {
    const a = await buildDemo(REUSE_INTERVAL_OFF);
    const b = secondInstance(a, {
      ...REUSE_INTERVAL_OFF.options,
      revocations: { syncIntervalMs: 0, maxStalenessMs: 0 },
    });
    const first = await login(a);
    const second = await a.tg.tokenPair.refresh({ refreshToken: first.refreshToken });
    await b.requirePrincipal(bearer(second.token));
    await rejectsWith(
      a.tg.tokenPair.refresh({ refreshToken: first.refreshToken }),
      'refresh_token_reused',
      401,
    );
    await rejectsWith(b.requirePrincipal(bearer(second.token)), 'token_revoked', 401);
    await rejectsWith(b.tokenPair.refresh({ refreshToken: second.refreshToken }), 'token_revoked', 401);
  });

  it('lets only one of two instances rotate the same refresh token', async () => {
    const a = await buildDemo(REUSE_INTERVAL_OFF);
    const b = secondInstance(a, REUSE_INTERVAL_OFF.options);
    const first = await login(a);
    const results = await Promise.allSettled([
      a.tg.tokenPair.refresh({ refreshToken: first.refreshToken }),
      b.tokenPair.refresh({ refreshToken: first.refreshToken }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected?.reason).toMatchObject({ code: 'refresh_token_reused' });
  });

  it('refuses a family-bound access token with store_unavailable (503) when revocations cannot be read and the last sync is too old', async () => {
    const shared = createMemoryTokenStore();
    const a = await buildDemo({ store: shared });
    const flaky = failingStore(shared);
    const background: unknown[] = [];
    const b = secondInstance(
      a,
      {
        revocations: { syncIntervalMs: 1000, maxStalenessMs: 10_000 },
        onBackgroundError: (e) => background.push(e),
      },
      flaky,
    );
    const pair = await login(a);
    const jwtLogin = await a.tg.accessTokens.login({ username: ethan.username, password: ethan.password });
    await b.requirePrincipal(bearer(pair.token));
    flaky.failing.add('listRevocations');
    // Within maxStalenessMs the last known state is still trusted (the background sync fails quietly).
    a.clock.advance(5_000);
    expect((await b.requirePrincipal(bearer(pair.token))).userId).toBe(ethan.id);
    await settle();
    expect(background.length).toBeGreaterThan(0);
    a.clock.advance(5_000);
    await rejectsWith(b.requirePrincipal(bearer(pair.token)), 'store_unavailable', 503);
    // Every token belongs to a session now: a JWT login's token is refused alike, never trusted stale.
    await rejectsWith(
      b.requirePrincipal({ authorization: `JWT ${jwtLogin.token}` }),
      'store_unavailable',
      503,
    );
    // Once the store answers again, the family token is accepted again.
    flaky.heal();
    expect((await b.requirePrincipal(bearer(pair.token))).userId).toBe(ethan.id);
  });
});
