import type { Connection } from './driver.js';

export interface Migration {
  /** 1, 2, 3…: applied in this order, each exactly once per database. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The schema, as an append-only list: never edit a released migration, add the next one.
 * Token tables hold hashes of token values only, never a value.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tokens and directory',
    sql: `
      CREATE TABLE refresh_families (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX refresh_families_user_id ON refresh_families (user_id);
      CREATE INDEX refresh_families_absolute_expires_at ON refresh_families (absolute_expires_at);

      -- No ON DELETE CASCADE: purgeExpired deletes tokens first so its row count stays exact.
      CREATE TABLE refresh_tokens (
        hash TEXT PRIMARY KEY,
        family_id TEXT NOT NULL REFERENCES refresh_families (id),
        generation INTEGER NOT NULL CHECK (generation >= 0),
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        rotated_at INTEGER
      ) STRICT;
      CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

      CREATE TABLE uats (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        permissions TEXT NOT NULL CHECK (json_valid(permissions)),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER,
        last_used_at INTEGER
      ) STRICT;
      CREATE INDEX uats_user_id ON uats (user_id, created_at);
      CREATE INDEX uats_expires_at ON uats (expires_at);

      -- AUTOINCREMENT: a purged seq is never handed out again, so lastSeq only grows.
      CREATE TABLE revocations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('family', 'uat')),
        id TEXT NOT NULL,
        revoked_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX revocations_expires_at ON revocations (expires_at);

      CREATE TABLE organisations (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        domain TEXT NOT NULL UNIQUE
      ) STRICT;

      CREATE TABLE environments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        position INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE permissions (
        name TEXT PRIMARY KEY,
        position INTEGER NOT NULL
      ) STRICT;

      -- username_key is the lower-cased username (computed in JS: SQLite's NOCASE folds ASCII only).
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        username_key TEXT NOT NULL UNIQUE,
        email TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('customer', 'administrator')),
        organisation_id TEXT NOT NULL REFERENCES organisations (id),
        roles TEXT NOT NULL CHECK (json_valid(roles)),
        permissions TEXT NOT NULL CHECK (json_valid(permissions)),
        environments TEXT NOT NULL CHECK (json_valid(environments)),
        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
      ) STRICT;
      CREATE INDEX users_organisation_id ON users (organisation_id);
    `,
  },
  {
    version: 2,
    name: 'sessions, session and user revocations, audit events',
    sql: `
      -- Every token (UATs aside) belongs to a session; a token pair's refresh family has the same id.
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('jwt_login', 'user_token', 'token_pair', 'delegated')),
        actor_user_id TEXT,
        actor_username TEXT,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER,
        client_ip TEXT,
        user_agent TEXT,
        CHECK ((actor_user_id IS NULL) = (actor_username IS NULL))
      ) STRICT;
      CREATE INDEX sessions_user_id ON sessions (user_id, created_at);
      CREATE INDEX sessions_expires_at ON sessions (expires_at);

      -- SQLite cannot alter a CHECK: the revocations table is rebuilt to allow 'session' and 'user',
      -- keeping every row with its seq, and AUTOINCREMENT's high-water mark, so a seq purged before
      -- this migration is never handed out again either.
      CREATE TABLE revocations_v2 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('family', 'uat', 'session', 'user')),
        id TEXT NOT NULL,
        revoked_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      INSERT INTO revocations_v2 (seq, kind, id, revoked_at, expires_at)
        SELECT seq, kind, id, revoked_at, expires_at FROM revocations ORDER BY seq;
      DELETE FROM sqlite_sequence WHERE name = 'revocations_v2';
      INSERT INTO sqlite_sequence (name, seq)
        SELECT 'revocations_v2', seq FROM sqlite_sequence WHERE name = 'revocations';
      DROP TABLE revocations;
      ALTER TABLE revocations_v2 RENAME TO revocations;
      CREATE INDEX revocations_expires_at ON revocations (expires_at);

      -- The audit log: details is the event type's JSON object (no password, no token value).
      CREATE TABLE audit_events (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        at INTEGER NOT NULL,
        user_id TEXT,
        actor_id TEXT,
        session_id TEXT,
        client_ip TEXT,
        user_agent TEXT,
        details TEXT NOT NULL CHECK (json_valid(details) AND json_type(details) = 'object')
      ) STRICT;
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
        kid TEXT PRIMARY KEY,
        alg TEXT NOT NULL CHECK (alg IN ('EdDSA', 'ES256', 'HS256')),
        private_jwk TEXT NOT NULL CHECK (json_valid(private_jwk)),
        created_at INTEGER NOT NULL,
        activates_at INTEGER NOT NULL,
        expires_at INTEGER
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'custom data of delegated sessions, user revocations by user',
    sql: `
      -- What the administrator noted when delegating (customData): the end of the delegation names it too.
      ALTER TABLE sessions ADD COLUMN custom_data TEXT;
      -- A new session looks up its user's revocations from its start on (createSession).
      CREATE INDEX revocations_user ON revocations (id, revoked_at) WHERE kind = 'user';
    `,
  },
];

/**
 * Brings the schema up to date in one `BEGIN IMMEDIATE` transaction: the first of several
 * processes opening the file at once migrates it, the others wait for the lock and find nothing to do.
 */
export function migrate(db: Connection, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations.at(-1)?.version ?? 0;
  const apply = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const current =
      db
        .prepare<[], { version: number | null }>('SELECT max(version) AS version FROM schema_migrations')
        .get()?.version ?? 0;
    // Fail closed rather than guess at a schema written by a newer release.
    if (current > latest) {
      throw new Error(`The database schema is at version ${current}; this release knows up to ${latest}`);
    }
    const record = db.prepare<[number, string, number]>(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }
  });
  apply.immediate();
}
