/**
 * The in-memory login counters have a bound: a flood of failed logins with fresh usernames (no
 * address to lock out, so every one is counted) grows the heap by a few MB at most. Needs
 * `--expose-gc` (set in this project's vitest config) to measure retained heap, not garbage.
 */
import { describe, expect, it } from 'vitest';
import { BoundedMemoryLimiter, createLoginLimiter } from './helpers/internals.js';

const gc = (globalThis as { gc?: () => void }).gc;
const MB = 1024 * 1024;

const retainedHeap = (): number => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};

describe('login limiter memory', () => {
  it.skipIf(!gc)(
    '200,000 failed logins with distinct usernames grow the heap by less than 8 MB',
    async () => {
      const limiter = createLoginLimiter();
      const before = retainedHeap();
      for (let i = 0; i < 200_000; i++) {
        await limiter.attempt({ username: `user-${i}@flood.test` }, async () => null);
      }
      const grown = retainedHeap() - before;
      // Two counters (account, account and address) of at most 10,000 keys each: about 3 MB.
      expect(grown / MB).toBeLessThan(8);
      // Still counting: the newest account is refused after its 10 failures.
      for (let i = 1; i < 10; i++)
        await limiter.attempt({ username: 'user-199999@flood.test' }, async () => null);
      await expect(
        limiter.attempt({ username: 'user-199999@flood.test' }, async () => null),
      ).rejects.toMatchObject({ code: 'rate_limited' });
    },
    120_000,
  );

  it('holds at most maxKeys keys, forgetting the oldest counter first', async () => {
    const limiter = new BoundedMemoryLimiter({
      keyPrefix: 't',
      points: 2,
      duration: 60,
      blockDuration: 60,
      maxKeys: 3,
    });
    for (const key of ['a', 'b', 'c']) await limiter.consume(key);
    await limiter.consume('a'); // a: 2 of 2
    await limiter.consume('d'); // full: a, the oldest, is forgotten
    expect(limiter.size).toBe(3);
    expect(await limiter.get('a')).toBeNull();
    expect((await limiter.get('b'))?.consumedPoints).toBe(1);
    await limiter.consume('b');
    await expect(limiter.consume('b')).rejects.toMatchObject({ remainingPoints: 0 });
    // Blocked for blockDuration from the attempt that went over.
    const blocked = await limiter.get('b');
    expect(blocked?.msBeforeNext).toBeGreaterThan(59_000);
    // A reward never starts a counter.
    await limiter.reward('zz');
    expect(await limiter.get('zz')).toBeNull();
    expect(await limiter.delete('b')).toBe(true);
    expect(await limiter.get('b')).toBeNull();
  });
});
