import { randomBytes } from 'node:crypto';
import {
  createFastPasswordHasher,
  DAY,
  demoSeed,
  expectedUser,
  HOUR,
  hashToken,
  MINUTE,
  newId,
  newTokenValue,
  newUuidv7,
  T0,
} from '@tollgate/store-tests';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/database.js';
import {
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_POOL_SIZE,
  DEFAULT_SCHEMA,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  demoData,
  MIGRATIONS,
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
  seedDemoData,
} from '../src/index.js';
import { migrate } from '../src/migrations.js';
import { adminQuery, DATABASE_URL, quote, testSchemas, withAdmin } from './helpers.js';

const schemas = testSchemas();
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => schemas.dropAll());

async function open(
  schema = schemas.next(),
  extra: Partial<PostgresStoreOptions> = {},
): Promise<PostgresStore> {
  const store = await openPostgresStore({
    connectionString: DATABASE_URL,
    schema,
    poolSize: 3,
    passwordHasher: createFastPasswordHasher(),
    ...extra,
  } as PostgresStoreOptions);
  cleanups.push(() => store.close());
  return store;
}

async function login(store: PostgresStore, hash: string) {
  const family = { id: newId(), userId: 'user-1', createdAt: T0, absoluteExpiresAt: T0 + 30 * DAY };
  await store.tokens.createRefreshFamily({ family, token: { hash, issuedAt: T0, expiresAt: T0 + DAY } });
  return family;
}

const count = async (schema: string, table: string): Promise<number> =>
  Number((await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${quote(schema)}.${table}`))[0]?.n);

describe('openPostgresStore: schema and migrations', () => {
  it('creates the schema and applies every migration once, recorded in schema_migrations', async () => {
    const schema = schemas.next();
    expect(await adminQuery('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([]);
    await open(schema);
    const rows = await adminQuery<{ version: number; name: string; applied_at: string }>(
      `SELECT version, name, applied_at FROM ${quote(schema)}.schema_migrations ORDER BY version`,
    );
    expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4]);
    for (const row of rows) expect(Number(row.applied_at)).toBeGreaterThan(T0);
    const tables = await adminQuery<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'audit_events',
      'environments',
      'organisations',
      'permissions',
      'refresh_families',
      'refresh_tokens',
      'revocation_counter',
      'revocations',
      'schema_migrations',
      'sessions',
      'signing_keys',
      'uats',
      'users',
    ]);
  });

  it('stores every time as bigint milliseconds', async () => {
    const schema = schemas.next();
    await open(schema);
    const columns = await adminQuery<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = $1 AND column_name LIKE '%\\_at'`,
      [schema],
    );
    expect(columns.length).toBeGreaterThanOrEqual(12);
    for (const column of columns)
      expect(column, `${column.table_name}.${column.column_name}`).toMatchObject({ data_type: 'bigint' });
  });

  it('re-opening migrates nothing twice and keeps the data; another pool sees committed writes', async () => {
    const schema = schemas.next();
    const first = await open(schema);
    const hash = hashToken(newTokenValue());
    const family = await login(first, hash);
    await first.close();
    const before = await adminQuery(`SELECT * FROM ${quote(schema)}.schema_migrations`);

    const second = await open(schema);
    const third = await open(schema);
    expect(await adminQuery(`SELECT * FROM ${quote(schema)}.schema_migrations`)).toEqual(before);
    const rotated = await second.tokens.rotateRefreshToken({
      presentedHash: hash,
      next: { hash: hashToken(newTokenValue()), issuedAt: T0 + MINUTE, expiresAt: T0 + DAY },
      now: T0 + MINUTE,
      revocationExpiresAt: T0 + 30 * DAY,
    });
    expect(rotated.outcome === 'rotated' && rotated.family.id).toBe(family.id);
    const again = await third.tokens.rotateRefreshToken({
      presentedHash: hash,
      next: { hash: hashToken(newTokenValue()), issuedAt: T0 + HOUR, expiresAt: T0 + DAY },
      now: T0 + HOUR,
      revocationExpiresAt: T0 + 30 * DAY,
    });
    expect(again.outcome).toBe('reused');
  });

  it('refuses a schema migrated by a newer release', async () => {
    const schema = schemas.next();
    await open(schema);
    await adminQuery(`INSERT INTO ${quote(schema)}.schema_migrations VALUES (999, 'from the future', 0)`);
    await expect(open(schema)).rejects.toThrow(/version 999/);
  });

  it('indexes the lookups by token hash and by user id', async () => {
    const schema = schemas.next();
    await open(schema);
    const indexes = await adminQuery<{ indexdef: string }>(
      'SELECT indexdef FROM pg_indexes WHERE schemaname = $1',
      [schema],
    );
    const defs = indexes.map((i) => i.indexdef.replace(`${schema}.`, ''));
    expect(defs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/UNIQUE INDEX refresh_tokens_pkey ON refresh_tokens USING btree \(hash\)/),
        expect.stringMatching(/UNIQUE INDEX uats_hash ON uats USING btree \(hash\)/),
        expect.stringMatching(/INDEX uats_user_id ON uats USING btree \(user_id, created_at, ordinal\)/),
        expect.stringMatching(/INDEX refresh_families_user_id ON refresh_families USING btree \(user_id\)/),
        expect.stringMatching(/UNIQUE INDEX users_username_key_key ON users USING btree \(username_key\)/),
        expect.stringMatching(/UNIQUE INDEX revocations_pkey ON revocations USING btree \(seq\)/),
        expect.stringMatching(/UNIQUE INDEX sessions_pkey ON sessions USING btree \(id\)/),
        expect.stringMatching(/INDEX sessions_user_id ON sessions USING btree \(user_id, created_at\)/),
        expect.stringMatching(/INDEX sessions_expires_at ON sessions USING btree \(expires_at\)/),
        expect.stringMatching(/UNIQUE INDEX audit_events_pkey ON audit_events USING btree \(id\)/),
        expect.stringMatching(/INDEX audit_events_user_id ON audit_events USING btree \(user_id, at\)/),
        expect.stringMatching(/INDEX audit_events_actor_id ON audit_events USING btree \(actor_id, at\)/),
        expect.stringMatching(/INDEX audit_events_type ON audit_events USING btree \(type, at\)/),
        expect.stringMatching(/INDEX audit_events_at ON audit_events USING btree \(at\)/),
      ]),
    );
    // And the planner can use them for the store's own queries (tiny tables: forbid the seq scan).
    const plan = (sql: string) =>
      withAdmin(async (client) => {
        await client.query('SET enable_seqscan = off');
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`);
        return rows.map((row) => row['QUERY PLAN']).join('\n');
      });
    const s = quote(schema);
    expect(await plan(`SELECT * FROM ${s}.uats WHERE hash = 'x'`)).toMatch(/Index Scan using uats_hash/);
    expect(
      await plan(`SELECT * FROM ${s}.uats WHERE user_id = 'x' ORDER BY created_at DESC, ordinal DESC`),
    ).toMatch(/Index Scan.* on uats_user_id|using uats_user_id/);
    expect(await plan(`SELECT * FROM ${s}.refresh_tokens WHERE hash = 'x'`)).toMatch(/refresh_tokens_pkey/);
    expect(
      await plan(
        `SELECT * FROM ${s}.sessions WHERE user_id = 'x' AND revoked_at IS NULL AND expires_at > 5 ORDER BY created_at DESC`,
      ),
    ).toMatch(/sessions_user_id/);
    expect(
      await plan(`SELECT * FROM ${s}.audit_events WHERE user_id = 'x' ORDER BY at DESC LIMIT 10`),
    ).toMatch(/audit_events_user_id/);
    expect(
      await plan(`SELECT * FROM ${s}.audit_events WHERE actor_id = 'x' ORDER BY at DESC LIMIT 10`),
    ).toMatch(/audit_events_actor_id/);
    expect(await plan(`SELECT * FROM ${s}.audit_events ORDER BY at DESC LIMIT 10`)).toMatch(
      /audit_events_at/,
    );
    // A new session's look-up of its user's revocations (createSession).
    expect(
      await plan(
        `SELECT max(revoked_at) FROM ${s}.revocations WHERE kind = 'user' AND id = 'x' AND revoked_at >= 5`,
      ),
    ).toMatch(/revocations_user/);
  });

  it('migration 2 lets revocations take the session and user kinds, keeping rows and the counter', async () => {
    const schema = schemas.next();
    // A schema at version 1, with a revocation and a counter ahead of it (a purged one).
    const v1 = openDatabase({ connectionString: DATABASE_URL, schema, poolSize: 1 });
    try {
      await migrate(v1, MIGRATIONS.slice(0, 1));
    } finally {
      await v1.close();
    }
    await withAdmin(async (client) => {
      const q = quote(schema);
      await client.query(`INSERT INTO ${q}.revocations VALUES (1, 'family', 'f-1', 1, 2)`);
      await client.query(`UPDATE ${q}.revocation_counter SET last_seq = 2`);
      await expect(
        client.query(`INSERT INTO ${q}.revocations VALUES (3, 'session', 's-1', 1, 2)`),
      ).rejects.toThrow(/revocations_kind_check/);
    });
    const store = await open(schema);
    expect(await store.tokens.listRevocations({ afterSeq: 0, now: 0 })).toEqual({
      records: [{ seq: 1, kind: 'family', id: 'f-1', revokedAt: 1, expiresAt: 2 }],
      lastSeq: 2,
    });
    await store.tokens.revokeUser({ userId: 'user-1', now: T0, revocationExpiresAt: T0 + DAY });
    expect((await store.tokens.listRevocations({ afterSeq: 1, now: 0 })).records).toEqual([
      { seq: 3, kind: 'user', id: 'user-1', revokedAt: T0, expiresAt: T0 + DAY },
    ]);
  });

  it('migration 4 gives sessions a custom_data column: sessions from before it have none', async () => {
    const schema = schemas.next();
    const v3 = openDatabase({ connectionString: DATABASE_URL, schema, poolSize: 1 });
    try {
      await migrate(v3, MIGRATIONS.slice(0, 3));
    } finally {
      await v3.close();
    }
    const id = newUuidv7(T0);
    await withAdmin((client) =>
      client.query(
        `INSERT INTO ${quote(schema)}.sessions (id, user_id, kind, actor_user_id, actor_username,
           created_at, last_used_at, expires_at) VALUES ($1, 'user-1', 'delegated', 'a-1', 'root', $2, $2, $3)`,
        [id, T0, T0 + DAY],
      ),
    );
    const store = await open(schema);
    expect(await store.tokens.findSession(id)).toMatchObject({ kind: 'delegated', customData: null });
    const [ended] = await store.tokens.revokeSessions({
      userId: 'user-1',
      ids: [id],
      now: T0 + 1,
      revocationExpiresAt: T0 + DAY,
    });
    expect(ended).toMatchObject({ id, customData: null, revokedAt: T0 + 1 });
  });

  // CREATE DATABASE waits up to 5 s (PostgreSQL's own wait) while another session of the shared
  // server is connected to template1: more than the default test timeout.
  it("uses the database's public schema by default", async () => {
    expect(DEFAULT_SCHEMA).toBe('public');
    // A database of its own, so the test leaves nothing in anybody's public schema.
    const database = `${schemas.base}_db`;
    await adminQuery(`CREATE DATABASE ${quote(database)}`);
    try {
      const url = new URL(DATABASE_URL);
      url.pathname = `/${database}`;
      const store = await openPostgresStore({ connectionString: url.toString(), poolSize: 1 });
      try {
        await login(store, hashToken(newTokenValue()));
      } finally {
        await store.close();
      }
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT count(*)::int AS n FROM public.refresh_families');
        expect(rows).toEqual([{ n: 1 }]);
      } finally {
        await client.end();
      }
    } finally {
      await adminQuery(`DROP DATABASE ${quote(database)} WITH (FORCE)`);
    }
    // CREATE DATABASE copies a template and syncs it: seconds on a busy machine.
  }, 30_000);

  it('accepts a mixed-case schema name, used exactly as given', async () => {
    const schema = `${schemas.base}_Mixed`;
    await open(schema);
    expect(await adminQuery('SELECT nspname FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([
      { nspname: schema },
    ]);
  });

  it('refuses schema names it would have to escape, and bad options, before connecting', async () => {
    for (const schema of [
      '',
      'a-b',
      'x"; DROP TABLE users; --',
      '1abc',
      'pg_tollgate',
      'é',
      'a'.repeat(64),
    ]) {
      await expect(openPostgresStore({ connectionString: DATABASE_URL, schema }), schema).rejects.toThrow(
        RangeError,
      );
    }
    const bad: unknown[] = [
      {},
      { connectionString: DATABASE_URL, pool: new pg.Pool() },
      { pool: new pg.Pool(), poolSize: 2 },
      { connectionString: DATABASE_URL, poolSize: 0 },
      { connectionString: DATABASE_URL, poolSize: 1.5 },
      { connectionString: DATABASE_URL, connectionTimeoutMs: 0 },
      { connectionString: DATABASE_URL, statementTimeoutMs: -1 },
      { connectionString: DATABASE_URL, statementTimeoutMs: Number.POSITIVE_INFINITY },
    ];
    for (const options of bad) {
      await expect(openPostgresStore(options as PostgresStoreOptions)).rejects.toThrow(
        /must|exactly one|only/,
      );
    }
    expect([DEFAULT_POOL_SIZE, DEFAULT_CONNECTION_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS]).toEqual([
      10, 2000, 5000,
    ]);
  });
});

describe('openPostgresStore on a pool the caller owns', () => {
  it('uses the pool without changing its sessions, and leaves it open on close', async () => {
    const schema = schemas.next();
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    try {
      const store = await openPostgresStore({ pool, schema, passwordHasher: createFastPasswordHasher() });
      expect(await seedDemoData(store)).toEqual({ seeded: true });
      const hash = hashToken(newTokenValue());
      await login(store, hash);
      expect(
        await store.tokens.revokeRefreshFamilyByToken({ hash, now: T0, revocationExpiresAt: T0 + DAY }),
      ).not.toBeNull();
      await store.close();
      await expect(store.tokens.findUatByHash(hash)).rejects.toThrow(/closed/);
      await expect(store.users.listPermissions()).rejects.toThrow(/closed/);
      // The pool still works, and its connections kept their own search_path and timeouts.
      const { rows } = await pool.query('SHOW search_path');
      expect(rows).toEqual([{ search_path: '"$user", public' }]);
      expect((await pool.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '0' }]);
      expect(pool.totalCount).toBeGreaterThan(0);
    } finally {
      await pool.end();
    }
  });
});

describe('what reaches the database', () => {
  it('stores hashes only: no token value appears in any table', async () => {
    const schema = schemas.next();
    const store = await open(schema);
    const values: string[] = [];
    const hashes: string[] = [];
    const issue = (prefix: string): string => {
      const value = newTokenValue(prefix);
      values.push(value);
      hashes.push(hashToken(value));
      return hashToken(value);
    };

    for (let i = 0; i < 5; i++) {
      let current = issue('tgr_');
      await store.tokens.createRefreshFamily({
        family: { id: newId(), userId: 'user-1', createdAt: T0, absoluteExpiresAt: T0 + 30 * DAY },
        token: { hash: current, issuedAt: T0, expiresAt: T0 + DAY },
      });
      for (let generation = 1; generation <= 3; generation++) {
        const next = issue('tgr_');
        const now = T0 + generation * MINUTE;
        await store.tokens.rotateRefreshToken({
          presentedHash: current,
          next: { hash: next, issuedAt: now, expiresAt: now + DAY },
          now,
          revocationExpiresAt: T0 + 30 * DAY,
        });
        current = next;
      }
      await store.tokens.revokeRefreshFamilyByToken({
        hash: current,
        now: T0 + HOUR,
        revocationExpiresAt: T0 + DAY,
      });
    }
    for (let i = 0; i < 5; i++) {
      const hash = issue('tgu_');
      const value = values.at(-1)!;
      const id = newId();
      await store.tokens.insertUat({
        id,
        userId: 'user-1',
        name: `token ${i}`,
        hash,
        prefix: value.slice(0, 8),
        permissions: ['brand_create'],
        createdAt: T0,
        expiresAt: T0 + DAY,
        revokedAt: null,
        lastUsedAt: null,
      });
      await store.tokens.touchUat({ id, at: T0 + MINUTE });
      await store.tokens.revokeUat({ id, userId: 'user-1', now: T0 + HOUR, revocationExpiresAt: T0 + DAY });
    }

    // Every row of every table in the schema, as text.
    const dump = await withAdmin(async (client) => {
      const { rows: tables } = await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
        [schema],
      );
      const texts: string[] = [];
      for (const { table_name } of tables) {
        const { rows } = await client.query<{ row: string }>(
          `SELECT t::text AS row FROM ${quote(schema)}.${quote(table_name)} t`,
        );
        texts.push(...rows.map((r) => r.row));
      }
      return texts.join('\n');
    });
    for (const value of values)
      expect(dump.includes(value), 'a token value reached the database').toBe(false);
    // The search works: the hashes themselves are there.
    for (const hash of hashes) expect(dump.includes(hash), 'a hash is missing from the dump').toBe(true);
  });
});

describe('seed and seedDemoData', () => {
  it('exports the demo data file as demoData', () => {
    expect(demoData).toEqual(demoSeed);
    expect(demoData.users.map((u) => u.username)).toContain('ethan.buckley@datastoreltd.biz');
  });

  it('seeds the demo data into an empty directory once, then never again', async () => {
    const schema = schemas.next();
    const store = await open(schema);
    expect(await seedDemoData(store)).toEqual({ seeded: true });
    expect(await seedDemoData(store)).toEqual({ seeded: false });
    const ethan = expectedUser(demoData, 'ethan.buckley@datastoreltd.biz');
    expect(await store.users.verifyPassword('ethan.buckley@datastoreltd.biz', 'S0qUx56pW!')).toStrictEqual(
      ethan,
    );
    const later = await open(schema);
    expect(await seedDemoData(later)).toEqual({ seeded: false });
    expect(await count(schema, 'users')).toBe(5);
  });

  it('seeds nothing into a directory that already holds any data', async () => {
    const schema = schemas.next();
    const store = await open(schema);
    await adminQuery(`INSERT INTO ${quote(schema)}.permissions (name, position) VALUES ('custom', 0)`);
    expect(await seedDemoData(store)).toEqual({ seeded: false });
    expect(await store.users.listPermissions()).toEqual(['custom']);
  });

  it('rolls back a seed that breaks a constraint, leaving the directory empty', async () => {
    const store = await open();
    const broken = {
      ...demoSeed,
      users: [{ ...demoSeed.users[0]!, organisationId: 'no-such-organisation' }],
    };
    await expect(store.seed(broken)).rejects.toThrow(/foreign key/);
    expect(await store.users.listPermissions()).toEqual([]);
    expect(await store.seed(demoSeed)).toEqual({ seeded: true });
  });

  it('refuses a disabled user after the same work as for an unknown one', async () => {
    const schema = schemas.next();
    const calls = { verify: 0, verifyDummy: 0 };
    const inner = createFastPasswordHasher();
    const store = await open(schema, {
      passwordHasher: {
        hash: (password) => inner.hash(password),
        verify: (password, encoded) => {
          calls.verify++;
          return inner.verify(password, encoded);
        },
        verifyDummy: (password) => {
          calls.verifyDummy++;
          return inner.verifyDummy(password);
        },
      },
    });
    await seedDemoData(store);
    await adminQuery(`UPDATE ${quote(schema)}.users SET disabled = true WHERE username = 'bob@acme.test'`);
    expect(await store.users.verifyPassword('bob@acme.test', 'Acme!user1')).toBeNull();
    expect(calls).toEqual({ verify: 0, verifyDummy: 1 });
    expect(await store.users.findUserByUsername('bob@acme.test')).toMatchObject({ disabled: true });
  });

  it('rejects a row whose JSON column is not an array of strings, rather than guessing', async () => {
    const schema = schemas.next();
    const store = await open(schema);
    await seedDemoData(store);
    await adminQuery(`UPDATE ${quote(schema)}.users SET roles = '[1, 2]' WHERE username = 'bob@acme.test'`);
    await expect(store.users.findUserByUsername('bob@acme.test')).rejects.toThrow(/users.roles/);
  });

  it('hashes with OWASP scrypt by default and never stores a plaintext password', async () => {
    const schema = schemas.next();
    const store = await openPostgresStore({ connectionString: DATABASE_URL, schema, poolSize: 1 });
    cleanups.push(() => store.close());
    const user = { ...demoSeed.users[0]!, password: `Pw-${randomBytes(8).toString('hex')}` };
    await store.seed({ ...demoSeed, users: [user] });
    const rows = await adminQuery<{ row: string }>(`SELECT u::text AS row FROM ${quote(schema)}.users u`);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).toMatch(/\$scrypt\$ln=17,r=8,p=1\$/);
    expect(rows[0]?.row).not.toContain(user.password);
    expect(await store.users.verifyPassword(user.username, user.password)).not.toBeNull();
  }, 20_000);
});
