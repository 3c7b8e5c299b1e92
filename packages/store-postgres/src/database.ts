import { createHash } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_SCHEMA = 'public';
export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 2000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;

/** How much longer than the server's statement timeout the client waits for an answer. */
const READ_TIMEOUT_MARGIN_MS = 1000;
/** Attempts of a unit of work whose first statement met a dead pooled connection. */
const MAX_ATTEMPTS = 3;

const INT8_OID = 20;

/** Times are `bigint` milliseconds; pg hands int8 over as a string so as not to lose precision. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} is not a safe integer`);
  return value;
}

// Given with every query, so the int8 parser applies to this store only, on any pool, never globally.
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** PostgreSQL's own identifier rules, minus anything that would need care: letters, digits, `_`. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function validateSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema) || schema.toLowerCase().startsWith('pg_')) {
    throw new RangeError(
      `schema must be 1 to 63 letters, digits or underscores, not starting with a digit or pg_ (got ${JSON.stringify(schema)})`,
    );
  }
  return schema;
}

function validateMs(name: string, value: number): number {
  // 0 means "no timeout" to pg and to PostgreSQL: exactly what must not happen.
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

/** A 64-bit advisory lock key of its own for each purpose and schema, so schemas never wait for each other. */
export function advisoryLockKey(purpose: string, schema: string): string {
  return createHash('sha256').update(`tollgate:${purpose}:${schema}`).digest().readBigInt64BE(0).toString();
}

export interface QueryResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

/** One connection, lent to one unit of work. */
export interface Session {
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<QueryResult<R>>;
}

interface TrackedSession extends Session {
  /** The connection failed in a state nobody can vouch for; it will be destroyed, not pooled. */
  readonly broken: boolean;
  discard(): void;
}

export interface Database {
  /** The schema name, and the same quoted for SQL text. */
  readonly schemaName: string;
  readonly schema: string;
  /** The most connections the pool opens (the caller's pool: its `max`, 10 where it sets none). */
  readonly poolSize: number;
  /** Runs `work` on one pooled connection (each statement commits on its own). */
  run<T>(work: (session: Session) => Promise<T>): Promise<T>;
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it rejects. */
  transaction<T>(work: (session: Session) => Promise<T>): Promise<T>;
  /** Later calls reject; ends the pool if the store created it. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  readonly connectionString?: string;
  readonly pool?: pg.Pool;
  readonly schema?: string;
  readonly poolSize?: number;
  readonly connectionTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
}

/**
 * An error PostgreSQL answered a statement with, after which the session goes on (after a rollback).
 * Duck-typed on the SQLSTATE: the caller's pool may come from another copy of pg, and `severity` is
 * translated on a server with another `lc_messages`.
 */
function isStatementError(error: unknown): boolean {
  if (!(error instanceof Error) || typeof Reflect.get(error, 'severity') !== 'string') return false;
  const code: unknown = Reflect.get(error, 'code');
  // Not one that ends the session: connection exceptions, shutdowns, idle-in-transaction timeout, internal.
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57P|25P03|XX)/.test(code);
}

/** The connection died under the statement: killed backend, server restart, reset socket. */
function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code: unknown = Reflect.get(error, 'code');
  if (typeof code === 'string' && (/^(08|57P0)/.test(code) || code === 'ECONNRESET' || code === 'EPIPE')) {
    return true;
  }
  return /Connection terminated unexpectedly|not queryable/.test(error.message);
}

/** `pool.connect()`, rejecting after `ms` even on a pool configured to wait forever. */
function connectWithin(pool: pg.Pool, ms: number): Promise<pg.PoolClient> {
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`PostgreSQL connection timeout: no connection within ${ms} ms`));
    }, ms);
    pool.connect().then(
      (client) => {
        clearTimeout(timer);
        if (timedOut) client.release();
        else resolve(client);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!timedOut) reject(error);
      },
    );
  });
}

// An idle client whose server went away (restart, pg_terminate_backend) is reported here. Without a
// listener Node would crash the process; the pool has already dropped the client and connects anew.
const ignoreIdleError = (): void => {};

/**
 * The pool (created here from a connection string, or the caller's) and the discipline every call
 * follows: a bounded wait for a connection, a bounded wait for every answer, a connection that failed
 * in an unknown state destroyed rather than returned to the pool.
 */
export function openDatabase(options: DatabaseOptions): Database {
  const schemaName = validateSchemaName(options.schema ?? DEFAULT_SCHEMA);
  const connectionTimeoutMs = validateMs(
    'connectionTimeoutMs',
    options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
  );
  const statementTimeoutMs = validateMs(
    'statementTimeoutMs',
    options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
  );
  const readTimeoutMs = statementTimeoutMs + READ_TIMEOUT_MARGIN_MS;
  if ((options.pool === undefined) === (options.connectionString === undefined)) {
    throw new TypeError('Give exactly one of connectionString and pool');
  }

  let pool: pg.Pool;
  let owned: boolean;
  let poolSize: number;
  // What each transaction starts with: the caller's pool may have no server-side timeouts of its own.
  let begin: string;
  if (options.pool) {
    if (options.poolSize !== undefined) throw new TypeError('poolSize applies only with connectionString');
    pool = options.pool;
    owned = false;
    poolSize = options.pool.options.max ?? DEFAULT_POOL_SIZE;
    begin = `BEGIN; SET LOCAL statement_timeout = ${statementTimeoutMs}; SET LOCAL idle_in_transaction_session_timeout = ${statementTimeoutMs}`;
  } else {
    poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    if (!Number.isSafeInteger(poolSize) || poolSize < 1)
      throw new RangeError('poolSize must be a positive integer');
    pool = new pg.Pool({
      connectionString: options.connectionString,
      application_name: 'tollgate',
      max: poolSize,
      connectionTimeoutMillis: connectionTimeoutMs,
      // The server cancels a statement that runs (or waits for a lock) too long, and ends a session
      // left idle inside a transaction, so a vanished client cannot hold row locks for long.
      statement_timeout: statementTimeoutMs,
      idle_in_transaction_session_timeout: statementTimeoutMs,
      keepAlive: true,
      // The store never keeps a process alive on its own; the app's server does.
      allowExitOnIdle: true,
    });
    pool.on('error', ignoreIdleError);
    owned = true;
    begin = 'BEGIN';
  }

  let closed = false;

  const statementNames = new Map<string, string>();
  const statementName = (text: string): string => {
    let name = statementNames.get(text);
    if (name === undefined) {
      name = `tollgate_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      statementNames.set(text, name);
    }
    return name;
  };

  async function attempt<T>(work: (session: TrackedSession) => Promise<T>): Promise<T> {
    const client = await connectWithin(pool, connectionTimeoutMs);
    // A checked-out client has no pool listener: an 'error' event now would otherwise crash the process.
    // The failure itself reaches the statement in flight, if any.
    const onError = (): void => {};
    client.on('error', onError);
    let statements = 0;
    let firstFailed = false;
    let broken = false;
    const session: TrackedSession = {
      get broken() {
        return broken;
      },
      discard() {
        broken = true;
      },
      async query<R>(text: string, values?: readonly unknown[]) {
        const index = ++statements;
        try {
          // pg reads query_timeout per query too (its typings only know the client-wide setting).
          const config: pg.QueryConfig<unknown[]> & { readonly query_timeout: number } = {
            text,
            // Statements with parameters are the store's own, run again and again: prepared once
            // per connection (a name per text), they skip the server's parse and plan.
            ...(values === undefined ? {} : { values: [...values], name: statementName(text) }),
            types: TYPES,
            query_timeout: readTimeoutMs,
          };
          const result: pg.QueryResult = await client.query(config);
          return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
        } catch (error) {
          if (index === 1) firstFailed = true;
          if (!isStatementError(error)) broken = true;
          throw error;
        }
      },
    };
    try {
      const result = await work(session);
      client.removeListener('error', onError);
      client.release(broken ? new Error('connection discarded') : undefined);
      return result;
    } catch (error) {
      client.removeListener('error', onError);
      // Anything but a plain SQL error (timeout, lost socket, failed rollback): never reuse the connection.
      client.release(broken ? (error instanceof Error ? error : new Error(String(error))) : undefined);
      if (firstFailed && statements === 1 && isConnectionLoss(error)) throw new StaleConnection(error);
      throw error;
    }
  }

  async function run<T>(work: (session: TrackedSession) => Promise<T>): Promise<T> {
    for (let attempts = 1; ; attempts++) {
      if (closed) throw new Error('The PostgreSQL store is closed');
      try {
        return await attempt(work);
      } catch (error) {
        // A pooled connection found dead on its first statement did nothing: the server had gone before
        // the statement arrived or rolled it back. Another connection may do it.
        if (error instanceof StaleConnection) {
          if (attempts < MAX_ATTEMPTS) continue;
          throw error.cause;
        }
        throw error;
      }
    }
  }

  return {
    schemaName,
    // Validated to letters, digits and `_`: quoting is all it needs, and keeps mixed case as given.
    schema: `"${schemaName}"`,
    poolSize,
    run,
    transaction<T>(work: (session: Session) => Promise<T>): Promise<T> {
      return run(async (session) => {
        await session.query(begin);
        let result: T;
        try {
          result = await work(session);
        } catch (error) {
          // A dead or timed-out connection is destroyed: a rollback would only wait on it. A live one
          // goes back to the pool only once rolled back.
          if (!session.broken) {
            try {
              await session.query('ROLLBACK');
            } catch {
              session.discard();
            }
          }
          throw error;
        }
        await session.query('COMMIT');
        return result;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (owned) await pool.end();
    },
  };
}

class StaleConnection extends Error {
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super('stale PostgreSQL connection', { cause });
    this.cause = cause;
  }
}
