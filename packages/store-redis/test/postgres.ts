/**
 * The real PostgreSQL for the tests that run Tollgate on `@tollgate/store-postgres` with Redis:
 * TOLLGATE_TEST_DATABASE_URL, default database `test`, as store-postgres's own tests use it.
 */
import { randomBytes } from 'node:crypto';
import { openPostgresStore, type PostgresStore } from '@tollgate/store-postgres';
import { createFastPasswordHasher } from '@tollgate/store-tests';
import pg from 'pg';
import { onTestFinished } from 'vitest';

export const DATABASE_URL =
  process.env.TOLLGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The test server's URL for another database on it. */
export function databaseUrl(database: string): string {
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the database if missing; it is left for the next run. */
export async function ensureDatabase(database: string): Promise<void> {
  await withClient(DATABASE_URL, async (admin) => {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount !== 0) return;
    // Another run may create it between the check and here: that is fine too.
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (code !== '42P04' && code !== '23505') throw error;
    });
  });
}

/** Registers work to undo when the test ends: undone last first (stores closed before schemas are dropped). */
export function undoStack(): (undo: () => Promise<unknown>) => void {
  const undos: (() => Promise<unknown>)[] = [];
  onTestFinished(async () => {
    for (const undo of undos.reverse()) await undo();
  });
  return (undo) => {
    undos.push(undo);
  };
}

/**
 * A schema name no other test uses, dropped from each of these databases when the test ends, and
 * an opener of stores on it (closed when the test ends, with the fast password hasher).
 */
export function freshSchema(later: (undo: () => Promise<unknown>) => void, urls: readonly string[]) {
  const schema = `tollgate_redis_test_${randomBytes(5).toString('hex')}`;
  later(() =>
    Promise.all(
      urls.map((url) =>
        withClient(url, (admin) =>
          admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`),
        ),
      ),
    ),
  );
  const open = async (connectionString: string): Promise<PostgresStore> => {
    const store = await openPostgresStore({
      connectionString,
      schema,
      poolSize: 2,
      passwordHasher: createFastPasswordHasher(),
    });
    later(() => store.close());
    return store;
  };
  return { schema, open };
}
