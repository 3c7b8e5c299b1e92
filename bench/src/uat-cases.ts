import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKeySet,
  createScryptPasswordHasher,
  createTollgate,
  type DirectorySeed,
  generateSigningKey,
  type PasswordHasher,
  type TokenStore,
  type UserDirectory,
} from '@tollgate/core';
import { generateUat } from '@tollgate/core/testing';
import {
  AUDIENCE,
  assert,
  cycle,
  DEMO_USER,
  expectAllMisses,
  expectHit,
  expectTollgateRejects,
  ISSUER,
  UAT_PERMISSION,
} from './fixtures.js';
import type { BenchCase } from './harness.js';
import { jwtId } from './jwt-cases.js';

/** The part of `@tollgate/store-sqlite` the benchmark uses. */
export interface SqliteStoreModule {
  openSqliteStore(options: { filename: string; passwordHasher?: PasswordHasher }): SqliteStore;
  seedDemoData(store: Pick<SqliteStore, 'seed'>): Promise<unknown>;
}

interface SqliteStore {
  readonly tokens: TokenStore;
  readonly users: UserDirectory;
  seed(seed: DirectorySeed): Promise<unknown>;
  close(): Promise<void>;
}

export interface UatCaseOptions {
  /** Distinct UATs created at setup; must exceed `cacheEntries`. */
  readonly poolSize: number;
  /** Tollgate's cache size for the UAT instance: small, so a cyclic pass always misses. */
  readonly cacheEntries: number;
}

export const uatId = {
  first: 'uat.first.tollgate',
  touch: 'uat.first.touch',
  repeated: 'uat.repeated.tollgate',
};

/** `@tollgate/store-sqlite` if it exports `openSqliteStore` yet, else null. */
export async function loadSqliteStore(): Promise<SqliteStoreModule | null> {
  try {
    const mod = (await import('@tollgate/store-sqlite')) as Partial<SqliteStoreModule>;
    return typeof mod.openSqliteStore === 'function' && typeof mod.seedDemoData === 'function'
      ? (mod as SqliteStoreModule)
      : null;
  } catch {
    return null;
  }
}

/**
 * A Tollgate on a SQLite file in a temp dir, seeded with the demo data, and a pool of distinct
 * UATs created through `createUat`. Returns the cases and a cleanup that closes and deletes the file.
 */
export async function createUatCases(
  sqlite: SqliteStoreModule,
  options: UatCaseOptions,
): Promise<{ cases: BenchCase[]; cleanup: () => Promise<void> }> {
  if (options.poolSize <= options.cacheEntries) throw new RangeError('the pool must outnumber the cache');
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  // Logins happen only at setup: a cheap scrypt cost keeps seeding fast.
  const store = sqlite.openSqliteStore({
    filename: join(dir, 'tollgate.db'),
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
  });
  const cleanup = async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await sqlite.seedDemoData(store);
    const tollgate = createTollgate({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: createKeySet({ current: await generateSigningKey({ alg: 'HS256', kid: 'bench-uat' }) }),
      store: store.tokens,
      users: store.users,
      cache: { maxEntries: options.cacheEntries },
    });
    const login = await tollgate.accessTokens.login(DEMO_USER);
    const caller = await tollgate.requirePrincipal({ authorization: `Bearer ${login.token}` });
    const expiresAt = new Date(Date.now() + 30 * 86_400_000);
    const create = (name: string) =>
      tollgate.uats.create({ caller, name, expiresAt, permissions: [UAT_PERMISSION] });
    const created = [];
    for (let i = 0; i < options.poolSize; i++) created.push(await create(`bench ${i}`));
    const pool = created.map((uat) => uat.token);
    const ids = created.map((uat) => uat.id);
    const { token: repeated } = await create('bench repeated');
    const headers = pool.map((token) => `UAT ${token}`);
    // A first lookup writes the token's last-used time when the last write is a minute old or
    // more (never, here: it is set in the future), so the lookups measured are the common case.
    // That write is measured on its own, as the touchUat row.
    let lastUsedAt = Date.now() + 365 * 86_400_000;
    for (const id of ids) await store.tokens.touchUat({ id, at: lastUsedAt });

    for (const token of [pool[0]!, repeated]) {
      const principal = await tollgate.requirePrincipal({ authorization: `UAT ${token}` });
      assert(principal.userId === caller.userId, 'a UAT authenticated as someone else');
      assert(
        principal.permissions.length === 1 && principal.permissions[0] === UAT_PERMISSION,
        'a UAT has the wrong permissions',
      );
    }
    // Well-formed (right checksum) but unknown: refused after the lookup. Bad checksum: before it.
    await expectTollgateRejects('UAT unknown', tollgate, `UAT ${generateUat().token}`);
    const bad = pool[1]!;
    await expectTollgateRejects(
      'UAT tampered',
      tollgate,
      `UAT ${bad.slice(0, 10)}${bad[10] === 'A' ? 'B' : 'A'}${bad.slice(11)}`,
    );
    await expectAllMisses('UAT first lookup', tollgate, headers);
    await expectHit('UAT repeated', tollgate, `UAT ${repeated}`);

    const firstGroup = 'UAT on SQLite, first lookup (a new token each call)';
    const againGroup = 'UAT on SQLite, repeated (the same token each call)';
    const firstCompare = [{ label: 'vs HS256 JWT first', id: jwtId.first('HS256', 'tollgate') }];
    const nextToken = cycle(pool);
    const nextId = cycle(ids);
    const cases: BenchCase[] = [
      {
        id: uatId.first,
        group: firstGroup,
        name: 'Tollgate authenticate',
        // The header is built per call, as for the JWTs: its hash is not cached.
        run: () => tollgate.authenticate({ authorization: `UAT ${nextToken()}` }),
        compareTo: firstCompare,
      },
      {
        id: uatId.touch,
        group: firstGroup,
        name: 'store touchUat (at most 1/min/token)',
        // Each call a real write: `at` passes the stored last-used time.
        run: () => store.tokens.touchUat({ id: nextId(), at: ++lastUsedAt }),
        compareTo: firstCompare,
      },
      {
        id: uatId.repeated,
        group: againGroup,
        name: 'Tollgate authenticate',
        run: () => tollgate.authenticate({ authorization: `UAT ${repeated}` }),
        compareTo: [{ label: 'vs HS256 fast-jwt hit', id: jwtId.repeated('HS256', 'fast-jwt-cache') }],
      },
    ];
    return { cases, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
