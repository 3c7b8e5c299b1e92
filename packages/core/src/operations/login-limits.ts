import { createHash } from 'node:crypto';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { TollgateError } from '../errors.js';
import { usernameKey } from '../ports.js';
import { BoundedMemoryLimiter, DEFAULT_MAX_KEYS } from './memory-limiter.js';

/** A brute-force limit: at most `maxFailures` failed logins per `windowSeconds`. */
export interface LoginLimitRule {
  readonly maxFailures: number;
  readonly windowSeconds: number;
  /** Once over the limit, every attempt (even with the right password) is refused this long. */
  readonly blockSeconds: number;
}

/** What a `LimiterFactory` is asked to build: rate-limiter-flexible's own option names. */
export interface LimiterSpec {
  readonly keyPrefix: string;
  readonly points: number;
  /** Seconds. */
  readonly duration: number;
  /** Seconds. */
  readonly blockDuration: number;
}

/**
 * Builds one rate-limiter-flexible limiter. The default keeps counters in this process, at most
 * `maxKeysInMemory` each (`createMemoryLimiterFactory`); `redisLimiterFactory` of
 * `@tollgate/store-redis` shares them between instances. A limiter whose backend cannot be reached
 * must reject with an `Error`.
 */
export type LimiterFactory = (spec: LimiterSpec) => RateLimiterAbstract;

/**
 * rate-limiter-flexible's login protection: consecutive failures per account *and* address lock
 * that address out of that account only; failures per address, across accounts, lock the address;
 * failures per account from all addresses together, a limit set far higher, brake a distributed
 * attack. The owner on a clean address still gets in unless that last limit is reached.
 */
export interface LoginLimitsOptions {
  /**
   * Consecutive failures for one account from one client IP (a login without an IP counts as one
   * address of its own); a successful login from that address starts them again. `false` turns it off.
   */
  readonly perAccountAndIp?: LoginLimitRule | false;
  /** Failures per client IP (as the adapter reports it), across accounts. `false` turns it off. */
  readonly perIp?: LoginLimitRule | false;
  /**
   * Failures per account (the username as typed, case-folded) from every address together. Keep it
   * high: an address makes at most `2 × perAccountAndIp.maxFailures` failures on one account in a
   * window when `perAccountAndIp.blockSeconds ≥ perAccount.windowSeconds`, so with the defaults it
   * takes more than 10 addresses to reach it. `false` turns it off.
   */
  readonly perAccount?: LoginLimitRule | false;
  readonly limiterFactory?: LimiterFactory;
  /** Prefix of every counter key. Default `tollgate:login`. */
  readonly keyPrefix?: string;
  /**
   * With the default (in-memory) counters: the most keys each counter holds. At the bound the
   * oldest counters are forgotten (see `BoundedMemoryLimiter`). Default 10000. Ignored with a
   * `limiterFactory`.
   */
  readonly maxKeysInMemory?: number;
}

/** 10 failures in an hour from one address lock that address out of the account for 15 minutes. */
export const DEFAULT_ACCOUNT_AND_IP_LIMIT: LoginLimitRule = Object.freeze({
  maxFailures: 10,
  windowSeconds: 3600,
  blockSeconds: 900,
});
/** 100 failures in an hour lock an IP out for an hour. */
export const DEFAULT_IP_LIMIT: LoginLimitRule = Object.freeze({
  maxFailures: 100,
  windowSeconds: 3600,
  blockSeconds: 3600,
});
/** 200 failures in 15 minutes from all addresses together lock an account for 15 minutes. */
export const DEFAULT_ACCOUNT_LIMIT: LoginLimitRule = Object.freeze({
  maxFailures: 200,
  windowSeconds: 900,
  blockSeconds: 900,
});

/** Counters in this process, at most `maxKeys` keys each. */
export const createMemoryLimiterFactory =
  (maxKeys: number = DEFAULT_MAX_KEYS): LimiterFactory =>
  (spec) =>
    new BoundedMemoryLimiter({ ...spec, maxKeys });

export const memoryLimiterFactory: LimiterFactory = createMemoryLimiterFactory();

export interface LoginAttempt {
  readonly username: string;
  /** Absent outside HTTP: then the login counts as coming from one address of its own. */
  readonly clientIp?: string | undefined;
}

/** Counts failed logins per address, per account and address, and per account. */
export interface LoginLimiter {
  /**
   * Runs `verify` unless a limit is already reached (`rate_limited`, with `retryAfterSeconds`).
   * The counters are taken in order (address, account and address, account) before `verify` runs,
   * so concurrent guesses cannot overtake the count, and a refused attempt takes nothing from the
   * counters after the one that refused it (an address already locked out creates no account
   * counters). A refused attempt gives back what it took; so does a successful login, which also
   * starts that address's consecutive failures on that account again. Counters that cannot be
   * reached fail closed (`store_unavailable`).
   */
  attempt<T>(attempt: LoginAttempt, verify: () => Promise<T | null>): Promise<T | null>;
}

type CounterKind = 'ip' | 'accountAndIp' | 'account';

interface Counter {
  readonly kind: CounterKind;
  readonly limiter: RateLimiterAbstract;
}

interface Taken {
  readonly counter: Counter;
  readonly key: string;
}

// Usernames are hashed so counter keys (in Redis, say) hold no personal data and stay short.
const digest = (value: string): string => createHash('sha256').update(value).digest('base64url');

function keyOf(kind: CounterKind, attempt: LoginAttempt): string | null {
  if (kind === 'ip') return attempt.clientIp || null;
  const account = usernameKey(attempt.username);
  return kind === 'account' ? digest(account) : digest(`${account}\u0000${attempt.clientIp ?? ''}`);
}

const isBackendFailure = (reason: unknown): boolean => reason instanceof Error;

export function createLoginLimiter(options: LoginLimitsOptions = {}): LoginLimiter {
  const factory = options.limiterFactory ?? createMemoryLimiterFactory(options.maxKeysInMemory);
  const prefix = options.keyPrefix ?? 'tollgate:login';
  const counters: Counter[] = [];
  const add = (kind: CounterKind, name: string, rule: LoginLimitRule | false) => {
    if (rule === false) return;
    for (const [field, value] of Object.entries(rule)) {
      if (!Number.isInteger(value) || value < 1)
        throw new TypeError(`login limit ${name}.${field} must be a positive integer`);
    }
    const limiter = factory({
      keyPrefix: `${prefix}:${name}`,
      points: rule.maxFailures,
      duration: rule.windowSeconds,
      blockDuration: rule.blockSeconds,
    });
    counters.push({ kind, limiter });
  };
  // The order of the checks: the address first, the account last.
  add('ip', 'ip', options.perIp ?? DEFAULT_IP_LIMIT);
  add('accountAndIp', 'account-ip', options.perAccountAndIp ?? DEFAULT_ACCOUNT_AND_IP_LIMIT);
  add('account', 'account', options.perAccount ?? DEFAULT_ACCOUNT_LIMIT);

  // A failure to give a point back only tightens the limit, so it is ignored.
  const giveBack = async (taken: readonly Taken[]) => {
    await Promise.allSettled(taken.map(({ counter, key }) => counter.limiter.reward(key, 1)));
  };
  const startAgain = async (taken: readonly Taken[]) => {
    await Promise.allSettled(
      taken.map(({ counter, key }) =>
        counter.kind === 'accountAndIp' ? counter.limiter.delete(key) : counter.limiter.reward(key, 1),
      ),
    );
  };

  // Takes one point from each counter in order; stops at the first that refuses.
  const take = async (attempt: LoginAttempt): Promise<Taken[]> => {
    const taken: Taken[] = [];
    for (const counter of counters) {
      const key = keyOf(counter.kind, attempt);
      if (key === null) continue;
      try {
        await counter.limiter.consume(key);
      } catch (reason) {
        await giveBack(taken); // not a failed login, as far as the backend lets us
        if (isBackendFailure(reason)) {
          throw new TollgateError('store_unavailable', {
            message: 'the login rate-limit counters cannot be reached',
            cause: reason,
          });
        }
        const waitMs = (reason as { msBeforeNext: number }).msBeforeNext;
        throw new TollgateError('rate_limited', { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) });
      }
      taken.push({ counter, key });
    }
    return taken;
  };

  return {
    async attempt(attempt, verify) {
      const taken = await take(attempt);
      let user: Awaited<ReturnType<typeof verify>>;
      try {
        user = await verify();
      } catch (error) {
        await giveBack(taken); // the directory failed (or shed the load), not the caller
        throw error;
      }
      if (user !== null) await startAgain(taken); // a successful login is not counted
      return user;
    },
  };
}
