import { availableParallelism } from 'node:os';
import { TollgateError } from '../errors.js';

/**
 * The cap on password checks (each one a hash: 128 MiB and ~0.3 s of a core with scrypt's OWASP
 * parameters). `false` on `createTollgate` turns it off.
 */
export interface PasswordHashingOptions {
  /**
   * Password checks run at once; peak hashing memory is this times one hash's. Default: the cores
   * available, at most 4 (libuv's thread pool runs 4 anyway; more than the cores only adds memory
   * and latency, not throughput).
   */
  readonly maxConcurrent?: number;
  /**
   * Password checks waiting for a slot, first come first served. One more is refused at once with
   * `login_overloaded` (503 + `Retry-After`), without hashing. Default 8.
   */
  readonly maxQueue?: number;
  /** `Retry-After` of `login_overloaded`, in seconds. Default 2. */
  readonly retryAfterSeconds?: number;
}

export const DEFAULT_PASSWORD_HASHING: Required<PasswordHashingOptions> = Object.freeze({
  maxConcurrent: Math.max(1, Math.min(4, availableParallelism())),
  maxQueue: 8,
  retryAfterSeconds: 2,
});

export interface HashingGate {
  /** Runs `work` in a slot, after waiting in the queue if need be; `login_overloaded` when it is full. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

export function createHashingGate(options: PasswordHashingOptions = {}): HashingGate {
  const { maxConcurrent, maxQueue, retryAfterSeconds } = { ...DEFAULT_PASSWORD_HASHING, ...options };
  for (const [name, value, min] of [
    ['maxConcurrent', maxConcurrent, 1],
    ['maxQueue', maxQueue, 0],
    ['retryAfterSeconds', retryAfterSeconds, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min)
      throw new TypeError(`passwordHashing.${name} must be an integer of at least ${min}`);
  }
  let running = 0;
  const waiting: (() => void)[] = [];

  return {
    async run(work) {
      if (running < maxConcurrent) running++;
      else if (waiting.length < maxQueue) await new Promise<void>((resolve) => waiting.push(resolve));
      else throw new TollgateError('login_overloaded', { retryAfterSeconds });
      try {
        return await work();
      } finally {
        // The slot passes straight to the first in the queue, so no newcomer overtakes it.
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
  };
}
