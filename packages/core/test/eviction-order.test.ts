import { describe, expect, it } from 'vitest';
import { BoundedMemoryLimiter, CredentialCache, EvictionOrder, TollgateError } from './helpers/internals.js';

const keysOf = (map: Map<string, unknown>) => [...map.keys()];

describe('EvictionOrder', () => {
  it('evicts in insertion order, skipping keys deleted elsewhere and taking re-inserted keys last', () => {
    const map = new Map<string, number>(['a', 'b', 'c', 'd'].map((key, i) => [key, i]));
    const order = new EvictionOrder(map);
    expect(order.evictOldest()).toBe(true);
    expect(keysOf(map)).toEqual(['b', 'c', 'd']);
    map.delete('c'); // deleted elsewhere, ahead of the iterator
    map.delete('b');
    map.set('b', 9); // re-inserted: now the newest
    map.set('e', 4);
    expect(order.evictOldest()).toBe(true);
    expect(keysOf(map)).toEqual(['b', 'e']);
    expect(order.evictOldest()).toBe(true);
    expect(keysOf(map)).toEqual(['e']);
  });

  it('goes on after its iterator has ended, with the keys added since, and answers false on an empty map', () => {
    const map = new Map<string, number>([['a', 1]]);
    const order = new EvictionOrder(map);
    expect(order.evictOldest()).toBe(true);
    expect(order.evictOldest()).toBe(false);
    map.set('x', 1);
    map.set('y', 2);
    expect(order.evictOldest()).toBe(true);
    expect(keysOf(map)).toEqual(['y']);
    map.clear();
    order.reset();
    map.set('z', 3);
    map.set('w', 4);
    expect(order.evictOldest()).toBe(true);
    expect(keysOf(map)).toEqual(['w']);
  });

  it('keeps the newest keys of a long stream, as a fresh keys() each time would', () => {
    const map = new Map<number, number>();
    const order = new EvictionOrder(map);
    for (let i = 0; i < 50_000; i++) {
      if (map.size >= 1000) order.evictOldest();
      map.set(i, i);
      // Some keys leave early, as expired counters do.
      if (i % 7 === 0) map.delete(i - 500);
    }
    const kept = [...map.keys()];
    expect(kept.length).toBeLessThanOrEqual(1000);
    expect(kept).toEqual([...kept].sort((x, y) => x - y));
    expect(kept.at(-1)).toBe(49_999);
    expect(kept[0]).toBeGreaterThanOrEqual(49_000 - 1000);
  });
});

describe('the bounded maps that evict through it', () => {
  it('the login limiter forgets its oldest counter first, over many evictions', async () => {
    const limiter = new BoundedMemoryLimiter({
      keyPrefix: 't',
      points: 5,
      duration: 60,
      blockDuration: 60,
      maxKeys: 100,
    });
    for (let i = 0; i < 10_000; i++) await limiter.consume(`k${i}`);
    expect(limiter.size).toBe(100);
    expect(await limiter.get('k9899')).toBeNull();
    expect((await limiter.get('k9900'))?.consumedPoints).toBe(1);
    expect((await limiter.get('k9999'))?.consumedPoints).toBe(1);
  });

  it('the credential cache keeps at most maxRefusals refusals, the newest', () => {
    const cache = new CredentialCache({ maxEntries: 10, maxRefusals: 4 });
    const error = new TollgateError('invalid_token');
    for (let i = 0; i < 1000; i++) cache.refuse(`credential-${i}`, 'Bearer', error);
    expect(cache.lookup('credential-995', 0)).toBeUndefined();
    for (const i of [996, 997, 998, 999])
      expect(cache.lookup(`credential-${i}`, 0)).toMatchObject({ verdict: 'refused' });
  });
});
