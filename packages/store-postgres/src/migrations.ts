import { advisoryLockKey, type Database } from './database.js';

export interface Migration {
  /** 1, 2, 3…: applied in this order, each exactly once per schema. */
  readonly version: number;
  readonly name: string;
  /** Unqualified names: it runs with `search_path` set to the store's schema. */
  readonly sql: string;
}

/**
 * The schema, as an append-only list: never edit a released migration, add the next one.
 * Token tables hold hashes of token values only, never a value. Times are `bigint` milliseconds.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tokens and directory',
    sql: `
      CREATE TABLE refresh_families (
        id text PRIMARY KEY,
        user_id text NOT NULL,
        created_at bigint NOT NULL,
        absolute_expires_at bigint NOT NULL,
        revoked_at bigint
      );
      CREATE INDEX refresh_families_user_id ON refresh_families (user_id);
      CREATE INDEX refresh_families_absolute_expires_at ON refresh_families (absolute_expires_at);

      -- No ON DELETE CASCADE: purgeExpired deletes tokens first so its row count stays exact.
      -- COLLATE "C": hashes compare byte by byte, the fastest way.
      CREATE TABLE refresh_tokens (
        hash text COLLATE "C" PRIMARY KEY,
        family_id text NOT NULL REFERENCES refresh_families (id),
        generation integer NOT NULL CHECK (generation >= 0),
        issued_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        rotated_at bigint
      );
      CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

      -- ordinal: insertion order, to list tokens created in the same millisecond newest first.
      CREATE TABLE uats (
        id text PRIMARY KEY,
        ordinal bigint GENERATED ALWAYS AS IDENTITY,
        user_id text NOT NULL,
        name text NOT NULL,
        hash text COLLATE "C" NOT NULL,
        prefix text NOT NULL,
        permissions jsonb NOT NULL CHECK (jsonb_typeof(permissions) = 'array'),
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        revoked_at bigint,
        last_used_at bigint
      );
      CREATE UNIQUE INDEX uats_hash ON uats (hash);
      CREATE INDEX uats_user_id ON uats (user_id, created_at, ordinal);
      CREATE INDEX uats_expires_at ON uats (expires_at);

      -- seq comes from revocation_counter, not a sequence: see recordRevocation in token-store.ts.
      CREATE TABLE revocations (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        kind text NOT NULL CHECK (kind IN ('family', 'uat')),
        id text NOT NULL,
        revoked_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX revocations_expires_at ON revocations (expires_at);

      -- One row: the last seq handed out. It survives purges, so a seq is never handed out again.
      CREATE TABLE revocation_counter (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        last_seq bigint NOT NULL CHECK (last_seq >= 0)
      );
      INSERT INTO revocation_counter (last_seq) VALUES (0);

      CREATE TABLE organisations (
        id text PRIMARY KEY,
        name text NOT NULL,
        domain text NOT NULL UNIQUE
      );

      CREATE TABLE environments (
        id text PRIMARY KEY,
        name text NOT NULL,
        position integer NOT NULL
      );

      CREATE TABLE permissions (
        name text PRIMARY KEY,
        position integer NOT NULL
      );

      -- username_key is the Unicode lower-cased username, computed in JS exactly like the core's
      -- memory directory (lower() would depend on the database's collation).
      CREATE TABLE users (
        id text PRIMARY KEY,
        username text NOT NULL,
        username_key text NOT NULL UNIQUE,
        email text NOT NULL,
        password_hash text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('customer', 'administrator')),
        organisation_id text NOT NULL REFERENCES organisations (id),
        roles jsonb NOT NULL CHECK (jsonb_typeof(roles) = 'array'),
        permissions jsonb NOT NULL CHECK (jsonb_typeof(permissions) = 'array'),
        environments jsonb NOT NULL CHECK (jsonb_typeof(environments) = 'array'),
        disabled boolean NOT NULL DEFAULT false
      );
      CREATE INDEX users_organisation_id ON users (organisation_id);
    `,
  },
  {
    version: 2,
    name: 'sessions, session and user revocations, audit events',
    sql: `
      -- Every token (UATs aside) belongs to a session; a token pair's refresh family has the same id.
      -- COLLATE "C" on ids: UUIDv7s sort byte by byte, so by creation, whatever the database's locale.
      CREATE TABLE sessions (
        id text COLLATE "C" PRIMARY KEY,
        user_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('jwt_login', 'user_token', 'token_pair', 'delegated')),
        actor_user_id text,
        actor_username text,
        created_at bigint NOT NULL,
        last_used_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        revoked_at bigint,
        client_ip text,
        user_agent text,
        CHECK ((actor_user_id IS NULL) = (actor_username IS NULL))
      );
      CREATE INDEX sessions_user_id ON sessions (user_id, created_at);
      CREATE INDEX sessions_expires_at ON sessions (expires_at);

      ALTER TABLE revocations DROP CONSTRAINT revocations_kind_check;
      ALTER TABLE revocations ADD CONSTRAINT revocations_kind_check
        CHECK (kind IN ('family', 'uat', 'session', 'user'));

      -- The audit log: details is the event type's JSON object (no password, no token value).
      CREATE TABLE audit_events (
        id text COLLATE "C" PRIMARY KEY,
        type text NOT NULL,
        at bigint NOT NULL,
        user_id text,
        actor_id text,
        session_id text,
        client_ip text,
        user_agent text,
        details jsonb NOT NULL CHECK (jsonb_typeof(details) = 'object')
      );
      CREATE INDEX audit_events_user_id ON audit_events (user_id, at);
      CREATE INDEX audit_events_actor_id ON audit_events (actor_id, at);
      CREATE INDEX audit_events_type ON audit_events (type, at);
      CREATE INDEX audit_events_at ON audit_events (at);
    `,
  },
  {
    version: 3,
    name: 'signing keys',
    sql: `
      -- The signing keys every instance shares (openKeySet): private JWKs, so secrets. A key is
      -- published from its insertion, signs from activates_at, verifies until expires_at (or ever).
      CREATE TABLE signing_keys (
        kid text COLLATE "C" PRIMARY KEY,
        alg text NOT NULL CHECK (alg IN ('EdDSA', 'ES256', 'HS256')),
        private_jwk text NOT NULL CHECK (private_jwk::jsonb IS NOT NULL),
        created_at bigint NOT NULL,
        activates_at bigint NOT NULL,
        expires_at bigint
      );
    `,
  },
  {
    version: 4,
    name: 'custom data of delegated sessions, user revocations by user',
    sql: `
      -- What the administrator noted when delegating (customData): the end of the delegation names it too.
      ALTER TABLE sessions ADD COLUMN custom_data text;
      -- A new session looks up its user's revocations from its start on (createSession).
      CREATE INDEX revocations_user ON revocations (id, revoked_at) WHERE kind = 'user';
    `,
  },
];

/**
 * Brings the schema up to date in one transaction holding a transaction-scoped advisory lock keyed on
 * the schema: of several processes starting at once on an empty database, the first creates the schema
 * and migrates it, the others wait for its commit and find nothing to do. DDL is transactional in
 * PostgreSQL, so a failed migration leaves nothing behind.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<void> {
  const latest = migrations.at(-1)?.version ?? 0;
  await db.transaction(async (session) => {
    await session.query('SELECT pg_advisory_xact_lock($1::bigint)', [
      advisoryLockKey('migrate', db.schemaName),
    ]);
    // Checked first: CREATE SCHEMA IF NOT EXISTS would demand the CREATE privilege on the database
    // even when the schema exists, which an app's role need not have.
    const exists = await session.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [db.schemaName]);
    if (exists.rowCount === 0) await session.query(`CREATE SCHEMA ${db.schema}`);
    // SET LOCAL: the caller's pooled connection gets its own search_path back at commit.
    await session.query("SELECT set_config('search_path', $1, true)", [db.schema]);
    await session.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at bigint NOT NULL
    )`);
    const { rows } = await session.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations',
    );
    const current = rows[0]?.version ?? 0;
    // Fail closed rather than guess at a schema written by a newer release.
    if (current > latest) {
      throw new Error(`The database schema is at version ${current}; this release knows up to ${latest}`);
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await session.query(migration.sql);
      await session.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
    }
  });
}
