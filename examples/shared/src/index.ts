import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import {
  type AppRouteDoc,
  createKeySet,
  createTollgate,
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  type Lifetimes,
  type PasswordHasher,
  redactUrl,
  type SigningKey,
  type Tollgate,
} from '@tollgate/core';
import { openSqliteStore, type SqliteStore, seedDemoData } from '@tollgate/store-sqlite';
import { type Logger, pino } from 'pino';

export interface DemoRoute extends AppRouteDoc {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly permissions: readonly string[];
  readonly success: { readonly status: number; readonly description: string };
  respond(params: Record<string, string>): unknown;
}

/** The protected demo routes of the contract, served by every example. */
export const DEMO_ROUTES: readonly DemoRoute[] = [
  {
    method: 'POST',
    path: '/api/v2/brands/',
    summary: 'Creates a brand.',
    permissions: ['brand_create'],
    success: { status: 201, description: 'Created.' },
    respond: () => ({ id: randomUUID(), created: 'brand' }),
  },
  {
    method: 'POST',
    path: '/api/v2/products/',
    summary: 'Creates a product.',
    permissions: ['product_create'],
    success: { status: 201, description: 'Created.' },
    respond: () => ({ id: randomUUID(), created: 'product' }),
  },
  {
    method: 'GET',
    path: '/api/v2/scans/download',
    summary: 'Downloads scans.',
    permissions: ['scans_download'],
    success: { status: 200, description: 'The scans.' },
    respond: () => ({ scans: [] }),
  },
  {
    method: 'POST',
    path: '/api/v2/scm/bulk-edit/',
    summary: 'Edits codes in bulk.',
    permissions: ['scm_bulk_edit'],
    success: { status: 200, description: 'Edited.' },
    respond: () => ({ updated: 0 }),
  },
  {
    method: 'PATCH',
    path: '/api/v2/scm/codes/{id}/',
    summary: 'Edits one code.',
    permissions: ['scm_code_edit'],
    success: { status: 200, description: 'Edited.' },
    respond: (params) => ({ id: params.id, updated: true }),
  },
];

export interface ExampleServerOptions {
  /** 0 picks a free port. Default 3000. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** SQLite file (`:memory:` allowed). Default `tollgate.db`. */
  readonly database?: string;
  /** Default: scrypt with OWASP parameters. Tests pass a cheaper one. */
  readonly passwordHasher?: PasswordHasher;
  /** Default: the key in `TOLLGATE_SIGNING_KEY` (a private JWK), else one kept beside the database. */
  readonly signingKey?: SigningKey;
  readonly lifetimes?: Partial<Lifetimes>;
  /** `false` silences the request log. Default: JSON lines on stdout. */
  readonly logger?: false;
  /** Adds `Secure` to the session cookie. Default: true when NODE_ENV is production. */
  readonly secureCookie?: boolean;
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * The example's key: from `TOLLGATE_SIGNING_KEY`, else a JWK file beside the database (so
 * tokens survive a restart), else a fresh one for an in-memory database.
 */
export async function loadSigningKey(database: string): Promise<SigningKey> {
  const fromEnv = process.env.TOLLGATE_SIGNING_KEY;
  if (fromEnv) return importSigningKey(JSON.parse(fromEnv));
  if (database === ':memory:') return generateSigningKey();
  const file = `${database}.signing-key.json`;
  if (existsSync(file)) return importSigningKey(JSON.parse(readFileSync(file, 'utf8')));
  const key = await generateSigningKey();
  writeFileSync(file, JSON.stringify(await exportSigningKey(key)), { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

export interface ExampleSetup {
  readonly tollgate: Tollgate;
  readonly store: SqliteStore;
  readonly logger: Logger;
  /** Whether the session cookie gets `Secure`. */
  readonly secureCookie: boolean;
}

/** The SQLite store seeded with the demo data, the request logger and the Tollgate of an example. */
export async function openExample(options: ExampleServerOptions): Promise<ExampleSetup> {
  const database = options.database ?? 'tollgate.db';
  const store = openSqliteStore({
    filename: database,
    ...(options.passwordHasher ? { passwordHasher: options.passwordHasher } : {}),
  });
  await seedDemoData(store);
  const logger = options.logger === false ? pino({ level: 'silent' }) : pino();
  const tollgate = createTollgate({
    issuer: 'https://tollgate.example',
    audience: 'tollgate-example',
    keys: createKeySet({ current: options.signingKey ?? (await loadSigningKey(database)) }),
    store: store.tokens,
    users: store.users,
    ...(options.lifetimes ? { lifetimes: options.lifetimes } : {}),
    onBackgroundError: (error) => logger.warn({ err: error }, 'background work failed'),
  });
  return {
    tollgate,
    store,
    logger,
    secureCookie: options.secureCookie ?? process.env.NODE_ENV === 'production',
  };
}

/** pino-http serializers: only what is safe to log, never a header, the URL with secrets redacted. */
export const REQUEST_LOG_SERIALIZERS = {
  req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
};
