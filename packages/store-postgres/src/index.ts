import type { AuditLog } from '@tollgate/core';
import {
  createScryptPasswordHasher,
  type DirectorySeed,
  type PasswordHasher,
  type SigningKeyStore,
  type TokenStore,
  type UserDirectory,
} from '@tollgate/core';
import { demoData } from '@tollgate/core/testing';
import type pg from 'pg';
import { auditRetentionMs, createPostgresAuditLog } from './audit-log.js';
import { openDatabase } from './database.js';
import { type PostgresIdentity, readIdentity } from './identity.js';
import { migrate } from './migrations.js';
import { createPostgresSigningKeyStore } from './signing-keys.js';
import { createPostgresTokenStore } from './token-store.js';
import { createPostgresUserDirectory } from './user-directory.js';

export { DEFAULT_AUDIT_RETENTION_DAYS } from './audit-log.js';
export {
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_POOL_SIZE,
  DEFAULT_SCHEMA,
  DEFAULT_STATEMENT_TIMEOUT_MS,
} from './database.js';
export type { PostgresIdentity } from './identity.js';
export { MIGRATIONS, type Migration } from './migrations.js';

interface CommonOptions {
  /** Where the tables live; created (with the tables) if missing. Default `public`. */
  readonly schema?: string;
  /** Hashes seeded passwords and verifies logins; scrypt with OWASP parameters by default. */
  readonly passwordHasher?: PasswordHasher;
  /** How long a call waits for a connection before it rejects. Default 2000. */
  readonly connectionTimeoutMs?: number;
  /** How long one statement may run or wait for a lock before it rejects. Default 5000. */
  readonly statementTimeoutMs?: number;
  /** How long `audit` keeps events: its `purgeExpired` deletes older ones. Default 90 (days). */
  readonly auditRetentionDays?: number;
}

/** The store creates its own pool, and ends it on `close()`. */
export interface PostgresConnectionStringOptions extends CommonOptions {
  /** `postgres://user:password@host:5432/database`; any libpq parameter pg understands may follow. */
  readonly connectionString: string;
  readonly pool?: never;
  /** The most connections the pool opens. Default 10. */
  readonly poolSize?: number;
}

/** The store borrows the caller's pool, and leaves it open on `close()`. */
export interface PostgresPoolOptions extends CommonOptions {
  readonly pool: pg.Pool;
  readonly connectionString?: never;
  readonly poolSize?: never;
}

export type PostgresStoreOptions = PostgresConnectionStringOptions | PostgresPoolOptions;

export interface PostgresStore {
  readonly tokens: TokenStore;
  /** The user directory, with a `lifecycle` (create users, set passwords, disable and enable). */
  readonly users: UserDirectory;
  /**
   * The audit log in the same schema: pass it to `createTollgate({ audit })`; purge it from a timer
   * with `audit.purgeExpired({ now, limit })` (events older than `auditRetentionDays`).
   */
  readonly audit: AuditLog;
  /**
   * The signing keys every instance on this schema shares: `openKeySet({ store: store.signingKeys })`
   * of `@tollgate/core`. Private keys are stored in the schema (as JWK JSON): whoever can read it can
   * sign tokens, so grant it as you would a secret.
   */
  readonly signingKeys: SigningKeyStore;
  /**
   * Which database this is (server, database, schema), read once when the store opens: the same on
   * every instance of the service, whatever host name, port or proxy each one uses. For naming the
   * service's keys elsewhere, e.g. `redisNamespaceFor(store.identity)` of `@tollgate/store-redis`.
   */
  readonly identity: PostgresIdentity;
  /**
   * Seeds the user directory, only if it is empty (no users, organisations, environments or
   * permissions). Idempotent, and safe when several processes start on one database at once.
   */
  seed(seed: DirectorySeed): Promise<{ seeded: boolean }>;
  /** Ends the pool (if the store created it); later calls on `tokens`, `users` and `audit` reject. */
  close(): Promise<void>;
}

/**
 * Opens a PostgreSQL database as Tollgate's token store and user directory: creates the schema if
 * missing and applies the pending migrations (safe when several instances start at once). Rejects if
 * the server cannot be reached within `connectionTimeoutMs` or the schema cannot be migrated.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const retentionMs = auditRetentionMs(options.auditRetentionDays);
  const db = openDatabase(options);
  try {
    await migrate(db);
    const identity = await readIdentity(db);
    const tokens = createPostgresTokenStore(db);
    const users = createPostgresUserDirectory(db, options.passwordHasher ?? createScryptPasswordHasher());
    return {
      tokens,
      users: users.directory,
      audit: createPostgresAuditLog(db, retentionMs),
      signingKeys: createPostgresSigningKeyStore(db),
      identity,
      seed: (seed) => users.seed(seed),
      close: () => db.close(),
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The demo data of CONTRACT.md (from `@tollgate/core`), passwords in plaintext. */
export { demoData };

/** Seeds the demo data into an empty directory; a no-op (`seeded: false`) on every later start. */
export function seedDemoData(store: Pick<PostgresStore, 'seed'>): Promise<{ seeded: boolean }> {
  return store.seed(demoData);
}
