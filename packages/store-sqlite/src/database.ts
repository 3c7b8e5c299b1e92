import { type Connection, openConnection, type SqliteDriverName } from './driver.js';
import { migrate } from './migrations.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

function isBusy(error: unknown): boolean {
  const code: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Switches a new file to WAL (a persistent setting: later opens find it done). SQLite answers
 * SQLITE_BUSY at once, without its busy handler, when two processes switch one new file at the
 * same time, so retry here until the busy timeout runs out.
 */
function enableWal(db: Connection, timeoutMs: number): unknown {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return db.pragma('journal_mode = WAL');
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      sleepSync(Math.min(2 ** attempt, 50));
    }
  }
}

/**
 * Opens one connection configured as the store needs it, migrated to the latest schema:
 * WAL (readers never wait for the writer), `synchronous = FULL` (a commit is on disk before it
 * returns), a busy timeout (writers queue for the lock across processes), foreign keys.
 */
export function openDatabase(
  filename: string,
  busyTimeoutMs: number,
  driver?: SqliteDriverName | undefined,
): Connection {
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new RangeError('busyTimeoutMs must be a non-negative integer');
  }
  const db = openConnection(filename, { driver });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const journalMode = enableWal(db, busyTimeoutMs);
    // An in-memory database has no WAL; a file must have one.
    if (!db.memory && journalMode !== 'wal') {
      throw new Error(`SQLite refused WAL journal mode (got ${String(journalMode)})`);
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
