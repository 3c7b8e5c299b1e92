import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test server: PostgreSQL 15 with trust auth; override with TOLLGATE_TEST_DATABASE_URL. */
export const DATABASE_URL =
  process.env.TOLLGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The connection string with an application_name, so a test can find its own pool's backends. */
export function urlWithName(applicationName: string): string {
  const url = new URL(DATABASE_URL);
  url.searchParams.set('application_name', applicationName);
  return url.toString();
}

/** One random schema name per test file, `tollgate_test_<random>`, plus numbered ones under it. */
export function testSchemas() {
  const base = `tollgate_test_${randomBytes(5).toString('hex')}`;
  let count = 0;
  return {
    base,
    /** A fresh schema name (nothing is created until a store opens on it). */
    next: (): string => `${base}_${++count}`,
    /** Drops the base schema and every numbered one. */
    dropAll: () =>
      withAdmin(async (client) => {
        const { rows } = await client.query<{ nspname: string }>(
          'SELECT nspname FROM pg_namespace WHERE nspname = $1 OR starts_with(nspname, $2)',
          [base, `${base}_`],
        );
        for (const { nspname } of rows)
          await client.query(`DROP SCHEMA ${pg.escapeIdentifier(nspname)} CASCADE`);
      }),
  };
}

/** A short-lived connection of the test itself, outside any store. */
export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Rows of a query run outside the store, int8 columns as strings. */
export function adminQuery<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  return withAdmin(async (client) => (await client.query<R>(text, values)).rows);
}

export function quote(schema: string): string {
  return pg.escapeIdentifier(schema);
}
