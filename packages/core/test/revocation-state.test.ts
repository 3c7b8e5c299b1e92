/**
 * The in-memory revocation state (issue 14): session revocations by key, user revocations by instant
 * (compared with the session's creation), what it learns from the store's log, and when it is trusted.
 */
import { describe, expect, it } from 'vitest';
import { revocationOf } from '../src/authn/authenticate.js';
import { RevocationState, revocationKey } from '../src/authn/revocation-state.js';
import { createFakeClock, createMemoryTokenStore, uuidv7 } from './helpers/internals.js';
import { failingStore, HOUR, SECOND } from './helpers/operation-rules.js';

const USER = 'user-1';
const OTHER = 'user-2';
const SYNC = { syncIntervalMs: 1000, maxStalenessMs: 10_000 };

function setUp(store = createMemoryTokenStore()) {
  const clock = createFakeClock();
  const errors: unknown[] = [];
  const state = new RevocationState(store, clock, SYNC, (error) => errors.push(error));
  return { clock, store, state, errors };
}

const sessionCheck = (sid: string, userId = USER) => revocationOf({ sid }, userId);

describe('RevocationState.refuses', () => {
  it('refuses a revoked session by its key, whoever its user, and nothing else', () => {
    const { clock, state } = setUp();
    const now = clock.now();
    const revoked = uuidv7(now - HOUR);
    const live = uuidv7(now - HOUR);
    state.add(revocationKey('session', revoked), now + HOUR);
    expect(state.refuses(sessionCheck(revoked))).toBe(true);
    expect(state.refuses(sessionCheck(live))).toBe(false);
    // A `family` revocation (from before sessions) is the same key as the session's.
    expect(revocationKey('family', revoked)).toBe(revocationKey('session', revoked));
    expect(state.refuses({ key: revocationKey('uat', revoked), userId: USER, since: 0 })).toBe(false);
  });

  it('refuses every session of a revoked user created before the revocation, and only those', () => {
    const { clock, state } = setUp();
    const before = clock.now();
    state.addUser(USER, before, before + HOUR);
    expect(state.refuses(sessionCheck(uuidv7(before - 1)))).toBe(true);
    expect(state.refuses(sessionCheck(uuidv7(before - HOUR)))).toBe(true);
    expect(state.refuses(sessionCheck(uuidv7(before + 1)))).toBe(false);
    // Another user's sessions are not concerned.
    expect(state.refuses(sessionCheck(uuidv7(before - 1), OTHER))).toBe(false);
    // A UAT by its creation instant.
    expect(state.refuses({ key: revocationKey('uat', 'u1'), userId: USER, since: before - 1 })).toBe(true);
    expect(state.refuses({ key: revocationKey('uat', 'u2'), userId: USER, since: before + 1 })).toBe(false);
  });

  it('a token without a session is judged by its iat (whole seconds)', () => {
    const { clock, state } = setUp();
    state.addUser(USER, clock.now() + 500, clock.now() + HOUR);
    const iat = Math.floor(clock.now() / 1000);
    expect(state.refuses(revocationOf({ iat }, USER))).toBe(true);
    expect(state.refuses(revocationOf({ iat: iat + 1 }, USER))).toBe(false);
  });

  it('keeps the latest instant of a user’s revocations, and the longest life', () => {
    const { clock, state } = setUp();
    const t = clock.now();
    state.addUser(USER, t, t + HOUR);
    state.addUser(USER, t - 10 * SECOND, t + 2 * HOUR);
    // The earlier instant does not undo the later one…
    expect(state.refuses(sessionCheck(uuidv7(t - 5 * SECOND)))).toBe(true);
    state.addUser(USER, t + 10 * SECOND, t + 30 * 60_000);
    expect(state.refuses(sessionCheck(uuidv7(t + 5 * SECOND)))).toBe(true);
    expect(state.refuses(sessionCheck(uuidv7(t + 11 * SECOND)))).toBe(false);
  });
});

describe('RevocationState: what it learns from the store’s log', () => {
  it('reads session and user revocations from the log, and forgets them once they expire', async () => {
    const store = createMemoryTokenStore();
    const { clock, state } = setUp(store);
    const now = clock.now();
    const sid = uuidv7(now - HOUR);
    await store.createSession({
      id: sid,
      userId: OTHER,
      kind: 'jwt_login',
      actor: null,
      createdAt: now - HOUR,
      lastUsedAt: now - HOUR,
      expiresAt: now + HOUR,
      clientIp: null,
      userAgent: null,
      customData: null,
    });
    await store.revokeSessions({ userId: OTHER, ids: [sid], now, revocationExpiresAt: now + HOUR });
    await store.revokeUser({ userId: USER, now, revocationExpiresAt: now + 2 * HOUR });
    expect(state.refuses(sessionCheck(sid, OTHER))).toBe(false);
    await state.sync();
    expect(state.refuses(sessionCheck(sid, OTHER))).toBe(true);
    expect(state.refuses(sessionCheck(uuidv7(now - 1)))).toBe(true);

    clock.advance(HOUR);
    await state.sync();
    expect(state.refuses(sessionCheck(sid, OTHER))).toBe(false);
    expect(state.refuses(sessionCheck(uuidv7(now - 1)))).toBe(true);
    clock.advance(HOUR);
    await state.sync();
    expect(state.refuses(sessionCheck(uuidv7(now - 1)))).toBe(false);
  });

  it('a new state reads the whole log: a revocation outlives the instance that made it', async () => {
    const store = createMemoryTokenStore();
    const first = setUp(store);
    await store.revokeUser({
      userId: USER,
      now: first.clock.now(),
      revocationExpiresAt: first.clock.now() + HOUR,
    });
    const later = new RevocationState(store, first.clock, SYNC, () => {});
    await later.sync();
    expect(later.refuses(sessionCheck(uuidv7(first.clock.now() - 1)))).toBe(true);
  });

  it('is fresh for syncIntervalMs, starts a background sync after it, and is stale after maxStalenessMs', async () => {
    const store = createMemoryTokenStore();
    const { clock, state } = setUp(store);
    expect(state.isFresh(clock.now())).toBe(false);
    await state.sync();
    expect(state.isFresh(clock.now())).toBe(true);
    await store.revokeUser({ userId: USER, now: clock.now(), revocationExpiresAt: clock.now() + HOUR });
    clock.advance(SECOND);
    // Still trusted, and a sync is on its way.
    expect(state.isFresh(clock.now())).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.refuses(sessionCheck(uuidv7(clock.now() - 2 * SECOND)))).toBe(true);
    clock.advance(SYNC.maxStalenessMs);
    expect(state.isFresh(clock.now())).toBe(false);
  });

  it('fails closed: a log that cannot be read makes the state stale at once', async () => {
    const store = failingStore();
    const { clock, state, errors } = setUp(store);
    await state.sync();
    expect(state.isFresh(clock.now())).toBe(true);
    store.failing.add('listRevocations');
    clock.advance(SECOND);
    await expect(state.sync()).rejects.toMatchObject({ code: 'store_unavailable' });
    // Asking starts another read, which fails too (to onBackgroundError).
    expect(state.isFresh(clock.now())).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toHaveLength(1);
    store.heal();
    await state.sync();
    expect(state.isFresh(clock.now())).toBe(true);
  });
});
