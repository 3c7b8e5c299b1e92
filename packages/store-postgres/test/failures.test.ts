import { isTollgateError } from '@tollgate/core';
import {
  createFastPasswordHasher,
  DAY,
  MINUTE,
  newHash,
  newId,
  newUatRecord,
  T0,
} from '@tollgate/store-tests';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
  seedDemoData,
} from '../src/index.js';
import { adminQuery, DATABASE_URL, quote, testSchemas, urlWithName } from './helpers.js';
import { TcpProxy } from './proxy.js';

const schemas = testSchemas();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => schemas.dropAll());

const server = new URL(DATABASE_URL);
const target = { host: server.hostname, port: Number(server.port || 5432) };

async function open(options: Partial<PostgresStoreOptions> & { schema: string }): Promise<PostgresStore> {
  const store = await openPostgresStore({
    connectionString: DATABASE_URL,
    poolSize: 3,
    passwordHasher: createFastPasswordHasher(),
    ...options,
  } as PostgresStoreOptions);
  cleanups.push(() => store.close());
  return store;
}

async function startProxy(): Promise<TcpProxy> {
  const proxy = await TcpProxy.start(target);
  cleanups.push(() => proxy.close());
  return proxy;
}

/** The test database reached through the proxy. */
function viaProxy(proxy: TcpProxy, applicationName: string): string {
  const url = new URL(urlWithName(applicationName));
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

async function login(store: PostgresStore) {
  const family = { id: newId(), userId: 'user-1', createdAt: T0, absoluteExpiresAt: T0 + 30 * DAY };
  const token = { hash: newHash(), issuedAt: T0, expiresAt: T0 + DAY };
  await store.tokens.createRefreshFamily({ family, token });
  return { family, token };
}

function rotate(store: PostgresStore, hash: string, now = T0 + MINUTE) {
  return store.tokens.rotateRefreshToken({
    presentedHash: hash,
    next: { hash: newHash(), issuedAt: now, expiresAt: now + DAY },
    now,
    revocationExpiresAt: now + DAY,
  });
}

/** One call of every method, each a promise of its own. */
function everyCall(store: PostgresStore): Record<string, Promise<unknown>> {
  const hash = newHash();
  const { lifecycle } = store.users;
  if (!lifecycle) throw new Error('the PostgreSQL directory has a lifecycle');
  const uat = newUatRecord({ prefix: 'tgu_x', expiresAt: T0 + DAY });
  return {
    createRefreshFamily: store.tokens.createRefreshFamily({
      family: { id: newId(), userId: 'user-1', createdAt: T0, absoluteExpiresAt: T0 + DAY },
      token: { hash, issuedAt: T0, expiresAt: T0 + DAY },
    }),
    rotateRefreshToken: rotate(store, newHash()),
    revokeRefreshFamilyByToken: store.tokens.revokeRefreshFamilyByToken({
      hash: newHash(),
      now: T0,
      revocationExpiresAt: T0 + DAY,
    }),
    insertUat: store.tokens.insertUat(uat),
    findUatByHash: store.tokens.findUatByHash(newHash()),
    listUatsByUser: store.tokens.listUatsByUser('user-1'),
    revokeUat: store.tokens.revokeUat({
      id: newId(),
      userId: 'user-1',
      now: T0,
      revocationExpiresAt: T0 + DAY,
    }),
    touchUat: store.tokens.touchUat({ id: newId(), at: T0 }),
    listRevocations: store.tokens.listRevocations({ afterSeq: 0, now: T0 }),
    purgeExpired: store.tokens.purgeExpired({ now: T0, limit: 10 }),
    findUserById: store.users.findUserById(newId()),
    findUserByUsername: store.users.findUserByUsername('bob@acme.test'),
    verifyPassword: store.users.verifyPassword('bob@acme.test', 'wrong'),
    listEnvironments: store.users.listEnvironments(),
    listPermissions: store.users.listPermissions(),
    seed: store.seed({ organisations: [], environments: [], permissions: [], users: [] }),
    createSession: store.tokens.createSession({
      id: newId(),
      userId: 'user-1',
      kind: 'jwt_login',
      actor: null,
      createdAt: T0,
      lastUsedAt: T0,
      expiresAt: T0 + DAY,
      clientIp: null,
      userAgent: null,
      customData: null,
    }),
    findSession: store.tokens.findSession(newId()),
    listSessionsByUser: store.tokens.listSessionsByUser({ userId: 'user-1', now: T0 }),
    touchSession: store.tokens.touchSession({ id: newId(), at: T0 }),
    revokeSessions: store.tokens.revokeSessions({
      userId: 'user-1',
      ids: [newId()],
      now: T0,
      revocationExpiresAt: T0 + DAY,
    }),
    revokeUser: store.tokens.revokeUser({ userId: 'user-1', now: T0, revocationExpiresAt: T0 + DAY }),
    // The directory here has no organisation: refusing the user for that is an answer from the database.
    createUser: lifecycle
      .createUser({
        id: newId(),
        username: 'new@acme.test',
        email: 'new@acme.test',
        password: 'N3w!password',
        kind: 'customer',
        organisationId: newId(),
      })
      .catch((error: unknown) => {
        if (isTollgateError(error) && error.code === 'malformed_request') return 'refused';
        throw error;
      }),
    setPassword: lifecycle.setPassword({ userId: newId(), password: 'N3w!password' }),
    setDisabled: lifecycle.setDisabled({ userId: newId(), disabled: true }),
    recordAuditEvent: Promise.resolve().then(() =>
      store.audit.record({
        id: newId(),
        type: 'user.disabled',
        at: T0,
        userId: 'user-1',
        actorId: null,
        sessionId: null,
        clientIp: null,
        userAgent: null,
        details: {},
      }),
    ),
    queryAudit: store.audit.query({ userId: 'user-1' }),
    purgeAudit: store.audit.purgeExpired({ now: T0, limit: 10 }),
  };
}

interface Settled {
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: unknown;
}

/** How long each call took to settle, and how. */
async function settle(calls: Record<string, Promise<unknown>>): Promise<[string, Settled][]> {
  const started = Date.now();
  return Promise.all(
    Object.entries(calls).map(async ([name, call]): Promise<[string, Settled]> => {
      try {
        await call;
        return [name, { ok: true, ms: Date.now() - started }];
      } catch (error) {
        return [name, { ok: false, ms: Date.now() - started, error }];
      }
    }),
  );
}

const backendsOf = (applicationName: string) =>
  adminQuery<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
    applicationName,
  ]);

const terminate = (applicationName: string) =>
  adminQuery<{ terminated: boolean }>(
    'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );

describe('the pool recovers by itself', () => {
  it('after pg_terminate_backend of every connection, the next calls succeed, and nothing crashes', async () => {
    const schema = schemas.next();
    const app = `${schema}_app`;
    const store = await open({ schema, connectionString: urlWithName(app) });
    await seedDemoData(store);
    const before = new Set<number>();
    for (let round = 0; round < 5; round++) {
      // Concurrent calls open several connections.
      await Promise.all(
        Array.from({ length: 6 }, () => store.tokens.listRevocations({ afterSeq: 0, now: T0 })),
      );
      const backends = await backendsOf(app);
      for (const { pid } of backends) before.add(pid);
      expect(backends.length).toBeGreaterThan(0);
      expect((await terminate(app)).every((r) => r.terminated)).toBe(true);

      // At once, before the pool may have heard of it: every kind of call works.
      const results = await settle(everyCall(store));
      for (const [name, result] of results) expect(result.ok, `${name}: ${String(result.error)}`).toBe(true);
      const { token } = await login(store);
      expect((await rotate(store, token.hash)).outcome).toBe('rotated');
    }
    // On new connections.
    for (const { pid } of await backendsOf(app)) expect(before.has(pid)).toBe(false);
  });

  it('a transaction whose connection is killed mid-way rejects, rolls back, and the store goes on', async () => {
    const schema = schemas.next();
    const app = `${schema}_app`;
    const store = await open({ schema, connectionString: urlWithName(app) });
    const { token } = await login(store);
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    try {
      // Hold the token's row lock, so the rotation waits inside its transaction.
      await admin.query('BEGIN');
      await admin.query(`SELECT 1 FROM ${quote(schema)}.refresh_tokens WHERE hash = $1 FOR UPDATE`, [
        token.hash,
      ]);
      const waiting = rotate(store, token.hash);
      const outcome = waiting.then(
        () => 'resolved',
        (error: unknown) => error,
      );
      for (let i = 0; i < 50 && (await backendsOf(app)).length === 0; i++) await sleep(10);
      await sleep(50);
      await terminate(app);
      expect(await outcome).toMatchObject({ code: '57P01' });
      await admin.query('COMMIT');
    } finally {
      await admin.end();
    }
    // The killed transaction left nothing: the same token still rotates, once.
    expect((await rotate(store, token.hash)).outcome).toBe('rotated');
    expect((await rotate(store, token.hash)).outcome).toBe('reused');
  });
});

describe('fail fast: reject, never hang', () => {
  it('a closed port: openPostgresStore rejects at once', async () => {
    const started = Date.now();
    await expect(
      openPostgresStore({
        connectionString: 'postgres://postgres@127.0.0.1:1/test',
        connectionTimeoutMs: 2000,
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a host that never answers: openPostgresStore rejects within connectionTimeoutMs', async () => {
    const proxy = await startProxy();
    proxy.down();
    const started = Date.now();
    await expect(
      openPostgresStore({ connectionString: viaProxy(proxy, 'blackhole'), connectionTimeoutMs: 300 }),
    ).rejects.toThrow(/timeout/);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1000);
  });

  it('the server gone after open: every method rejects within about connectionTimeoutMs; back, it works', async () => {
    const schema = schemas.next();
    const proxy = await startProxy();
    const store = await open({ schema, connectionString: viaProxy(proxy, schema), connectionTimeoutMs: 300 });
    await seedDemoData(store);
    await Promise.all(Array.from({ length: 4 }, () => store.users.listPermissions()));

    proxy.down(); // idle connections die: the pool must not crash the process
    const results = await settle(everyCall(store));
    for (const [name, result] of results) {
      expect(result.ok, name).toBe(false);
      // The calls queue for 3 connections, each attempt bounded: all settle within a few timeouts.
      expect(result.ms, name).toBeLessThan(4 * 300 + 500);
    }
    // One call alone rejects within about the timeout.
    const started = Date.now();
    await expect(store.tokens.findUatByHash(newHash())).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(300 + 300);

    proxy.up();
    const { token } = await login(store);
    expect((await rotate(store, token.hash)).outcome).toBe('rotated');
    const again = await settle(everyCall(store));
    for (const [name, result] of again) expect(result.ok, `${name}: ${String(result.error)}`).toBe(true);
  });

  it('a partition mid-query: the call rejects within statementTimeoutMs + 1 s, then the store recovers', async () => {
    const schema = schemas.next();
    const proxy = await startProxy();
    const store = await open({
      schema,
      connectionString: viaProxy(proxy, schema),
      poolSize: 1,
      connectionTimeoutMs: 300,
      statementTimeoutMs: 300,
    });
    const { token } = await login(store);
    proxy.freeze();
    const started = Date.now();
    await expect(rotate(store, token.hash)).rejects.toThrow(/timeout/);
    expect(Date.now() - started).toBeLessThan(300 + 1000 + 500);
    proxy.up();
    // The rotation's BEGIN never reached the server: the token is untouched.
    expect((await rotate(store, token.hash)).outcome).toBe('rotated');
  });

  it('a statement waiting on a lock is cancelled after statementTimeoutMs, also on a pool of the caller', async () => {
    const callerPool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 }); // no timeouts of its own
    cleanups.push(() => callerPool.end());
    // The same limit ends a session idle inside a transaction: on a busy machine the migrations'
    // statements could be that far apart, so the schema is migrated first with the default limits.
    const statementTimeoutMs = 1000;
    for (const via of ['connectionString', 'pool'] as const) {
      const schema = schemas.next();
      await (await open({ schema })).close();
      const store =
        via === 'pool'
          ? await openPostgresStore({ schema, pool: callerPool, statementTimeoutMs })
          : await open({ schema, statementTimeoutMs });
      if (via === 'pool') cleanups.push(() => store.close());
      const { token } = await login(store);
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      try {
        await admin.query('BEGIN');
        await admin.query(`SELECT 1 FROM ${quote(schema)}.refresh_tokens WHERE hash = $1 FOR UPDATE`, [
          token.hash,
        ]);
        const started = Date.now();
        await expect(rotate(store, token.hash), via).rejects.toMatchObject({ code: '57014' }); // query_canceled
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(statementTimeoutMs - 50);
        expect(elapsed).toBeLessThan(statementTimeoutMs + 4000); // cancelled, not left hanging
        await admin.query('COMMIT');
      } finally {
        await admin.end();
      }
      // Rolled back and pooled again, not left inside an aborted transaction.
      for (let i = 0; i < 3; i++)
        expect(await store.tokens.listRevocations({ afterSeq: 0, now: T0 })).toEqual({
          records: [],
          lastSeq: 0,
        });
      expect((await rotate(store, token.hash)).outcome).toBe('rotated');
    }
  });

  it('a pool of the caller with no connection timeout still fails within connectionTimeoutMs', async () => {
    const proxy = await startProxy();
    proxy.down();
    const pool = new pg.Pool({ connectionString: viaProxy(proxy, 'caller'), max: 1 });
    pool.on('error', () => {});
    const started = Date.now();
    await expect(
      openPostgresStore({ pool, schema: schemas.next(), connectionTimeoutMs: 300 }),
    ).rejects.toThrow(/within 300 ms/);
    expect(Date.now() - started).toBeLessThan(800);
    await proxy.close(); // lets the pool's hanging connection attempt fail, so the pool can end
    await pool.end();
  });
});

describe('close', () => {
  it('rejects every call after close, closes twice harmlessly and ends its own pool', async () => {
    const schema = schemas.next();
    const app = `${schema}_app`;
    const store = await openPostgresStore({
      connectionString: urlWithName(app),
      schema,
      passwordHasher: createFastPasswordHasher(),
    });
    await seedDemoData(store);
    await Promise.all(Array.from({ length: 4 }, () => store.users.listEnvironments()));
    await store.close();
    await store.close();
    const results = await settle(everyCall(store));
    for (const [name, result] of results) {
      expect(result.ok, name).toBe(false);
      expect(String(result.error), name).toMatch(/closed/);
    }
    for (let i = 0; i < 50 && (await backendsOf(app)).length > 0; i++) await sleep(20);
    expect(await backendsOf(app)).toEqual([]);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
