/**
 * Login brute-force limits shared through Redis: two Tollgate instances, each with its own client
 * (B's through a TCP proxy), counting into the same keys. Real time for the limiters' windows.
 */
import type { LoginLimitsOptions } from '@tollgate/core';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisLimiterFactory } from '../src/index.js';
import {
  ACCOUNTS,
  connected,
  deleteKeysAfterTest,
  redisClient,
  redisProxy,
  rejectsWith,
  sharedStores,
  unique,
} from './helpers.js';

const { ethan, bob } = ACCOUNTS;
const rule = (maxFailures: number, blockSeconds = 60) => ({ maxFailures, windowSeconds: 60, blockSeconds });
const TIMEOUT_MS = 300;

async function twoInstances(limits: Omit<LoginLimitsOptions, 'limiterFactory' | 'keyPrefix'>) {
  const shared = await sharedStores();
  const keyPrefix = unique('login');
  deleteKeysAfterTest(keyPrefix);
  const proxy = await redisProxy();
  const redisA = await connected(redisClient());
  const redisB = await connected(redisClient(proxy.url));
  const limited = (redis: Redis) =>
    shared.instance({
      loginLimits: {
        ...limits,
        keyPrefix,
        limiterFactory: redisLimiterFactory(redis, { timeoutMs: TIMEOUT_MS }),
      },
    });
  return { a: limited(redisA), b: limited(redisB), proxy, redisA, redisB, keyPrefix };
}

describe('redisLimiterFactory', () => {
  it('counts failed logins on A and B together: the account is refused on both once the limit is reached', async () => {
    const { a, b, redisA, keyPrefix } = await twoInstances({ perAccount: rule(3, 120), perIp: false });
    await rejectsWith(a.login({ username: bob.username, password: 'wrong' }), 'invalid_credentials');
    await rejectsWith(a.login({ username: 'BOB@acme.test', password: 'wrong' }), 'invalid_credentials');
    await rejectsWith(b.login({ username: bob.username, password: 'wrong' }), 'invalid_credentials');
    const refused = await rejectsWith(b.accessTokens.login(bob), 'rate_limited');
    expect(refused.retryAfterSeconds).toBeGreaterThan(100);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(120);
    await rejectsWith(a.login(bob), 'rate_limited');
    // Another account is not affected.
    await expect(b.login(ethan)).resolves.toMatchObject({ id: ethan.id });
    // The counters are in Redis, keyed by a hash: no username in any key.
    const keys = await redisA.keys(`${keyPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => /bob|acme/i.test(key))).toEqual([]);
  });

  it('does not count a successful login, on either instance', async () => {
    const { a, b } = await twoInstances({ perAccount: rule(2), perIp: rule(2) });
    const attempt = { ...bob, clientIp: '203.0.113.7' };
    for (let i = 0; i < 5; i++) {
      await a.login(attempt);
      await b.login(attempt);
    }
    // fail (A), succeed (B), fail (B): two failures, both answered 401; the limit is reached only now.
    await rejectsWith(a.login({ ...attempt, password: 'x' }), 'invalid_credentials');
    await b.login(attempt);
    await rejectsWith(b.login({ ...attempt, password: 'x' }), 'invalid_credentials');
    await rejectsWith(a.login(attempt), 'rate_limited');
  });

  it('counts failures per client IP across accounts and instances; other IPs and IP-less calls are unaffected', async () => {
    const { a, b } = await twoInstances({ perAccount: false, perIp: rule(3) });
    const ip = '198.51.100.23';
    await rejectsWith(a.login({ username: 'a@x.test', password: 'x', clientIp: ip }), 'invalid_credentials');
    await rejectsWith(b.login({ username: 'b@x.test', password: 'x', clientIp: ip }), 'invalid_credentials');
    await rejectsWith(a.login({ username: 'c@x.test', password: 'x', clientIp: ip }), 'invalid_credentials');
    await rejectsWith(b.login({ ...ethan, clientIp: ip }), 'rate_limited');
    await expect(b.login({ ...ethan, clientIp: '198.51.100.24' })).resolves.toMatchObject({ id: ethan.id });
    await expect(a.login(ethan)).resolves.toMatchObject({ id: ethan.id });
  });

  it('locks an address out of one account, not the owner on another address; a success starts the count again', async () => {
    const { a, b } = await twoInstances({
      perAccountAndIp: rule(3, 120),
      perIp: rule(50),
      perAccount: rule(50),
    });
    const attacker = '203.0.113.66';
    for (const tg of [a, b, a]) {
      await rejectsWith(
        tg.login({ username: ethan.username, password: 'x', clientIp: attacker }),
        'invalid_credentials',
      );
    }
    const refused = await rejectsWith(b.login({ ...ethan, clientIp: attacker }), 'rate_limited');
    expect(refused.retryAfterSeconds).toBeGreaterThan(100);
    await expect(a.login({ ...ethan, clientIp: '198.51.100.7' })).resolves.toMatchObject({ id: ethan.id });
    // Consecutive failures: two, a success, then three more before the address is locked out.
    const owner = { ...bob, clientIp: '198.51.100.9' };
    await rejectsWith(a.login({ ...owner, password: 'x' }), 'invalid_credentials');
    await rejectsWith(b.login({ ...owner, password: 'x' }), 'invalid_credentials');
    await b.login(owner);
    for (let i = 0; i < 3; i++)
      await rejectsWith(a.login({ ...owner, password: 'x' }), 'invalid_credentials');
    await rejectsWith(b.login(owner), 'rate_limited');
  });

  it('fails logins fast with store_unavailable while Redis is unreachable or silent, and works again after', async () => {
    const { a, b, proxy, redisB } = await twoInstances({ perAccount: rule(5), perIp: rule(5) });
    const timed = async (work: Promise<unknown>) => {
      const started = performance.now();
      await rejectsWith(work, 'store_unavailable');
      return performance.now() - started;
    };
    const attempt = { ...bob, clientIp: '192.0.2.1' };

    // Cut: refused at once, whether or not the client has noticed yet.
    proxy.cut();
    expect(await timed(b.login(attempt))).toBeLessThan(TIMEOUT_MS + 200);
    await expect.poll(() => redisB.status).not.toBe('ready');
    expect(await timed(b.login(attempt))).toBeLessThan(50);
    expect(await timed(b.tokenPair.login(attempt))).toBeLessThan(50);
    await expect(a.login(attempt)).resolves.toMatchObject({ id: bob.id });
    proxy.restore();
    await connected(redisB);
    await expect(b.login(attempt)).resolves.toMatchObject({ id: bob.id });

    // Frozen (a silent partition): the client still thinks it is connected; the timeout answers.
    proxy.freeze();
    const elapsed = await timed(b.login(attempt));
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 200);
    proxy.restore();
    await expect(b.login(attempt)).resolves.toMatchObject({ id: bob.id });
  });

  it('rejects a timeout that is not a positive number', () => {
    const redis = redisClient();
    expect(() => redisLimiterFactory(redis, { timeoutMs: 0 })).toThrow(TypeError);
    expect(() => redisLimiterFactory(redis, { timeoutMs: Number.NaN })).toThrow(TypeError);
  });
});
