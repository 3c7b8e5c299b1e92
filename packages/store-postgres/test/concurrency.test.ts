import {
  createFastPasswordHasher,
  DAY,
  HOUR,
  MINUTE,
  newHash,
  newId,
  newUatRecord,
  T0,
} from '@tollgate/store-tests';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, openPostgresStore, type PostgresStore, seedDemoData } from '../src/index.js';
import { adminQuery, DATABASE_URL, quote, testSchemas } from './helpers.js';

// Two stores on two separate pools stand for two app instances: to PostgreSQL they are separate
// sessions exactly as two processes would be.

const schemas = testSchemas();
const stores: PostgresStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await schemas.dropAll();
});

async function instance(schema: string, poolSize = 4): Promise<PostgresStore> {
  const store = await openPostgresStore({
    connectionString: DATABASE_URL,
    schema,
    poolSize,
    passwordHasher: createFastPasswordHasher(),
    // Hundreds of calls queue for a few pooled connections here: on a busy machine the wait for one can
    // pass the 2 s default, which these tests (ordering, single winners) are not about.
    connectionTimeoutMs: 30_000,
    statementTimeoutMs: 30_000,
  });
  stores.push(store);
  return store;
}

const count = async (schema: string, sql: string): Promise<number> =>
  Number((await adminQuery<{ n: string }>(sql.replaceAll('$schema', quote(schema))))[0]?.n);

async function login(
  store: PostgresStore,
  options: { absoluteExpiresAt?: number; tokenExpiresAt?: number } = {},
) {
  const family = {
    id: newId(),
    userId: 'user-1',
    createdAt: T0,
    absoluteExpiresAt: options.absoluteExpiresAt ?? T0 + 30 * DAY,
  };
  const token = { hash: newHash(), issuedAt: T0, expiresAt: options.tokenExpiresAt ?? T0 + DAY };
  await store.tokens.createRefreshFamily({ family, token });
  return { family, token };
}

describe('two instances on one database', () => {
  it('a refresh token presented through both pools at once has exactly one winner, 200 rounds', async () => {
    const schema = schemas.next();
    const a = await instance(schema);
    const b = await instance(schema);
    const rounds = 200;
    const now = T0 + MINUTE;
    let winsA = 0;
    for (let round = 0; round < rounds; round++) {
      const { token } = await login(round % 2 === 0 ? a : b);
      const rotate = (store: PostgresStore) =>
        store.tokens.rotateRefreshToken({
          presentedHash: token.hash,
          next: { hash: newHash(), issuedAt: now, expiresAt: now + DAY },
          now,
          revocationExpiresAt: now + 30 * DAY,
        });
      // Twice through each instance, the order alternating.
      const order = round % 2 === 0 ? [a, b, a, b] : [b, a, b, a];
      const results = await Promise.all(order.map(rotate));
      const outcomes = results.map((r) => r.outcome);
      expect(
        outcomes.filter((o) => o === 'rotated'),
        `round ${round}: ${outcomes}`,
      ).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'reused')).toHaveLength(3);
      if (order[outcomes.indexOf('rotated')] === a) winsA++;
    }
    // Scheduling decides who wins; a one-sided count would mean the instances never really raced.
    console.info(`rotation race: instance A won ${winsA} of ${rounds}, instance B ${rounds - winsA}`);
    expect(winsA).toBeGreaterThan(0);
    expect(winsA).toBeLessThan(rounds);

    expect(await count(schema, 'SELECT count(*) AS n FROM $schema.refresh_tokens WHERE generation = 1')).toBe(
      rounds,
    );
    expect(
      await count(
        schema,
        'SELECT count(DISTINCT family_id) AS n FROM $schema.refresh_tokens WHERE generation = 1',
      ),
    ).toBe(rounds);
    expect(
      await count(
        schema,
        'SELECT count(*) AS n FROM $schema.refresh_tokens WHERE generation = 0 AND rotated_at IS NULL',
      ),
    ).toBe(0);
    expect(
      await count(schema, 'SELECT count(*) AS n FROM $schema.refresh_families WHERE revoked_at IS NULL'),
    ).toBe(0);
    // Each family revoked once, by its first reuse.
    expect(await count(schema, "SELECT count(*) AS n FROM $schema.revocations WHERE kind = 'session'")).toBe(
      rounds,
    );
    expect(await count(schema, 'SELECT count(DISTINCT id) AS n FROM $schema.revocations')).toBe(rounds);
  }, 30_000);

  it('within the reuse interval, a token presented 4 times through both pools gets 4 pairs and leaves one live token, 100 rounds', async () => {
    const schema = schemas.next();
    const a = await instance(schema);
    const b = await instance(schema);
    const rounds = 100;
    const now = T0 + MINUTE;
    for (let round = 0; round < rounds; round++) {
      const { token } = await login(round % 2 === 0 ? a : b);
      const rotate = (store: PostgresStore) =>
        store.tokens.rotateRefreshToken({
          presentedHash: token.hash,
          next: { hash: newHash(), issuedAt: now, expiresAt: now + DAY },
          now,
          revocationExpiresAt: now + 30 * DAY,
          reuseIntervalMs: 10_000,
        });
      const order = round % 2 === 0 ? [a, b, a, b] : [b, a, b, a];
      const results = await Promise.all(order.map(rotate));
      const retried = results.map((r) => (r.outcome === 'rotated' ? r.retried : r.outcome));
      expect(
        retried.filter((r) => r === false),
        `round ${round}: ${retried}`,
      ).toHaveLength(1);
      expect(retried.filter((r) => r === true)).toHaveLength(3);
      const generations = results.map((r) => (r.outcome === 'rotated' ? r.next.generation : -1));
      expect(generations.sort()).toEqual([1, 2, 3, 4]);
    }
    // Per family: the login's token and 4 successors, of which only the newest is live.
    expect(await count(schema, 'SELECT count(*) AS n FROM $schema.refresh_tokens')).toBe(5 * rounds);
    expect(
      await count(schema, 'SELECT count(*) AS n FROM $schema.refresh_tokens WHERE rotated_at IS NULL'),
    ).toBe(rounds);
    expect(
      await count(
        schema,
        'SELECT count(*) AS n FROM $schema.refresh_tokens WHERE rotated_at IS NULL AND generation = 4',
      ),
    ).toBe(rounds);
    expect(await count(schema, 'SELECT count(*) AS n FROM $schema.revocations')).toBe(0);
  }, 30_000);

  it('a retry racing the rotation of the successor it retires never deadlocks; one token stays live', async () => {
    const schema = schemas.next();
    const a = await instance(schema);
    const b = await instance(schema);
    const rounds = 50;
    for (let round = 0; round < rounds; round++) {
      const { token } = await login(a);
      const rotate = (store: PostgresStore, hash: string, now: number) =>
        store.tokens.rotateRefreshToken({
          presentedHash: hash,
          next: { hash: newHash(), issuedAt: now, expiresAt: now + DAY },
          now,
          revocationExpiresAt: now + 30 * DAY,
          reuseIntervalMs: 10_000,
        });
      const first = await rotate(a, token.hash, T0 + MINUTE);
      if (first.outcome !== 'rotated') throw new Error('expected a rotation');
      // The first tab refreshes again with its new token while the second retries the old one.
      const [retry, onward] = await Promise.all([
        rotate(round % 2 ? a : b, token.hash, T0 + MINUTE + 1),
        rotate(round % 2 ? b : a, first.next.hash, T0 + MINUTE + 1),
      ]);
      expect(retry).toMatchObject({ outcome: 'rotated', retried: true });
      // Either it rotated first, or the retry had already retired it: then it too is a retry.
      expect(onward.outcome).toBe('rotated');
    }
    expect(
      await count(schema, 'SELECT count(*) AS n FROM $schema.refresh_tokens WHERE rotated_at IS NULL'),
    ).toBe(rounds);
    expect(await count(schema, 'SELECT count(*) AS n FROM $schema.revocations')).toBe(0);
  }, 30_000);

  it("revoking a user's sessions, the user, a logout and a reuse all at once never deadlock", async () => {
    const schema = schemas.next();
    const a = await instance(schema);
    const b = await instance(schema);
    const rounds = 30;
    for (let round = 0; round < rounds; round++) {
      const userId = `user-${round}`;
      const now = T0 + HOUR;
      const pairs = [];
      for (let i = 0; i < 3; i++) {
        const id = newId();
        await a.tokens.createSession({
          id,
          userId,
          kind: 'token_pair',
          actor: null,
          createdAt: T0,
          lastUsedAt: T0,
          expiresAt: T0 + 30 * DAY,
          clientIp: null,
          userAgent: null,
          customData: null,
        });
        const token = { hash: newHash(), issuedAt: T0, expiresAt: T0 + DAY };
        await a.tokens.createRefreshFamily({
          family: { id, userId, createdAt: T0, absoluteExpiresAt: T0 + 30 * DAY },
          token,
        });
        const rotated = await a.tokens.rotateRefreshToken({
          presentedHash: token.hash,
          next: { hash: newHash(), issuedAt: T0 + 1, expiresAt: T0 + DAY },
          now: T0 + 1,
          revocationExpiresAt: T0 + DAY,
        });
        if (rotated.outcome !== 'rotated') throw new Error('expected a rotation');
        pairs.push({ id, token, next: rotated.next });
      }
      const ids = pairs.map((p) => p.id);
      const [x, y] = round % 2 ? [a, b] : [b, a];
      const settled = await Promise.allSettled([
        x.tokens.revokeSessions({ userId, ids: [...ids].reverse(), now, revocationExpiresAt: now + DAY }),
        y.tokens.revokeUser({ userId, now, revocationExpiresAt: now + DAY }),
        x.tokens.revokeRefreshFamilyByToken({
          hash: pairs[1]!.next.hash,
          now,
          revocationExpiresAt: now + DAY,
        }),
        y.tokens.rotateRefreshToken({
          presentedHash: pairs[2]!.token.hash,
          next: { hash: newHash(), issuedAt: now, expiresAt: now + DAY },
          now,
          revocationExpiresAt: now + DAY,
        }),
        x.tokens.revokeSessions({ userId, ids, now, revocationExpiresAt: now + DAY }),
      ]);
      expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(await a.tokens.listSessionsByUser({ userId, now })).toEqual([]);
      for (const { id } of pairs) expect((await b.tokens.findSession(id))?.revokedAt).toBe(now);
    }
  }, 60_000);

  it('5 stores opening at once on an empty schema migrate it once and seed it once', async () => {
    for (let round = 0; round < 4; round++) {
      const schema = schemas.next();
      const opened = await Promise.all(Array.from({ length: 5 }, () => instance(schema, 2)));
      const results = await Promise.all(opened.map((store) => seedDemoData(store)));
      expect(results.filter((r) => r.seeded)).toHaveLength(1);
      expect(await count(schema, 'SELECT count(*) AS n FROM $schema.schema_migrations')).toBe(
        MIGRATIONS.length,
      );
      expect(await count(schema, 'SELECT count(*) AS n FROM $schema.users')).toBe(5);
      expect(await count(schema, 'SELECT count(*) AS n FROM $schema.organisations')).toBe(3);
      expect(await count(schema, 'SELECT count(*) AS n FROM $schema.environments')).toBe(3);
      expect(await count(schema, 'SELECT count(*) AS n FROM $schema.permissions')).toBe(5);
      for (const store of opened) {
        expect(await store.users.findUserByUsername('bob@acme.test')).toMatchObject({ domain: 'acme' });
      }
      await Promise.all(opened.map((store) => store.close()));
    }
  }, 30_000);

  it('a revocation committed through one instance is listed to the other', async () => {
    const schema = schemas.next();
    const a = await instance(schema);
    const b = await instance(schema);
    const { family, token } = await login(a);
    const record = newUatRecord();
    await b.tokens.insertUat(record);
    expect(await b.tokens.listRevocations({ afterSeq: 0, now: T0 })).toEqual({ records: [], lastSeq: 0 });

    await a.tokens.revokeRefreshFamilyByToken({ hash: token.hash, now: T0, revocationExpiresAt: T0 + DAY });
    const first = await b.tokens.listRevocations({ afterSeq: 0, now: T0 });
    expect(first.records).toEqual([
      { seq: 1, kind: 'session', id: family.id, revokedAt: T0, expiresAt: T0 + DAY },
    ]);
    expect(first.lastSeq).toBe(1);

    expect(
      await a.tokens.revokeUat({
        id: record.id,
        userId: 'user-1',
        now: T0 + 1,
        revocationExpiresAt: T0 + DAY,
      }),
    ).toBe(true);
    expect(await b.tokens.listRevocations({ afterSeq: first.lastSeq, now: T0 })).toEqual({
      records: [{ seq: 2, kind: 'uat', id: record.id, revokedAt: T0 + 1, expiresAt: T0 + DAY }],
      lastSeq: 2,
    });
    expect((await b.tokens.findUatByHash(record.hash))?.revokedAt).toBe(T0 + 1);
  });

  it('concurrent logouts and UAT revocations of the same credentials record one revocation each', async () => {
    const schema = schemas.next();
    const a = await instance(schema);
    const b = await instance(schema);
    const families = await Promise.all(Array.from({ length: 20 }, () => login(a)));
    const uats = Array.from({ length: 20 }, () => newUatRecord());
    for (const record of uats) await a.tokens.insertUat(record);
    await Promise.all([
      ...families.flatMap(({ token }) =>
        [a, b, a, b].map((store) =>
          store.tokens.revokeRefreshFamilyByToken({
            hash: token.hash,
            now: T0,
            revocationExpiresAt: T0 + DAY,
          }),
        ),
      ),
      ...uats.flatMap((record) =>
        [b, a, b, a].map((store) =>
          store.tokens.revokeUat({ id: record.id, userId: 'user-1', now: T0, revocationExpiresAt: T0 + DAY }),
        ),
      ),
    ]);
    const { records, lastSeq } = await a.tokens.listRevocations({ afterSeq: 0, now: T0 });
    expect(records).toHaveLength(40);
    expect(new Set(records.map((r) => r.id)).size).toBe(40);
    expect(lastSeq).toBe(40);
  });

  it('a reader polling with afterSeq misses no revocation while two instances revoke concurrently', async () => {
    const schema = schemas.next();
    const a = await instance(schema, 8);
    const b = await instance(schema, 8);
    const reader = await instance(schema, 1);
    const families = await Promise.all(Array.from({ length: 240 }, (_, i) => login(i % 2 === 0 ? a : b)));
    const uats = Array.from({ length: 120 }, () => newUatRecord());
    await Promise.all(uats.map((record, i) => (i % 2 === 0 ? a : b).tokens.insertUat(record)));

    // The reader does what the core does: pass the last lastSeq back as afterSeq, again and again.
    const seen = new Map<string, number>();
    let afterSeq = 0;
    let polls = 0;
    const poll = async () => {
      const page = await reader.tokens.listRevocations({ afterSeq, now: T0 });
      let previous = afterSeq;
      for (const record of page.records) {
        expect(record.seq).toBeGreaterThan(previous);
        expect(record.seq).toBeLessThanOrEqual(page.lastSeq);
        expect(seen.has(record.id), `${record.id} listed twice`).toBe(false);
        seen.set(record.id, record.seq);
        previous = record.seq;
      }
      expect(page.lastSeq).toBeGreaterThanOrEqual(afterSeq);
      afterSeq = page.lastSeq;
      polls++;
    };

    let writing = true;
    const polling = (async () => {
      while (writing) await poll();
    })();
    // Every revocation in flight at once, through both instances, families and UATs interleaved.
    const now = T0 + HOUR;
    await Promise.all([
      ...families.map(({ token }, i) =>
        (i % 3 === 0 ? a : b).tokens.revokeRefreshFamilyByToken({
          hash: token.hash,
          now,
          revocationExpiresAt: T0 + DAY,
        }),
      ),
      ...uats.map((record, i) =>
        (i % 3 === 0 ? b : a).tokens.revokeUat({
          id: record.id,
          userId: 'user-1',
          now,
          revocationExpiresAt: T0 + DAY,
        }),
      ),
    ]).finally(() => {
      writing = false;
    });
    await polling;
    await poll();

    const expected = [...families.map((f) => f.family.id), ...uats.map((u) => u.id)];
    console.info(`revocation log: ${expected.length} revocations read in ${polls} polls`);
    expect(polls).toBeGreaterThan(2);
    expect(seen.size).toBe(expected.length);
    for (const id of expected) expect(seen.has(id), `the reader missed ${id}`).toBe(true);
    // Gapless: seqs 1..n, and lastSeq is the last of them.
    expect([...seen.values()].sort((x, y) => x - y)).toEqual(expected.map((_, i) => i + 1));
    expect(afterSeq).toBe(expected.length);
  }, 30_000);

  it('purges in bounded batches, also with two instances purging at once', async () => {
    const schema = schemas.next();
    const a = await instance(schema);
    const b = await instance(schema);
    const expiring = { absoluteExpiresAt: T0 + HOUR, tokenExpiresAt: T0 + HOUR };
    const seedExpired = async () => {
      // 30 expired families, each with a rotated token and its successor: 90 rows.
      for (let i = 0; i < 30; i++) {
        const { token } = await login(a, expiring);
        await a.tokens.rotateRefreshToken({
          presentedHash: token.hash,
          next: { hash: newHash(), issuedAt: T0 + MINUTE, expiresAt: T0 + DAY },
          now: T0 + MINUTE,
          revocationExpiresAt: T0 + HOUR,
        });
      }
      // 20 expired UATs, 10 revoked with revocations expired too: 30 rows.
      const records = Array.from({ length: 20 }, () => newUatRecord({ expiresAt: T0 + HOUR }));
      for (const record of records) await b.tokens.insertUat(record);
      for (const record of records.slice(0, 10)) {
        await b.tokens.revokeUat({
          id: record.id,
          userId: 'user-1',
          now: T0,
          revocationExpiresAt: T0 + HOUR,
        });
      }
      return 90 + 30;
    };
    const live = await login(a);
    const liveUat = newUatRecord();
    await a.tokens.insertUat(liveUat);
    const now = T0 + DAY - 1;

    const expired = await seedExpired();
    const batches: number[] = [];
    for (let guard = 0; guard < 100; guard++) {
      const deleted = await a.tokens.purgeExpired({ now, limit: 7 });
      batches.push(deleted);
      if (deleted === 0) break;
    }
    expect(batches.slice(0, -1).every((n) => n === 7 || n === expired % 7)).toBe(true);
    expect(Math.max(...batches)).toBeLessThanOrEqual(7);
    expect(batches.at(-1)).toBe(0);
    expect(batches.reduce((x, y) => x + y, 0)).toBe(expired);

    // Again, with both instances purging concurrently: every row deleted once, none waited for.
    const again = await seedExpired();
    const purgeAll = async (store: PostgresStore) => {
      let total = 0;
      for (;;) {
        const deleted = await store.tokens.purgeExpired({ now, limit: 5 });
        expect(deleted).toBeLessThanOrEqual(5);
        if (deleted === 0) return total;
        total += deleted;
      }
    };
    const totals = await Promise.all([purgeAll(a), purgeAll(b), purgeAll(a)]);
    expect(totals.reduce((x, y) => x + y, 0)).toBe(again);

    expect(await count(schema, 'SELECT count(*) AS n FROM $schema.refresh_tokens')).toBe(1);
    expect(await count(schema, 'SELECT count(*) AS n FROM $schema.refresh_families')).toBe(1);
    expect(await count(schema, 'SELECT count(*) AS n FROM $schema.uats')).toBe(1);
    expect(await count(schema, 'SELECT count(*) AS n FROM $schema.revocations')).toBe(0);
    expect(await a.tokens.findUatByHash(liveUat.hash)).toEqual(liveUat);
    // The counter survives: the next revocation gets a seq never handed out before.
    expect((await b.tokens.listRevocations({ afterSeq: 0, now })).lastSeq).toBe(20);
    expect(
      (
        await b.tokens.rotateRefreshToken({
          presentedHash: live.token.hash,
          next: { hash: newHash(), issuedAt: now, expiresAt: now + DAY },
          now,
          revocationExpiresAt: now + DAY,
        })
      ).outcome,
    ).toBe('rotated');
  }, 30_000);
});
