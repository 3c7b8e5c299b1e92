import type { LimiterFactory } from '@tollgate/core';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';

export interface RedisLimiterOptions {
  /**
   * A counter operation Redis has not answered within this (ms) rejects, so the login fails with
   * `store_unavailable` rather than waiting on a dead connection. Default 1000.
   */
  readonly timeoutMs?: number;
}

/**
 * A `LimiterFactory` whose counters live in Redis, shared by every instance that uses the same
 * Redis and `loginLimits.keyPrefix`: failures counted on one instance count on all.
 *
 * It fails closed and fast, whatever the client's own options: an operation rejects with an `Error`
 * (Tollgate answers `store_unavailable`) at once while the client is not connected
 * (`rejectIfRedisNotReady`), and after `timeoutMs` when a command was sent but is not answered.
 */
export function redisLimiterFactory(redis: Redis, options: RedisLimiterOptions = {}): LimiterFactory {
  const timeoutMs = options.timeoutMs ?? 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new TypeError('timeoutMs must be a positive number');
  return (spec) =>
    new RLWrapperTimeouts({
      keyPrefix: spec.keyPrefix,
      limiter: new RateLimiterRedis({ ...spec, storeClient: redis, rejectIfRedisNotReady: true }),
      timeoutMs,
    });
}
