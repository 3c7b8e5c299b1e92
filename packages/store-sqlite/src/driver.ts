/**
 * The two SQLite drivers behind one small synchronous interface: Node's built-in `node:sqlite`
 * (`DatabaseSync`, Node >= 22.13 / 23.4, nothing to compile) and better-sqlite3 12 (a native module,
 * for Node 20). The store's code sees only `Connection`; errors of both carry better-sqlite3's
 * `code` names (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, …).
 */
import { createRequire } from 'node:module';

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

/** In the order the automatic choice tries them. */
export const SQLITE_DRIVERS: readonly SqliteDriverName[] = ['node:sqlite', 'better-sqlite3'];

export interface RunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

export interface Statement<P extends unknown[] = unknown[], R = unknown> {
  run(...params: P): RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

/** `fn` in a transaction: `BEGIN IMMEDIATE` or `BEGIN DEFERRED`; a savepoint when nested. */
export interface Transaction<A extends unknown[], R> {
  immediate(...args: A): R;
  deferred(...args: A): R;
}

export interface Connection {
  readonly driver: SqliteDriverName;
  /** True for `:memory:` (no file, no WAL). */
  readonly memory: boolean;
  readonly open: boolean;
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R>;
  exec(sql: string): void;
  /** Runs `PRAGMA <source>`; the first column of the first row, or undefined. */
  pragma(source: string): unknown;
  /** Commits when `fn` returns, rolls back when it throws (better-sqlite3's `transaction`). */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R>;
  /** Closes the connection; a second call does nothing. */
  close(): void;
}

export interface ConnectionOptions {
  /** Which driver; by default the first of SQLITE_DRIVERS that works in this Node. */
  readonly driver?: SqliteDriverName | undefined;
  readonly readonly?: boolean | undefined;
}

/** Stable: `code` is `sqlite_driver_unavailable`; the message names the driver and what to do. */
export class SqliteDriverError extends Error {
  readonly code = 'sqlite_driver_unavailable';
  constructor(
    message: string,
    readonly driver: SqliteDriverName | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SqliteDriverError';
  }
}

/** A SQLite failure reported by `node:sqlite`, with the `code` better-sqlite3 would give it. */
export class SqliteError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly errcode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SqliteError';
  }
}

// sqlite3.h's result codes: primary ones by number, extended ones by primary and (code >> 8).
// biome-ignore format: a table
const PRIMARY = [
  'OK', 'ERROR', 'INTERNAL', 'PERM', 'ABORT', 'BUSY', 'LOCKED', 'NOMEM', 'READONLY', 'INTERRUPT',
  'IOERR', 'CORRUPT', 'NOTFOUND', 'FULL', 'CANTOPEN', 'PROTOCOL', 'EMPTY', 'SCHEMA', 'TOOBIG',
  'CONSTRAINT', 'MISMATCH', 'MISUSE', 'NOLFS', 'AUTH', 'FORMAT', 'RANGE', 'NOTADB', 'NOTICE', 'WARNING',
];
// biome-ignore format: a table
const EXTENDED: Readonly<Record<string, readonly string[]>> = {
  ERROR: ['', 'MISSING_COLLSEQ', 'RETRY', 'SNAPSHOT'],
  IOERR: [
    '', 'READ', 'SHORT_READ', 'WRITE', 'FSYNC', 'DIR_FSYNC', 'TRUNCATE', 'FSTAT', 'UNLOCK', 'RDLOCK',
    'DELETE', 'BLOCKED', 'NOMEM', 'ACCESS', 'CHECKRESERVEDLOCK', 'LOCK', 'CLOSE', 'DIR_CLOSE',
    'SHMOPEN', 'SHMSIZE', 'SHMLOCK', 'SHMMAP', 'SEEK', 'DELETE_NOENT', 'MMAP', 'GETTEMPPATH',
    'CONVPATH', 'VNODE', 'AUTH', 'BEGIN_ATOMIC', 'COMMIT_ATOMIC', 'ROLLBACK_ATOMIC', 'DATA',
    'CORRUPTFS', 'IN_PAGE',
  ],
  LOCKED: ['', 'SHAREDCACHE', 'VTAB'],
  BUSY: ['', 'RECOVERY', 'SNAPSHOT', 'TIMEOUT'],
  CANTOPEN: ['', 'NOTEMPDIR', 'ISDIR', 'FULLPATH', 'CONVPATH', 'DIRTYWAL', 'SYMLINK'],
  CORRUPT: ['', 'VTAB', 'SEQUENCE', 'INDEX'],
  READONLY: ['', 'RECOVERY', 'CANTLOCK', 'ROLLBACK', 'DBMOVED', 'CANTINIT', 'DIRECTORY'],
  ABORT: ['', '', 'ROLLBACK'],
  CONSTRAINT: [
    '', 'CHECK', 'COMMITHOOK', 'FOREIGNKEY', 'FUNCTION', 'NOTNULL', 'PRIMARYKEY', 'TRIGGER', 'UNIQUE',
    'VTAB', 'ROWID', 'PINNED', 'DATATYPE',
  ],
  NOTICE: ['', 'RECOVER_WAL', 'RECOVER_ROLLBACK', 'RBU'],
  WARNING: ['', 'AUTOINDEX'],
  AUTH: ['', 'USER'],
};

/** `SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`…: the name better-sqlite3 puts in an error's `code`. */
export function sqliteCodeName(errcode: number): string {
  const primary = PRIMARY[errcode & 0xff] ?? 'ERROR';
  const extended = errcode > 0xff ? EXTENDED[primary]?.[errcode >> 8] : undefined;
  return extended ? `SQLITE_${primary}_${extended}` : `SQLITE_${primary}`;
}

/** A node:sqlite error (`code: 'ERR_SQLITE_ERROR'`, numeric `errcode`) as a SqliteError; others as they are. */
function translate(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const errcode: unknown = Reflect.get(error, 'errcode');
  if (Reflect.get(error, 'code') !== 'ERR_SQLITE_ERROR' || typeof errcode !== 'number') return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SqliteError(message, sqliteCodeName(errcode), errcode, { cause: error });
}

function sqliteCall<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw translate(error);
  }
}

// --- node:sqlite ---------------------------------------------------------------------------------

interface NodeStatement {
  run(...params: unknown[]): RunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

interface NodeDatabase {
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  close(): void;
  readonly isTransaction?: boolean;
}

interface NodeSqliteModule {
  DatabaseSync: new (
    filename: string,
    options: { readOnly?: boolean; enableForeignKeyConstraints?: boolean },
  ) => NodeDatabase;
}

let nodeSqlite: NodeSqliteModule | null | undefined;

/**
 * `node:sqlite`, loaded synchronously (openSqliteStore is synchronous), or null where this Node has
 * none (Node 20, or 22.5–22.12 without --experimental-sqlite). Node 22 emits an ExperimentalWarning
 * as the module loads ("SQLite is an experimental feature…"): that one warning is dropped, since
 * the store chose the module, not the app; every other warning goes through unchanged.
 */
function loadNodeSqlite(): NodeSqliteModule | null {
  if (nodeSqlite !== undefined) return nodeSqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    const name = typeof warning === 'string' ? type : warning.name;
    if (name === 'ExperimentalWarning' && /^SQLite is an experimental feature/.test(text)) return;
    return Reflect.apply(emitWarning, this, [warning, ...rest]);
  } as typeof process.emitWarning;
  try {
    const module: unknown = process.getBuiltinModule?.('node:sqlite');
    nodeSqlite =
      typeof module === 'object' && module !== null && 'DatabaseSync' in module
        ? (module as NodeSqliteModule)
        : null;
  } catch {
    nodeSqlite = null;
  } finally {
    process.emitWarning = emitWarning;
  }
  return nodeSqlite;
}

function openNodeSqlite(sqlite: NodeSqliteModule, filename: string, readonly: boolean): Connection {
  // SQLite's own default (foreign keys off) as better-sqlite3 has it; the store turns them on.
  const db = sqliteCall(
    () => new sqlite.DatabaseSync(filename, { readOnly: readonly, enableForeignKeyConstraints: false }),
  );
  let open = true;
  let depth = 0;

  const wrap = <P extends unknown[], R>(statement: NodeStatement): Statement<P, R> => ({
    run: (...params) => sqliteCall(() => statement.run(...params)),
    get: (...params) => sqliteCall(() => statement.get(...params) as R | undefined),
    all: (...params) => sqliteCall(() => statement.all(...params) as R[]),
  });
  const exec = (sql: string): void => sqliteCall(() => db.exec(sql));

  const inTransaction = <A extends unknown[], R>(mode: string, fn: (...args: A) => R, args: A): R => {
    if (depth > 0) {
      const name = `tollgate_${depth}`;
      exec(`SAVEPOINT ${name}`);
      depth++;
      try {
        const result = fn(...args);
        exec(`RELEASE ${name}`);
        return result;
      } catch (error) {
        exec(`ROLLBACK TO ${name}`);
        exec(`RELEASE ${name}`);
        throw error;
      } finally {
        depth--;
      }
    }
    exec(`BEGIN ${mode}`);
    depth++;
    try {
      const result = fn(...args);
      exec('COMMIT');
      return result;
    } catch (error) {
      // SQLite may have rolled back already (some I/O and full-disk errors do); then there is nothing to undo.
      if (db.isTransaction !== false) {
        try {
          db.exec('ROLLBACK');
        } catch {}
      }
      throw error;
    } finally {
      depth--;
    }
  };

  return {
    driver: 'node:sqlite',
    memory: filename === ':memory:' || filename === '',
    get open() {
      return open;
    },
    prepare: <P extends unknown[], R>(sql: string) => wrap<P, R>(sqliteCall(() => db.prepare(sql))),
    exec,
    pragma(source) {
      const row = sqliteCall(() => db.prepare(`PRAGMA ${source}`).get());
      return row === undefined ? undefined : Object.values(row as object)[0];
    },
    transaction: (fn) => ({
      immediate: (...args) => inTransaction('IMMEDIATE', fn, args),
      deferred: (...args) => inTransaction('DEFERRED', fn, args),
    }),
    close() {
      if (!open) return;
      db.close();
      open = false;
    },
  };
}

// --- better-sqlite3 ------------------------------------------------------------------------------

interface BetterDatabase {
  readonly open: boolean;
  readonly memory: boolean;
  prepare(sql: string): NodeStatement;
  exec(sql: string): void;
  pragma(source: string, options: { simple: true }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R>;
  close(): void;
}

type BetterSqlite3Constructor = new (
  filename: string,
  options: { readonly?: boolean; timeout?: number },
) => BetterDatabase;

let betterSqlite3: { readonly Database: BetterSqlite3Constructor } | { readonly error: unknown } | undefined;

/**
 * better-sqlite3, resolved from this package (an optional peer dependency), loaded and tried once:
 * a `:memory:` database proves its native module loads in this Node (a build for another Node's ABI
 * throws here, and is never used).
 */
function loadBetterSqlite3(): { readonly Database: BetterSqlite3Constructor } | { readonly error: unknown } {
  if (betterSqlite3 !== undefined) return betterSqlite3;
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as BetterSqlite3Constructor;
    new Database(':memory:', {}).close();
    betterSqlite3 = { Database };
  } catch (error) {
    betterSqlite3 = { error };
  }
  return betterSqlite3;
}

function openBetterSqlite3(
  Database: BetterSqlite3Constructor,
  filename: string,
  readonly: boolean,
): Connection {
  // timeout 0: the busy timeout is the store's (a pragma), not better-sqlite3's default of 5 s.
  const db = new Database(filename, { readonly, timeout: 0 });
  return {
    driver: 'better-sqlite3',
    memory: db.memory,
    get open() {
      return db.open;
    },
    prepare: <P extends unknown[], R>(sql: string) => db.prepare(sql) as Statement<P, R>,
    exec: (sql) => {
      db.exec(sql);
    },
    pragma: (source) => db.pragma(source, { simple: true }),
    transaction: (fn) => db.transaction(fn),
    close() {
      if (db.open) db.close();
    },
  };
}

// --- choice --------------------------------------------------------------------------------------

/** The drivers that work in this process, in the order the automatic choice tries them. */
export function availableSqliteDrivers(): SqliteDriverName[] {
  return SQLITE_DRIVERS.filter((driver) =>
    driver === 'node:sqlite' ? loadNodeSqlite() !== null : 'Database' in loadBetterSqlite3(),
  );
}

const NODE_SQLITE_MISSING = `node:sqlite is not available in Node ${process.versions.node} (it comes with Node >= 22.13 and >= 23.4)`;
const BETTER_SQLITE3_HINT =
  'install better-sqlite3 12 next to @tollgate/store-sqlite and allow its build script (see the README of @tollgate/store-sqlite)';

/** Why better-sqlite3 did not load, on one line: not installed, or built for another Node's ABI. */
function loadFailure(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const [head = ''] = text.split('\nRequire stack');
  return head
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

/** Opens `filename` with the driver asked for, or the first available; SqliteDriverError if none. */
export function openConnection(filename: string, options: ConnectionOptions = {}): Connection {
  const readonly = options.readonly ?? false;
  const driver = options.driver;
  if (driver !== undefined && !SQLITE_DRIVERS.includes(driver)) {
    throw new SqliteDriverError(
      `Unknown SQLite driver ${JSON.stringify(driver)}: use 'node:sqlite' or 'better-sqlite3'`,
      undefined,
    );
  }
  if (driver === undefined || driver === 'node:sqlite') {
    const sqlite = loadNodeSqlite();
    if (sqlite) return openNodeSqlite(sqlite, filename, readonly);
    if (driver === 'node:sqlite') throw new SqliteDriverError(`${NODE_SQLITE_MISSING}.`, driver);
  }
  const better = loadBetterSqlite3();
  if ('Database' in better) return openBetterSqlite3(better.Database, filename, readonly);
  const reason = `better-sqlite3 cannot be loaded (${loadFailure(better.error)})`;
  if (driver === 'better-sqlite3') {
    throw new SqliteDriverError(`${reason}: ${BETTER_SQLITE3_HINT}.`, driver, { cause: better.error });
  }
  throw new SqliteDriverError(
    `No SQLite driver: ${NODE_SQLITE_MISSING}, and ${reason}. Run on Node >= 22.13, or ${BETTER_SQLITE3_HINT}.`,
    undefined,
    { cause: better.error },
  );
}
