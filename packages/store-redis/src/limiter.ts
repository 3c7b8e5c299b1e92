import type { LimiterFactory } from '@tollgate/core';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { validateNamespace } from './namespace.js';

export interface RedisLimiterOptions {
  /**
   * The service's namespace in Redis: counter keys are `<namespace>:<loginLimits.keyPrefix>:…`.
   * Every instance of one service must use the same, and no other service on this Redis may: give
   * the revocation channel's, e.g. `redisNamespaceFor(store.identity)`. Validated as there (a
   * TypeError for an empty or malformed one).
   *
   * Omitted: keys are `<loginLimits.keyPrefix>:…` alone (`tollgate:login:…` by default), shared with
   * every other Tollgate service on this Redis with the same `keyPrefix`.
   */
  readonly namespace?: string;
  /**
   * A counter operation Redis has not answered within this (ms) rejects, so the login fails with
   * `store_unavailable` rather than waiting on a dead connection. Default 1000.
   */
  readonly timeoutMs?: number;
}

/**
 * A `LimiterFactory` whose counters live in Redis, shared by every instance that uses the same
 * Redis, `namespace` and `loginLimits.keyPrefix`: failures counted on one instance count on all,
 * and on no other service's instances.
 *
 * It fails closed and fast, whatever the client's own options: an operation rejects with an `Error`
 * (Tollgate answers `store_unavailable`) at once while the client is not connected
 * (`rejectIfRedisNotReady`), and after `timeoutMs` when a command was sent but is not answered.
 */
export function redisLimiterFactory(redis: Redis, options: RedisLimiterOptions = {}): LimiterFactory {
  const timeoutMs = options.timeoutMs ?? 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new TypeError('timeoutMs must be a positive number');
  const namespace = options.namespace === undefined ? undefined : validateNamespace(options.namespace);
  return (spec) => {
    const keyPrefix = namespace === undefined ? spec.keyPrefix : `${namespace}:${spec.keyPrefix}`;
    return new RLWrapperTimeouts({
      keyPrefix,
      limiter: new RateLimiterRedis({ ...spec, keyPrefix, storeClient: redis, rejectIfRedisNotReady: true }),
      timeoutMs,
    });
  };
}
