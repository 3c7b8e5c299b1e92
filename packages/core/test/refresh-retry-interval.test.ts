/**
 * The refresh reuse interval (issue 14, `refreshReuseIntervalSeconds`, default 10 s): a rotated refresh
 * token presented again less than that long after its rotation is a retry and gets a new pair, the
 * family keeping exactly one live refresh token; at or after it, it is reuse and revokes the family.
 */
import { describe, expect, it } from 'vitest';
import type { TokenPairResult, Tollgate } from './helpers/internals.js';
import {
  ACCOUNTS,
  buildDemo,
  type Demo,
  MINUTE,
  rejectsWith,
  SECOND,
  secondInstance,
} from './helpers/operation-rules.js';
import { as, verdict } from './sessions-fixtures.js';

const { ethan } = ACCOUNTS;
const INTERVAL = 10 * SECOND;

const login = (tg: Tollgate): Promise<TokenPairResult> =>
  tg.tokenPair.login({ username: ethan.username, password: ethan.password });
const refresh = (tg: Tollgate, pair: TokenPairResult) =>
  tg.tokenPair.refresh({ refreshToken: pair.refreshToken });

/** The outcome of presenting a refresh token: `ok` or the refusal's code. */
async function outcome(tg: Tollgate, pair: TokenPairResult): Promise<string> {
  return refresh(tg, pair).then(
    () => 'ok',
    (error: { code?: string }) => error.code ?? String(error),
  );
}

/** Login, then one rotation at t0: `r0` is rotated at t0, `r1` live. */
async function rotatedOnce(build: Parameters<typeof buildDemo>[0] = {}) {
  const demo = await buildDemo(build);
  const r0 = await login(demo.tg);
  const t0 = demo.clock.now();
  const r1 = await refresh(demo.tg, r0);
  return { demo, r0, r1, t0 };
}

describe('refresh reuse interval: defaults', () => {
  it('is 10 s by default, taken from the option, and refuses a negative or non-number value', async () => {
    expect((await buildDemo()).tg.options.refreshReuseIntervalSeconds).toBe(10);
    const zero = await buildDemo({ options: { refreshReuseIntervalSeconds: 0 } });
    expect(zero.tg.options.refreshReuseIntervalSeconds).toBe(0);
    await expect(buildDemo({ options: { refreshReuseIntervalSeconds: -1 } })).rejects.toThrow(TypeError);
    await expect(buildDemo({ options: { refreshReuseIntervalSeconds: Number.NaN } })).rejects.toThrow(
      TypeError,
    );
  });
});

describe('refresh reuse interval: just below the boundary', () => {
  it('a retry 1 ms before the interval ends gets a new pair that works', async () => {
    const { demo, r0, r1, t0 } = await rotatedOnce();
    demo.clock.set(t0 + INTERVAL - 1);
    const r2 = await refresh(demo.tg, r0);
    expect(r2.refreshToken).not.toBe(r1.refreshToken);
    expect(await verdict(demo.tg, as.bearer(r2.token))).toBe(`ok:${ethan.id}`);
    // The same session: the retry did not start a new one.
    const a = await demo.tg.requirePrincipal(as.bearer(r1.token));
    const b = await demo.tg.requirePrincipal(as.bearer(r2.token));
    expect(b.sessionId).toBe(a.sessionId);
    // The newest successor is the family's one live refresh token.
    demo.clock.advance(INTERVAL);
    const r3 = await refresh(demo.tg, r2);
    expect(await verdict(demo.tg, as.bearer(r3.token))).toBe(`ok:${ethan.id}`);
    // Access tokens of the family are not revoked by a retry.
    expect(await verdict(demo.tg, as.bearer(r1.token))).toBe(`ok:${ethan.id}`);
  });

  it('after a retry the older successor is no longer live: presented after the interval it is reuse', async () => {
    const { demo, r0, r1, t0 } = await rotatedOnce();
    demo.clock.set(t0 + INTERVAL - 1);
    const r2 = await refresh(demo.tg, r0);
    // r1 was rotated by the retry (at t0 + INTERVAL - 1): an interval later it is reuse.
    demo.clock.advance(INTERVAL);
    await rejectsWith(refresh(demo.tg, r1), 'refresh_token_reused');
    // …which revoked the family: the live token and every access token go with it.
    await rejectsWith(refresh(demo.tg, r2), 'token_revoked');
    for (const pair of [r0, r1, r2]) {
      expect(await verdict(demo.tg, as.bearer(pair.token))).toBe('token_revoked');
    }
  });

  it('a retried successor presented within its own interval is a retry too', async () => {
    const { demo, r0, r1, t0 } = await rotatedOnce();
    demo.clock.set(t0 + 5 * SECOND);
    const r2 = await refresh(demo.tg, r0);
    // r1 was rotated at t0 + 5 s by that retry: 9.999 s later it may still be retried.
    demo.clock.set(t0 + 5 * SECOND + INTERVAL - 1);
    const r3 = await refresh(demo.tg, r1);
    // r0 is now past its own interval (rotated at t0): reuse.
    await rejectsWith(refresh(demo.tg, r0), 'refresh_token_reused');
    await rejectsWith(refresh(demo.tg, r3), 'token_revoked');
    await rejectsWith(refresh(demo.tg, r2), 'refresh_token_reused');
  });

  it('works across instances: a retry on another instance sharing the store', async () => {
    const { demo, r0, r1, t0 } = await rotatedOnce();
    const other = secondInstance(demo);
    demo.clock.set(t0 + INTERVAL - 1);
    const r2 = await refresh(other, r0);
    expect(await verdict(other, as.bearer(r2.token))).toBe(`ok:${ethan.id}`);
    demo.clock.advance(INTERVAL);
    await rejectsWith(refresh(demo.tg, r1), 'refresh_token_reused');
  });
});

describe('refresh reuse interval: at and after the boundary', () => {
  it.each([
    ['exactly at the boundary', 0],
    ['1 ms after it', 1],
    ['a minute after it', MINUTE],
  ])('%s the rotated token is reuse: refresh_token_reused and the family revoked', async (_name, past) => {
    const { demo, r0, r1, t0 } = await rotatedOnce();
    const other = secondInstance(demo);
    expect(await verdict(other, as.bearer(r1.token))).toBe(`ok:${ethan.id}`);
    demo.clock.set(t0 + INTERVAL + past);
    await rejectsWith(refresh(demo.tg, r0), 'refresh_token_reused');
    // The live successor is refused, and so is every access token of the session, at once here…
    await rejectsWith(refresh(demo.tg, r1), 'token_revoked');
    expect(await verdict(demo.tg, as.bearer(r1.token))).toBe('token_revoked');
    expect(await verdict(demo.tg, as.bearer(r0.token))).toBe('token_revoked');
    // …and on the other instance once it has synced (its refresh reads the store at once).
    await rejectsWith(refresh(other, r1), 'token_revoked');
    demo.clock.advance(10 * SECOND);
    expect(await verdict(other, as.bearer(r1.token))).toBe('token_revoked');
    // Presented again, the reused token still reports reuse.
    await rejectsWith(refresh(demo.tg, r0), 'refresh_token_reused');
    // A new login is not affected.
    const fresh = await login(demo.tg);
    expect(await verdict(demo.tg, as.bearer(fresh.token))).toBe(`ok:${ethan.id}`);
  });

  it('follows the configured interval (3 s): 2.999 s is a retry, 3 s is reuse', async () => {
    const below = await rotatedOnce({ options: { refreshReuseIntervalSeconds: 3 } });
    below.demo.clock.set(below.t0 + 2999);
    await refresh(below.demo.tg, below.r0);
    const at = await rotatedOnce({ options: { refreshReuseIntervalSeconds: 3 } });
    at.demo.clock.set(at.t0 + 3000);
    await rejectsWith(refresh(at.demo.tg, at.r0), 'refresh_token_reused');
  });

  it('a logged-out family refuses a retry within the interval (revoked, not retried)', async () => {
    const { demo, r0, r1 } = await rotatedOnce();
    expect(await demo.tg.tokenPair.revoke({ refreshToken: r1.refreshToken })).toBe(true);
    demo.clock.advance(SECOND);
    // A rotated token of a revoked family is reported as reuse, never retried.
    await rejectsWith(refresh(demo.tg, r0), 'refresh_token_reused');
    await rejectsWith(refresh(demo.tg, r1), 'token_revoked');
  });
});

describe('refresh reuse interval: concurrent presentations', () => {
  async function sixteenAtOnce(demo: Demo, pair: TokenPairResult) {
    const results = await Promise.all(Array.from({ length: 16 }, () => refresh(demo.tg, pair)));
    return results;
  }

  it('16 concurrent presentations of one token all succeed; afterwards exactly one refresh token is live', async () => {
    const demo = await buildDemo();
    const r0 = await login(demo.tg);
    const results = await sixteenAtOnce(demo, r0);
    expect(results).toHaveLength(16);
    expect(new Set(results.map((r) => r.refreshToken)).size).toBe(16);
    for (const result of results) {
      expect(await verdict(demo.tg, as.bearer(result.token))).toBe(`ok:${ethan.id}`);
    }
    // After the interval, every refresh token but one is rotated (reuse); the one live token is either
    // rotated (if presented first) or, once a reuse revoked the family, refused as revoked.
    demo.clock.advance(INTERVAL);
    const outcomes = [];
    for (const result of results) outcomes.push(await outcome(demo.tg, result));
    const live = outcomes.filter((o) => o !== 'refresh_token_reused');
    expect(live).toHaveLength(1);
    expect(['ok', 'token_revoked']).toContain(live[0]);
  });

  it('after 16 concurrent presentations, one more retry leaves its own successor the one live token', async () => {
    const demo = await buildDemo();
    const r0 = await login(demo.tg);
    const results = await sixteenAtOnce(demo, r0);
    demo.clock.advance(INTERVAL - 1);
    // Any of the 16 (rotated or live) may still be retried: its successor is now the only live token.
    const last = await refresh(demo.tg, results[3]!);
    demo.clock.advance(INTERVAL);
    const next = await refresh(demo.tg, last);
    expect(await verdict(demo.tg, as.bearer(next.token))).toBe(`ok:${ethan.id}`);
    // Every one of the 16 is rotated by now: reuse, which ends the family.
    await rejectsWith(refresh(demo.tg, results[15]!), 'refresh_token_reused');
    await rejectsWith(refresh(demo.tg, next), 'token_revoked');
    expect(await verdict(demo.tg, as.bearer(next.token))).toBe('token_revoked');
  });

  it('with the interval off, of 16 concurrent presentations exactly one wins and the family is revoked', async () => {
    const demo = await buildDemo({ options: { refreshReuseIntervalSeconds: 0 } });
    const r0 = await login(demo.tg);
    const settled = await Promise.allSettled(Array.from({ length: 16 }, () => refresh(demo.tg, r0)));
    const won = settled.filter((s) => s.status === 'fulfilled');
    const lost = settled.filter((s) => s.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((s) => (s.reason as { code: string }).code)).toEqual(
      Array(15).fill('refresh_token_reused'),
    );
    const winner = (won[0] as PromiseFulfilledResult<TokenPairResult>).value;
    await rejectsWith(refresh(demo.tg, winner), 'token_revoked');
    expect(await verdict(demo.tg, as.bearer(winner.token))).toBe('token_revoked');
  });
});

describe('refreshReuseIntervalSeconds: 0', () => {
  it('turns retries off: a second presentation at once is reuse and revokes the family', async () => {
    const { demo, r0, r1 } = await rotatedOnce({ options: { refreshReuseIntervalSeconds: 0 } });
    await rejectsWith(refresh(demo.tg, r0), 'refresh_token_reused');
    await rejectsWith(refresh(demo.tg, r1), 'token_revoked');
    expect(await verdict(demo.tg, as.bearer(r1.token))).toBe('token_revoked');
  });

  it('an instance with the interval off treats a retry as reuse even if another instance would not', async () => {
    const { demo, r0, r1, t0 } = await rotatedOnce();
    const strict = secondInstance(demo, { refreshReuseIntervalSeconds: 0 });
    demo.clock.set(t0 + SECOND);
    await rejectsWith(refresh(strict, r0), 'refresh_token_reused');
    await rejectsWith(refresh(demo.tg, r1), 'token_revoked');
  });
});
