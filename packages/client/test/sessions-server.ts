import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createKeySet,
  createScryptPasswordHasher,
  createTollgate,
  generateSigningKey,
  type Tollgate,
  TollgateError,
} from '@tollgate/core';
import { createHttpHandler } from '@tollgate/core/http';
import { fromNodeRequest, writeNodeResponse } from '@tollgate/core/node';
import { openPostgresStore } from '@tollgate/store-postgres';
import { demoData, openSqliteStore } from '@tollgate/store-sqlite';
import pg from 'pg';

// A real HTTP server on 127.0.0.1 serving the four APIs and the opt-in `sessions` profile: the
// core's framework-neutral handler on node:http, a Tollgate on a SQLite file (or a PostgreSQL
// schema) seeded with the demo data, its audit log queryable. Other processes (the CLI's `users`
// commands) may open the same database: this server hears their revocations at its next sync.

/** PostgreSQL with trust auth; override with TOLLGATE_TEST_DATABASE_URL. */
export const POSTGRES_URL =
  process.env.TOLLGATE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** How often the server reads the store's revocation log (the default is 1000 ms). */
export const SYNC_INTERVAL_MS = 50;

export type Database =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

export interface SessionsServer {
  readonly url: string;
  readonly database: Database;
  /** The CLI's options naming the same database. */
  readonly databaseArgs: readonly string[];
  readonly tollgate: Tollgate;
  close(): Promise<void>;
}

export interface SessionsServerOptions {
  /** PostgreSQL in a fresh schema (dropped on close) instead of a SQLite file. */
  readonly postgres?: boolean;
  /** False: no audit log (the audit route answers `not_supported`). Default true. */
  readonly audit?: boolean;
}

const cheapHasher = () => createScryptPasswordHasher({ logN: 10, r: 8, p: 1 });

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

export async function startSessionsServer(options: SessionsServerOptions = {}): Promise<SessionsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-sessions-'));
  let database: Database;
  let store: Awaited<ReturnType<typeof openPostgresStore>> | ReturnType<typeof openSqliteStore>;
  if (options.postgres) {
    const schema = `tollgate_client_${randomBytes(5).toString('hex')}`;
    database = { kind: 'postgres', url: POSTGRES_URL, schema };
    store = await openPostgresStore({
      connectionString: POSTGRES_URL,
      schema,
      poolSize: 4,
      passwordHasher: cheapHasher(),
    });
  } else {
    database = { kind: 'sqlite', file: join(dir, 'tollgate.db') };
    store = openSqliteStore({ filename: database.file, passwordHasher: cheapHasher() });
  }
  await store.seed(demoData);
  const tollgate = createTollgate({
    issuer: 'https://tollgate.test',
    audience: 'tollgate-client-tests',
    keys: createKeySet({ current: await generateSigningKey() }),
    store: store.tokens,
    users: store.users,
    ...(options.audit === false ? {} : { audit: store.audit }),
    loginLimits: false,
    housekeeping: false,
    revocations: { syncIntervalMs: SYNC_INTERVAL_MS },
  });
  const http = createHttpHandler(tollgate, {
    profiles: ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt', 'sessions'],
    cookie: { secure: false },
  });
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/openapi.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(http.openapi({ title: 'Tollgate client tests', version: '1.0.0' })));
      return;
    }
    http
      .handle(fromNodeRequest(req))
      .then((response) => response ?? http.renderError(new TollgateError('not_found')))
      .catch((error: unknown) => http.renderError(error))
      .then((response) => writeNodeResponse(res, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    database,
    databaseArgs:
      database.kind === 'sqlite'
        ? ['--sqlite', database.file]
        : ['--postgres', database.url, '--schema', database.schema],
    tollgate,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      tollgate.close();
      await store.close();
      if (database.kind === 'postgres') await dropSchema(database.schema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
