/**
 * `store.identity`: which database a store is, the same however the server is reached, for naming
 * a service's keys elsewhere (its Redis namespace).
 */
import { createFastPasswordHasher } from '@tollgate/store-tests';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readIdentity } from '../src/identity.js';
import { openPostgresStore, type PostgresStore } from '../src/index.js';
import { adminQuery, DATABASE_URL, testSchemas } from './helpers.js';
import { TcpProxy } from './proxy.js';

const schemas = testSchemas();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => schemas.dropAll());

async function open(schema: string, connectionString = DATABASE_URL): Promise<PostgresStore> {
  const store = await openPostgresStore({
    connectionString,
    schema,
    poolSize: 1,
    passwordHasher: createFastPasswordHasher(),
  });
  cleanups.push(() => store.close());
  return store;
}

async function serverFacts() {
  const [row] = await adminQuery<{ system: string; database: string }>(
    'SELECT system_identifier::text AS system, current_database() AS database FROM pg_control_system()',
  );
  if (!row) throw new Error('no row');
  return row;
}

/** A fake `Database` whose first statement fails with `error`; later ones run on a real connection. */
function failingFirst(error: Error) {
  let calls = 0;
  return {
    schemaName: 'app',
    async run<T>(work: (session: { query: (text: string) => Promise<unknown> }) => Promise<T>): Promise<T> {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        return await work({
          query: async (text: string) => {
            if (++calls === 1) throw error;
            return client.query(text);
          },
        });
      } finally {
        await client.end();
      }
    },
  };
}

const sqlError = (code: string): Error => Object.assign(new Error(`sqlstate ${code}`), { code });

describe('store.identity', () => {
  it('names the server by its system identifier, with the database and the schema', async () => {
    const schema = schemas.next();
    const store = await open(schema);
    const { system, database } = await serverFacts();
    expect(store.identity).toEqual({ server: `system:${system}`, database, schema });
    expect(Object.isFrozen(store.identity)).toBe(true);
  });

  it('is the same through another address (a proxy), and differs with the schema', async () => {
    const schema = schemas.next();
    const target = new URL(DATABASE_URL);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    cleanups.push(() => proxy.close());
    const viaProxy = new URL(DATABASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const direct = await open(schema);
    const proxied = await open(schema, viaProxy.toString());
    expect(proxied.identity).toEqual(direct.identity);
    const other = await open(schemas.next());
    expect(other.identity.server).toBe(direct.identity.server);
    expect(other.identity.schema).not.toBe(direct.identity.schema);
  });

  it('falls back to the address and port the server reports where pg_control_system() may not be read', async () => {
    for (const code of ['42501', '42883', '0A000']) {
      const [facts] = await adminQuery<{ port: string; database: string }>(
        "SELECT current_setting('port') AS port, current_database() AS database",
      );
      const identity = await readIdentity(failingFirst(sqlError(code)) as never);
      expect(identity).toEqual({
        server: expect.stringMatching(new RegExp(`^address:.+:${facts?.port}$`)),
        database: facts?.database,
        schema: 'app',
      });
    }
  });

  it('rejects, rather than guess, on any other failure', async () => {
    const lost = sqlError('08006');
    await expect(readIdentity(failingFirst(lost) as never)).rejects.toBe(lost);
    const plain = new Error('Connection terminated unexpectedly');
    await expect(readIdentity(failingFirst(plain) as never)).rejects.toBe(plain);
  });
});
