import type { UatRecord } from '@tollgate/core';
import { createFastPasswordHasher, DAY, newHash, newUatRecord, T0 } from '@tollgate/store-tests';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createCoalescedReader } from '../src/coalesce.js';
import { openPostgresStore, type PostgresStore } from '../src/index.js';
import { DATABASE_URL, testSchemas } from './helpers.js';

/** A promise with its resolve and reject, to hold a query open. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A reader over `rows` whose queries stay open until the test answers them, recorded in `queries`. */
function heldReader(options: { maxInFlight: number; maxBatch: number }) {
  const queries: { keys: readonly string[]; answer: () => void; fail: (error: unknown) => void }[] = [];
  const rows = new Map([
    ['a', 1],
    ['b', 2],
    ['c', 3],
    ['d', 4],
  ]);
  const read = createCoalescedReader<string, number>({
    ...options,
    readMany: (keys) => {
      const held = deferred<ReadonlyMap<string, number>>();
      const found = new Map(keys.flatMap((key) => (rows.has(key) ? [[key, rows.get(key)!] as const] : [])));
      queries.push({ keys, answer: () => held.resolve(found), fail: held.reject });
      return held.promise;
    },
  });
  return { read, queries, rows };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createCoalescedReader', () => {
  it('idle, a read is sent at once and alone', async () => {
    const { read, queries } = heldReader({ maxInFlight: 1, maxBatch: 8 });
    const a = read('a');
    expect(queries.map((q) => q.keys)).toEqual([['a']]);
    queries[0]!.answer();
    await expect(a).resolves.toBe(1);
  });

  it('reads that arrive while the queries are out wait, then go together; a key asked twice is sent once', async () => {
    const { read, queries } = heldReader({ maxInFlight: 1, maxBatch: 8 });
    const first = read('a');
    const later = [read('b'), read('x'), read('b'), read('c')];
    expect(queries).toHaveLength(1);
    queries[0]!.answer();
    await first;
    await settle();
    expect(queries.map((q) => q.keys)).toEqual([['a'], ['b', 'x', 'c']]);
    queries[1]!.answer();
    await expect(Promise.all(later)).resolves.toEqual([2, undefined, 2, 3]);
  });

  it('a read never joins a query already sent, even for the same key', async () => {
    const { read, queries, rows } = heldReader({ maxInFlight: 2, maxBatch: 8 });
    const before = read('a');
    rows.set('a', 10); // a write committed after the first query was sent
    const after = read('a');
    expect(queries.map((q) => q.keys)).toEqual([['a'], ['a']]);
    for (const query of queries) query.answer();
    expect(await before).toBe(1);
    expect(await after).toBe(10);
  });

  it('at most maxInFlight queries out, at most maxBatch keys in each', async () => {
    const { read, queries } = heldReader({ maxInFlight: 2, maxBatch: 3 });
    const reads = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((key) => read(key));
    expect(queries.map((q) => q.keys)).toEqual([['a'], ['b']]);
    queries[0]!.answer();
    await settle();
    expect(queries.map((q) => q.keys)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    queries[1]!.answer();
    await settle();
    expect(queries.slice(3).map((q) => q.keys)).toEqual([['f', 'g', 'h']]);
    queries[2]!.answer();
    queries[3]!.answer();
    await settle();
    expect(queries.slice(4).map((q) => q.keys)).toEqual([['i']]);
    queries[4]!.answer();
    await expect(Promise.all(reads)).resolves.toEqual([
      1,
      2,
      3,
      4,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('a failed query rejects its own reads only, and the reader goes on', async () => {
    const { read, queries } = heldReader({ maxInFlight: 1, maxBatch: 8 });
    const first = read('a');
    const waiting = [read('b'), read('c')];
    queries[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settle();
    queries[1]!.answer();
    await expect(Promise.all(waiting)).resolves.toEqual([2, 3]);
    const again = read('d');
    queries[2]!.answer();
    await expect(again).resolves.toBe(4);
  });

  it('a readMany that throws synchronously rejects its reads', async () => {
    const read = createCoalescedReader<string, number>({
      maxInFlight: 1,
      maxBatch: 4,
      readMany: () => {
        throw new Error('closed');
      },
    });
    await expect(read('a')).rejects.toThrow('closed');
  });

  it('refuses nonsense limits', () => {
    const readMany = async () => new Map<string, number>();
    expect(() => createCoalescedReader({ readMany, maxInFlight: 0, maxBatch: 1 })).toThrow(RangeError);
    expect(() => createCoalescedReader({ readMany, maxInFlight: 1, maxBatch: 0.5 })).toThrow(RangeError);
  });
});

describe('UAT lookups on the real PostgreSQL', () => {
  const schemas = testSchemas();
  const pools: pg.Pool[] = [];
  const stores: PostgresStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await Promise.all(pools.map((pool) => pool.end()));
    await schemas.dropAll();
  });

  /** A store on a pool of the test's, whose checkouts are counted: one per round trip of a lookup. */
  async function countedStore(max: number) {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max });
    pools.push(pool);
    const store = await openPostgresStore({
      pool,
      schema: schemas.next(),
      passwordHasher: createFastPasswordHasher(),
    });
    stores.push(store);
    let checkouts = 0;
    pool.on('acquire', () => checkouts++);
    return { store, checkouts: () => checkouts };
  }

  const uat = (): UatRecord => newUatRecord({ permissions: ['brand_create'] });

  it('300 concurrent lookups (known, unknown, repeated) each get their own row, in far fewer round trips', async () => {
    const { store, checkouts } = await countedStore(4);
    const records = Array.from({ length: 100 }, uat);
    for (const record of records) await store.tokens.insertUat(record);
    const unknown = Array.from({ length: 100 }, newHash);
    const asked = [...records.map((r) => r.hash), ...unknown, ...records.map((r) => r.hash)];
    const before = checkouts();
    const found = await Promise.all(asked.map((hash) => store.tokens.findUatByHash(hash)));
    const roundTrips = checkouts() - before;
    expect(found.slice(0, 100)).toEqual(records);
    expect(found.slice(100, 200)).toEqual(unknown.map(() => null));
    expect(found.slice(200)).toEqual(records);
    // Two queries out at a time on a pool of 4; each of the others carries up to 128 hashes.
    expect(roundTrips).toBeLessThanOrEqual(6);
    expect(roundTrips).toBeGreaterThanOrEqual(2);
  });

  it('a lookup asked after a revocation committed sees it, while older lookups are still out', async () => {
    const { store } = await countedStore(4);
    const record = uat();
    await store.tokens.insertUat(record);
    // Keep the reader busy: lookups keep arriving before, during and after the revocation.
    const busy = Array.from({ length: 50 }, () => store.tokens.findUatByHash(record.hash));
    const revoked = await store.tokens.revokeUat({
      id: record.id,
      userId: record.userId,
      now: T0 + 1,
      revocationExpiresAt: T0 + DAY,
    });
    expect(revoked).toBe(true);
    const after = await Promise.all(
      Array.from({ length: 50 }, () => store.tokens.findUatByHash(record.hash)),
    );
    for (const seen of after) expect(seen?.revokedAt).toBe(T0 + 1);
    for (const seen of await Promise.all(busy)) expect(seen?.id).toBe(record.id);
  });
});
