import { createHash } from 'node:crypto';
import { type RateLimiterAbstract, RateLimiterMemory } from 'rate-limiter-flexible';
import { TollgateError } from '../errors.js';
import { usernameKey } from '../ports.js';

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
 * Builds one rate-limiter-flexible limiter. The default keeps counters in this process
 * (`RateLimiterMemory`); `redisLimiterFactory` of `@tollgate/store-redis` shares them between
 * instances. A limiter whose backend cannot be reached must reject with an `Error`.
 */
export type LimiterFactory = (spec: LimiterSpec) => RateLimiterAbstract;

export interface LoginLimitsOptions {
  /** Failures per account (the username as typed, case-folded). `false` turns it off. */
  readonly perAccount?: LoginLimitRule | false;
  /** Failures per client IP (as the adapter reports it). `false` turns it off. */
  readonly perIp?: LoginLimitRule | false;
  readonly limiterFactory?: LimiterFactory;
  /** Prefix of every counter key. Default `tollgate:login`. */
  readonly keyPrefix?: string;
}

/** 10 failures in 15 minutes lock an account for 15 minutes. */
export const DEFAULT_ACCOUNT_LIMIT: LoginLimitRule = Object.freeze({
  maxFailures: 10,
  windowSeconds: 900,
  blockSeconds: 900,
});
/** 100 failures in an hour lock an IP out for an hour. */
export const DEFAULT_IP_LIMIT: LoginLimitRule = Object.freeze({
  maxFailures: 100,
  windowSeconds: 3600,
  blockSeconds: 3600,
});

export const memoryLimiterFactory: LimiterFactory = (spec) => new RateLimiterMemory({ ...spec });

export interface LoginAttempt {
  readonly username: string;
  /** Absent outside HTTP: then only the per-account limit applies. */
  readonly clientIp?: string | undefined;
}

/** Counts failed logins per account and per IP; a successful login is not counted. */
export interface LoginLimiter {
  /**
   * Runs `verify` unless a limit is already reached (`rate_limited`, with `retryAfterSeconds`).
   * The attempt is counted before `verify` runs, so concurrent guesses cannot overtake the count,
   * and given back when `verify` resolves to a user. Counters that cannot be reached fail
   * closed (`store_unavailable`).
   */
  attempt<T>(attempt: LoginAttempt, verify: () => Promise<T | null>): Promise<T | null>;
}

interface Counter {
  readonly limiter: RateLimiterAbstract;
  key(attempt: LoginAttempt): string | null;
}

// The username is hashed so counter keys (in Redis, say) hold no personal data and stay short.
const accountKey = (attempt: LoginAttempt): string =>
  createHash('sha256').update(usernameKey(attempt.username)).digest('base64url');

const isBackendFailure = (reason: unknown): boolean => reason instanceof Error;

export function createLoginLimiter(options: LoginLimitsOptions = {}): LoginLimiter {
  const factory = options.limiterFactory ?? memoryLimiterFactory;
  const prefix = options.keyPrefix ?? 'tollgate:login';
  const counters: Counter[] = [];
  const add = (name: string, rule: LoginLimitRule | false, key: Counter['key']) => {
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
    counters.push({ limiter, key });
  };
  add('account', options.perAccount ?? DEFAULT_ACCOUNT_LIMIT, accountKey);
  add('ip', options.perIp ?? DEFAULT_IP_LIMIT, (attempt) => attempt.clientIp || null);

  // A failure to give a point back only tightens the limit, so it is ignored.
  const giveBack = async (counted: readonly { limiter: RateLimiterAbstract; key: string }[]) => {
    await Promise.allSettled(counted.map(({ limiter, key }) => limiter.reward(key, 1)));
  };

  return {
    async attempt(attempt, verify) {
      const keyed = counters.flatMap((counter) => {
        const key = counter.key(attempt);
        return key === null ? [] : [{ limiter: counter.limiter, key }];
      });
      const outcomes = await Promise.allSettled(keyed.map(({ limiter, key }) => limiter.consume(key)));
      const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
      if (refused.some(isBackendFailure)) {
        // Not a failed login: give back the points that were taken, as far as the backend lets us.
        await giveBack(keyed.filter((_, i) => outcomes[i]!.status === 'fulfilled'));
        throw new TollgateError('store_unavailable', {
          message: 'the login rate-limit counters cannot be reached',
          cause: refused.find(isBackendFailure),
        });
      }
      if (refused.length > 0) {
        const waitMs = Math.max(...refused.map((res) => (res as { msBeforeNext: number }).msBeforeNext));
        throw new TollgateError('rate_limited', { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) });
      }
      let user: Awaited<ReturnType<typeof verify>>;
      try {
        user = await verify();
      } catch (error) {
        await giveBack(keyed); // the directory failed, not the caller
        throw error;
      }
      if (user !== null) await giveBack(keyed); // a successful login is not counted
      return user;
    },
  };
}
