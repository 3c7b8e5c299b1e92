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
import { auditRetentionMs, createSqliteAuditLog } from './audit-log.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase } from './database.js';
import type { SqliteDriverName } from './driver.js';
import { createSqliteSigningKeyStore } from './signing-keys.js';
import { createSqliteTokenStore } from './token-store.js';
import { createSqliteUserDirectory } from './user-directory.js';

export { DEFAULT_AUDIT_RETENTION_DAYS } from './audit-log.js';
export { DEFAULT_BUSY_TIMEOUT_MS } from './database.js';
export {
  availableSqliteDrivers,
  SQLITE_DRIVERS,
  SqliteDriverError,
  type SqliteDriverName,
  SqliteError,
} from './driver.js';
export { MIGRATIONS, type Migration } from './migrations.js';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for a private in-memory database (gone on close). */
  readonly filename: string;
  /** Hashes seeded passwords and verifies logins; scrypt with OWASP parameters by default. */
  readonly passwordHasher?: PasswordHasher;
  /** How long a write waits for another connection's lock before it rejects with SQLITE_BUSY. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** How long `audit` keeps events: its `purgeExpired` deletes older ones. Default 90 (days). */
  readonly auditRetentionDays?: number;
  /**
   * The SQLite driver: `node:sqlite` (built into Node >= 22.13 / 23.4) or `better-sqlite3` (12.x,
   * installed by the app: Node 20). Default: the first of these that works in the running Node.
   */
  readonly driver?: SqliteDriverName;
}

export interface SqliteStore {
  /** The driver in use (the one asked for, or the one chosen). */
  readonly driver: SqliteDriverName;
  readonly tokens: TokenStore;
  /** The user directory, with a `lifecycle` (create users, set passwords, disable and enable). */
  readonly users: UserDirectory;
  /**
   * The audit log in the same file: pass it to `createTollgate({ audit })`; purge it from a timer
   * with `audit.purgeExpired({ now, limit })` (events older than `auditRetentionDays`).
   */
  readonly audit: AuditLog;
  /**
   * The signing keys every process on this file shares: `openKeySet({ store: store.signingKeys })`
   * of `@tollgate/core`. Private keys are stored in the file (as JWK JSON): protect it as a secret.
   */
  readonly signingKeys: SigningKeyStore;
  /**
   * Seeds the user directory, only if it is empty (no users, organisations, environments or
   * permissions). Idempotent, and safe when several processes start on one file at once.
   */
  seed(seed: DirectorySeed): Promise<{ seeded: boolean }>;
  /** Closes the connection (checkpointing the WAL); later calls on `tokens`, `users` and `audit` reject. */
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) a SQLite database as Tollgate's token store and user directory:
 * WAL journal, `synchronous = FULL` (every answered write is on disk), a busy timeout and foreign
 * keys, then the pending migrations. Throws if the file cannot be opened or migrated, and
 * `SqliteDriverError` (`code: 'sqlite_driver_unavailable'`) if no driver (or not the one asked for) works.
 */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const retentionMs = auditRetentionMs(options.auditRetentionDays);
  const db = openDatabase(options.filename, busyTimeoutMs, options.driver);
  try {
    const tokens = createSqliteTokenStore(db);
    const users = createSqliteUserDirectory(db, options.passwordHasher ?? createScryptPasswordHasher());
    const audit = createSqliteAuditLog(db, retentionMs);
    return {
      driver: db.driver,
      tokens,
      users: users.directory,
      audit,
      signingKeys: createSqliteSigningKeyStore(db),
      seed: (seed) => users.seed(seed),
      async close() {
        if (db.open) db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The demo data of CONTRACT.md (from `@tollgate/core`), passwords in plaintext. */
export { demoData };

/** Seeds the demo data into an empty directory; a no-op (`seeded: false`) on every later start. */
export function seedDemoData(store: Pick<SqliteStore, 'seed'>): Promise<{ seeded: boolean }> {
  return store.seed(demoData);
}
