/**
 * Brute-force limits on password logins: per account and per client IP, counted before the
 * password is checked (so concurrent guesses cannot overtake the count), a successful login
 * not counted. Real rate-limiter-flexible memory limiters; real time for their windows.
 */

import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import {
  createLoginLimiter,
  type LimiterFactory,
  type LoginLimitsOptions,
  memoryLimiterFactory,
  type TollgateError,
} from './helpers/internals.js';
import { ACCOUNTS, buildDemo, rejectsWith } from './helpers/operation-rules.js';

const { ethan, bob } = ACCOUNTS;
const rule = (maxFailures: number, blockSeconds = 60) => ({ maxFailures, windowSeconds: 60, blockSeconds });

const limited = (loginLimits: LoginLimitsOptions) => buildDemo({ options: { loginLimits } });

describe('login limits', () => {
  it('refuses an account after maxFailures failures, even with the right password, and says when to retry', async () => {
    const { tg } = await limited({ perAccount: rule(3, 120), perIp: false });
    for (let i = 0; i < 3; i++) {
      await rejectsWith(
        tg.tokenPair.login({ username: bob.username, password: 'wrong' }),
        'invalid_credentials',
      );
    }
    const refused = await rejectsWith(tg.tokenPair.login(bob), 'rate_limited', 429);
    expect(refused.retryAfterSeconds).toBeGreaterThan(100);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(120);
    // Another account is not affected.
    await expect(tg.tokenPair.login(ethan)).resolves.toMatchObject({ customerId: expect.any(String) });
  });

  it('counts the account case-insensitively and across every login operation', async () => {
    const { tg } = await limited({ perAccount: rule(3), perIp: false });
    await rejectsWith(
      tg.tokenPair.login({ username: 'BOB@acme.test', password: 'x' }),
      'invalid_credentials',
    );
    await rejectsWith(
      tg.accessTokens.login({ username: 'bob@ACME.test', password: 'x' }),
      'invalid_credentials',
    );
    await rejectsWith(tg.userTokens.login({ username: bob.username, password: 'x' }), 'invalid_credentials');
    await rejectsWith(tg.accessTokens.login(bob), 'rate_limited');
  });

  it('limits unknown usernames exactly like known ones (no account enumeration)', async () => {
    const { tg } = await limited({ perAccount: rule(2), perIp: false });
    for (const username of [bob.username, 'nobody@acme.test']) {
      await rejectsWith(tg.login({ username, password: 'x' }), 'invalid_credentials');
      await rejectsWith(tg.login({ username, password: 'x' }), 'invalid_credentials');
      await rejectsWith(tg.login({ username, password: 'x' }), 'rate_limited');
    }
  });

  it('does not count a successful login', async () => {
    const { tg } = await limited({ perAccount: rule(2), perIp: rule(2) });
    const attempt = { ...bob, clientIp: '203.0.113.7' };
    for (let i = 0; i < 10; i++) await tg.login(attempt);
    // fail, succeed, fail: two failures, both answered 401; the limit (2) is reached only now.
    await rejectsWith(tg.login({ ...attempt, password: 'x' }), 'invalid_credentials');
    await tg.login(attempt);
    await rejectsWith(tg.login({ ...attempt, password: 'x' }), 'invalid_credentials');
    await rejectsWith(tg.login(attempt), 'rate_limited');
  });

  it('refuses a client IP after maxFailures failures across accounts; other IPs and IP-less calls are unaffected', async () => {
    const { tg } = await limited({ perAccount: false, perIp: rule(3) });
    const ip = '198.51.100.23';
    for (const username of ['a@x.test', 'b@x.test', 'c@x.test']) {
      await rejectsWith(tg.login({ username, password: 'x', clientIp: ip }), 'invalid_credentials');
    }
    await rejectsWith(tg.login({ ...ethan, clientIp: ip }), 'rate_limited');
    await expect(tg.login({ ...ethan, clientIp: '198.51.100.24' })).resolves.toMatchObject({ id: ethan.id });
    await expect(tg.login(ethan)).resolves.toMatchObject({ id: ethan.id });
  });

  it('counts concurrent guesses before checking them: exactly maxFailures are checked', async () => {
    const { tg } = await limited({ perAccount: rule(5), perIp: false });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => tg.login({ username: bob.username, password: 'guess' })),
    );
    const codes = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as TollgateError).code : 'ok'));
    expect(codes.filter((c) => c === 'invalid_credentials')).toHaveLength(5);
    expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(15);
  });

  it('applies the defaults (10 per account) when nothing is configured, and none with loginLimits: false', async () => {
    const { tg } = await buildDemo();
    for (let i = 0; i < 10; i++)
      await rejectsWith(tg.login({ ...bob, password: 'x' }), 'invalid_credentials');
    await rejectsWith(tg.login(bob), 'rate_limited');

    const open = await buildDemo({ options: { loginLimits: false } });
    for (let i = 0; i < 30; i++) {
      await rejectsWith(open.tg.login({ ...bob, password: 'x' }), 'invalid_credentials');
    }
    await expect(open.tg.login(bob)).resolves.toMatchObject({ id: bob.id });
  });

  it('rejects a rule that is not a positive integer when the Tollgate is built', async () => {
    await expect(buildDemo({ options: { loginLimits: { perAccount: rule(0) } } })).rejects.toThrow(
      /perAccount|account\.maxFailures/,
    );
  });

  it('an attacker on one address cannot lock the owner out: the owner on a clean address gets in (defaults)', async () => {
    const { tg } = await buildDemo();
    const attacker = '203.0.113.66';
    for (let i = 0; i < 10; i++) {
      await rejectsWith(
        tg.tokenPair.login({ username: ethan.username, password: 'wrong', clientIp: attacker }),
        'invalid_credentials',
      );
    }
    // The attacker's address is locked out of this account, even with the right password...
    await rejectsWith(tg.tokenPair.login({ ...ethan, clientIp: attacker }), 'rate_limited', 429);
    // ...and the owner, on another address, is not.
    await expect(tg.tokenPair.login({ ...ethan, clientIp: '198.51.100.7' })).resolves.toMatchObject({
      customerId: expect.any(String),
    });
    // The attacker's address may still sign in to its own account.
    await expect(tg.login({ ...bob, clientIp: attacker })).resolves.toMatchObject({ id: bob.id });
  });

  it('a handful of addresses cannot lock the account; many addresses are throttled on it (defaults)', async () => {
    const { tg } = await buildDemo();
    const guesses = async (address: number) => {
      const clientIp = `192.0.2.${address}`;
      const codes: string[] = [];
      for (let i = 0; i < 11; i++) {
        try {
          await tg.login({ username: ethan.username, password: `guess-${i}`, clientIp });
          codes.push('ok');
        } catch (error) {
          codes.push((error as TollgateError).code);
        }
      }
      return codes;
    };
    // Nine addresses, each until it is locked out of the account: 90 failures.
    for (let address = 1; address <= 9; address++) {
      const codes = await guesses(address);
      expect(codes.slice(0, 10)).toEqual(Array(10).fill('invalid_credentials'));
      expect(codes[10]).toBe('rate_limited');
    }
    await expect(tg.login({ ...ethan, clientIp: '198.51.100.7' })).resolves.toMatchObject({ id: ethan.id });
    // Twenty more addresses: past 200 failures on the account, every address is refused on it, fresh or not.
    const codes = [];
    for (let address = 10; address <= 30; address++) codes.push(...(await guesses(address)));
    expect(codes.filter((code) => code === 'invalid_credentials').length).toBeLessThanOrEqual(200 - 90);
    const refused = await rejectsWith(tg.login({ ...ethan, clientIp: '198.51.100.8' }), 'rate_limited');
    expect(refused.retryAfterSeconds).toBeGreaterThan(800);
    // Other accounts are not affected.
    await expect(tg.login({ ...bob, clientIp: '198.51.100.8' })).resolves.toMatchObject({ id: bob.id });
  });

  it('checks the address before the account: an address locked out creates no account counters', async () => {
    const seen = new Map<string, Set<string>>();
    const recording: LimiterFactory = (spec) => {
      const limiter = memoryLimiterFactory(spec);
      const keys = new Set<string>();
      seen.set(spec.keyPrefix, keys);
      const consume = limiter.consume.bind(limiter);
      limiter.consume = (key, points, options) => {
        keys.add(String(key));
        return consume(key, points, options);
      };
      return limiter as RateLimiterAbstract;
    };
    const limiter = createLoginLimiter({ perIp: rule(100), limiterFactory: recording });
    const codes = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const code = await limiter
        .attempt({ username: `user-${i}@spray.test`, clientIp: '203.0.113.9' }, async () => null)
        .then(
          () => 'none',
          (error: TollgateError) => error.code,
        );
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(Object.fromEntries(codes)).toEqual({ none: 100, rate_limited: 900 });
    expect(seen.get('tollgate:login:ip')?.size).toBe(1);
    expect(seen.get('tollgate:login:account')?.size).toBe(100);
    expect(seen.get('tollgate:login:account-ip')?.size).toBe(100);
  });
});
