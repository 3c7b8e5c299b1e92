/**
 * Two Tollgate services on one Redis, each on its own PostgreSQL database, with the same schema name
 * in both (as two services that both use `public` would). Each names its channel and counters with
 * `redisNamespaceFor(store.identity)`, so neither hears the other's revocations nor counts the other's
 * failed logins. A second instance of service A, reaching A's database through a proxy (another
 * host:port), derives the same namespace, and so shares both with A.
 */
import {
  createKeySet,
  createTollgate,
  generateSigningKey,
  type KeySet,
  type Principal,
  type RequestCredentials,
  type RevocationNotice,
  type Tollgate,
  type TollgateOptions,
} from '@tollgate/core';
import type { PostgresStore } from '@tollgate/store-postgres';
import { demoSeed, startTcpProxy } from '@tollgate/store-tests';
import { beforeAll, describe, expect, it } from 'vitest';
import { type RedisRevocationChannel, redisLimiterFactory, redisNamespaceFor } from '../src/index.js';
import {
  ACCOUNTS,
  AUDIENCE,
  channel,
  connected,
  DAY,
  deleteKeysAfterTest,
  ISSUER,
  REDIS_URL,
  redisClient,
  rejectsWith,
} from './helpers.js';
import { DATABASE_URL, databaseUrl, ensureDatabase, freshSchema, undoStack } from './postgres.js';

/** The principal `authenticate` accepts synchronously (from what it already knows), else undefined. */
function acceptedNow(tollgate: Tollgate, request: RequestCredentials): Principal | undefined {
  const result = tollgate.authenticate(request);
  return result instanceof Promise || !result.ok ? undefined : result.principal;
}

/** Service B's database, created if missing (and left for the next run). */
const DATABASE_B = 'tollgate_ns_b';
const { ethan, bob } = ACCOUNTS;
const TEST_TIMEOUT_MS = 30_000;

beforeAll(() => ensureDatabase(DATABASE_B), TEST_TIMEOUT_MS);

/**
 * Service A (database `test`), its second instance A2 (the same database through a TCP proxy) and
 * service B (database `tollgate_ns_b`), all on one fresh schema name; closed and dropped, with their
 * Redis keys, when the test ends.
 */
async function services() {
  const later = undoStack();
  const { schema, open } = freshSchema(later, [DATABASE_URL, databaseUrl(DATABASE_B)]);

  const target = new URL(DATABASE_URL);
  const proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
  later(() => proxy.close());
  const viaProxy = new URL(DATABASE_URL);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);

  const [storeA, storeB] = await Promise.all([open(DATABASE_URL), open(databaseUrl(DATABASE_B))]);
  const storeA2 = await open(viaProxy.toString());
  await Promise.all([storeA.seed(demoSeed), storeB.seed(demoSeed)]);

  const namespaces = {
    a: redisNamespaceFor(storeA.identity),
    a2: redisNamespaceFor(storeA2.identity),
    b: redisNamespaceFor(storeB.identity),
  };
  for (const namespace of new Set(Object.values(namespaces))) deleteKeysAfterTest(`${namespace}:`);

  // A2 is an instance of A: the same keys. B is another service: keys of its own.
  const keysA = createKeySet({ current: await generateSigningKey() });
  const keysB = createKeySet({ current: await generateSigningKey() });
  const tollgate = (
    store: PostgresStore,
    keys: KeySet,
    options: Partial<Omit<TollgateOptions, 'keys' | 'store' | 'users'>>,
  ): Tollgate => {
    const instance = createTollgate({
      issuer: ISSUER,
      audience: AUDIENCE,
      loginLimits: false,
      ...options,
      keys,
      store: store.tokens,
      users: store.users,
    });
    later(async () => instance.close());
    return instance;
  };
  return { schema, stores: { a: storeA, a2: storeA2, b: storeB }, namespaces, keysA, keysB, tollgate };
}

/** The notices a channel delivers, and a promise of the next one (ask for it before causing it). */
function listen(revocations: RedisRevocationChannel) {
  const notices: RevocationNotice[] = [];
  const waiting: ((notice: RevocationNotice) => void)[] = [];
  revocations.subscribe({
    revoked(notice) {
      notices.push(notice);
      for (const resolve of waiting.splice(0)) resolve(notice);
    },
    connected() {},
    disconnected() {},
  });
  return {
    notices,
    next(what: string, timeoutMs = 5000): Promise<RevocationNotice> {
      return new Promise((resolve, reject) => {
        // Only a bound on failure: the test goes on as soon as the notice arrives.
        const timer = setTimeout(
          () => reject(new Error(`${what}: no notice within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiting.push((notice) => {
          clearTimeout(timer);
          resolve(notice);
        });
      });
    },
  };
}

describe('two services on one Redis, on different databases', () => {
  it(
    'the same database gives the same namespace, through any address; another database another one',
    async () => {
      const { schema, stores, namespaces } = await services();
      // Reached through another host:port, A2's database is A's.
      expect(stores.a2.identity).toEqual(stores.a.identity);
      expect(namespaces.a2).toBe(namespaces.a);
      // The same schema name on both: a namespace built from it alone (`tollgate:${schema}`) would collide.
      expect(stores.b.identity.schema).toBe(schema);
      expect(stores.a.identity.schema).toBe(schema);
      expect(stores.b.identity.database).toBe(DATABASE_B);
      expect(namespaces.b).not.toBe(namespaces.a);
      for (const namespace of Object.values(namespaces)) {
        expect(namespace).toMatch(/^tollgate:[0-9a-f]{16}$/);
        expect(namespace).not.toContain(schema);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a revocation published by one service is heard by its own instances, never by the other service',
    async () => {
      const t = await services();
      const channelA = channel({ redis: REDIS_URL, namespace: t.namespaces.a });
      const channelA2 = channel({ redis: REDIS_URL, namespace: t.namespaces.a2 });
      const channelB = channel({ redis: REDIS_URL, namespace: t.namespaces.b });
      expect(channelB.channelName).not.toBe(channelA.channelName);
      const a = t.tollgate(t.stores.a, t.keysA, { revocationChannel: channelA });
      const a2 = t.tollgate(t.stores.a2, t.keysA, { revocationChannel: channelA2 });
      const b = t.tollgate(t.stores.b, t.keysB, { revocationChannel: channelB });
      const heardOnA2 = listen(channelA2);
      const heardOnB = listen(channelB);
      await Promise.all([channelA.ready(), channelA2.ready(), channelB.ready()]);

      const newUat = async (service: Tollgate) => {
        const { token } = await service.accessTokens.login(ethan);
        const caller = await service.requirePrincipal({ authorization: `Bearer ${token}` });
        const created = await service.uats.create({
          caller,
          name: 'ci',
          expiresAt: new Date(Date.now() + 30 * DAY),
          permissions: ['brand_create'],
        });
        return { caller, id: created.id, header: { authorization: `UAT ${created.token}` } };
      };
      const [uatA, laterUatA, uatB] = [await newUat(a), await newUat(a), await newUat(b)];
      await expect(a2.requirePrincipal(uatA.header)).resolves.toMatchObject({ tokenId: uatA.id });
      await expect(b.requirePrincipal(uatB.header)).resolves.toMatchObject({ tokenId: uatB.id });

      // A revokes: A2 hears it (and refuses the UAT it had cached).
      let heard = heardOnA2.next('A2 hearing the revocation on A');
      await a.uats.revoke({ caller: uatA.caller, id: uatA.id });
      expect(await heard).toMatchObject({ kind: 'uat', id: uatA.id });
      expect(acceptedNow(a2, uatA.header)).toBeUndefined();

      // B revokes after that: Redis delivers in order, so once B hears its own notice, it would
      // have heard A's before it.
      heard = heardOnB.next('B hearing its own revocation');
      await b.uats.revoke({ caller: uatB.caller, id: uatB.id });
      expect(await heard).toMatchObject({ kind: 'uat', id: uatB.id });
      expect(heardOnB.notices.map((notice) => notice.id)).toEqual([uatB.id]);

      // And the other way round: A revokes again; by the time A2 hears it, it would have heard B's.
      heard = heardOnA2.next('A2 hearing the second revocation on A');
      await a.uats.revoke({ caller: laterUatA.caller, id: laterUatA.id });
      await heard;
      expect(heardOnA2.notices.map((notice) => notice.id)).toEqual([uatA.id, laterUatA.id]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'login failures counted by one service do not count for the other, but do for its own instances',
    async () => {
      const t = await services();
      const rule = { maxFailures: 3, windowSeconds: 60, blockSeconds: 60 };
      // Each instance with a Redis client of its own, connected (the limiter refuses until then).
      const limited = async (store: PostgresStore, keys: KeySet, namespace: string) => {
        const redis = await connected(redisClient());
        return t.tollgate(store, keys, {
          // The default keyPrefix (`tollgate:login`) on every service: only the namespace tells them apart.
          loginLimits: {
            perAccount: rule,
            perIp: rule,
            limiterFactory: redisLimiterFactory(redis, { namespace }),
          },
        });
      };
      const a = await limited(t.stores.a, t.keysA, t.namespaces.a);
      const a2 = await limited(t.stores.a2, t.keysA, t.namespaces.a2);
      const b = await limited(t.stores.b, t.keysB, t.namespaces.b);
      const attempt = { ...bob, clientIp: '127.0.0.1' };
      const wrong = { ...attempt, password: 'wrong' };

      for (let i = 0; i < 3; i++) await rejectsWith(a.login(wrong), 'invalid_credentials');
      // Service A, on either instance: bob and 127.0.0.1 are over the limit.
      await rejectsWith(a.login(attempt), 'rate_limited');
      await rejectsWith(a2.login(attempt), 'rate_limited');
      await rejectsWith(a2.login({ ...ethan, clientIp: '127.0.0.1' }), 'rate_limited');
      // Service B has counted nothing: bob and 127.0.0.1 log in, and B's own count starts from zero.
      await expect(b.login(attempt)).resolves.toMatchObject({ id: bob.id });
      await rejectsWith(b.login(wrong), 'invalid_credentials');
      await rejectsWith(b.login(wrong), 'invalid_credentials');
      await expect(b.login(attempt)).resolves.toMatchObject({ id: bob.id });
      await expect(b.login({ ...ethan, clientIp: '127.0.0.1' })).resolves.toMatchObject({ id: ethan.id });

      // In Redis: each service's counters under its own namespace, none under the bare default prefix's
      // keys of this test (those would be `tollgate:login:…`, shared by every service).
      const redis = await connected(redisClient());
      const ipKey = (namespace: string) => `${namespace}:tollgate:login:ip:127.0.0.1`;
      expect(Number(await redis.get(ipKey(t.namespaces.a)))).toBeGreaterThanOrEqual(3);
      expect(await redis.get(ipKey(t.namespaces.b))).toBe('2');
    },
    TEST_TIMEOUT_MS,
  );
});
