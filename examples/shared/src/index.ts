import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import {
  type AuditLog,
  type AuditSink,
  createKeySet,
  createScryptPasswordHasher,
  createTollgate,
  type KeySet,
  keySetFromEnv,
  type Lifetimes,
  type LiveKeySet,
  type LoginLimitsOptions,
  openKeySet,
  type PasswordHasher,
  type PasswordHashingOptions,
  type SigningKey,
  type SigningKeyStore,
  type TokenStore,
  type Tollgate,
  type TollgateOptions,
  type UserDirectory,
} from '@tollgate/core';
import {
  type AppRouteDoc,
  type CorsOptions,
  type IntrospectionClient,
  type OAuthProfileOptions,
  type ProfileName,
  redactUrl,
} from '@tollgate/core/http';
import { openPostgresStore } from '@tollgate/store-postgres';
import {
  createRedisRevocationChannel,
  type DatabaseIdentity,
  redisLimiterFactory,
  redisNamespaceFor,
} from '@tollgate/store-redis';
import { demoData, openSqliteStore } from '@tollgate/store-sqlite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type DestinationStream, type Logger, pino } from 'pino';
import { z } from 'zod';

export interface DemoRoute extends AppRouteDoc {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly permissions: readonly string[];
  readonly success: { readonly status: number; readonly description: string; readonly schema: z.ZodType };
  respond(params: Record<string, string>): unknown;
}

// What the demo routes read and answer, for the OpenAPI document: they read any JSON and ignore it.
const DemoInput = z.unknown().meta({ description: 'Any JSON: the demo reads it (bounded) and ignores it.' });
const Created = z.object({ id: z.string(), created: z.string() }).meta({ id: 'DemoCreated' });

/** The examples' licence, for their OpenAPI documents' `info.license`. */
export const DEMO_LICENSE = { name: 'MIT', identifier: 'MIT' } as const;

/** The protected demo routes of the contract, served by every example. */
export const DEMO_ROUTES: readonly DemoRoute[] = [
  {
    method: 'POST',
    path: '/api/v2/brands/',
    summary: 'Creates a brand.',
    permissions: ['brand_create'],
    body: DemoInput,
    success: { status: 201, description: 'Created.', schema: Created },
    respond: () => ({ id: randomUUID(), created: 'brand' }),
  },
  {
    method: 'POST',
    path: '/api/v2/products/',
    summary: 'Creates a product.',
    permissions: ['product_create'],
    body: DemoInput,
    success: { status: 201, description: 'Created.', schema: Created },
    respond: () => ({ id: randomUUID(), created: 'product' }),
  },
  {
    method: 'GET',
    path: '/api/v2/scans/download',
    summary: 'Downloads scans.',
    permissions: ['scans_download'],
    success: { status: 200, description: 'The scans.', schema: z.object({ scans: z.array(z.unknown()) }) },
    respond: () => ({ scans: [] }),
  },
  {
    method: 'POST',
    path: '/api/v2/scm/bulk-edit/',
    summary: 'Edits codes in bulk.',
    permissions: ['scm_bulk_edit'],
    body: DemoInput,
    success: { status: 200, description: 'Edited.', schema: z.object({ updated: z.number().int() }) },
    respond: () => ({ updated: 0 }),
  },
  {
    method: 'PATCH',
    path: '/api/v2/scm/codes/{id}/',
    summary: 'Edits one code.',
    permissions: ['scm_code_edit'],
    body: DemoInput,
    success: {
      status: 200,
      description: 'Edited.',
      schema: z.object({ id: z.string(), updated: z.boolean() }),
    },
    respond: (params) => ({ id: params.id, updated: true }),
  },
];

/** `iss` of the examples' tokens (docs: examples/README.md). */
export const EXAMPLE_ISSUER = 'https://tollgate.example';
/** `aud` of the examples' access tokens: what a resource server pins. */
export const EXAMPLE_AUDIENCE = 'tollgate-example';

/**
 * The examples' introspection client outside production, unless `TOLLGATE_INTROSPECTION_CLIENT_ID`
 * and `TOLLGATE_INTROSPECTION_CLIENT_SECRET` name another: a published demo secret, never for a real
 * deployment (in production there is none unless both variables are set).
 */
export const DEMO_INTROSPECTION_CLIENT: IntrospectionClient = Object.freeze({
  id: 'example-resource-server',
  secret: 'example-introspection-secret',
});

export interface ExampleServerOptions {
  /** 0 picks a free port. Default 3000. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** SQLite file (`:memory:` allowed). Default `tollgate.db`. Ignored when `databaseUrl` is given. */
  readonly database?: string;
  /** PostgreSQL instead of SQLite, e.g. `postgres://user@host:5432/db` (`TOLLGATE_DATABASE_URL`). */
  readonly databaseUrl?: string | undefined;
  /** The PostgreSQL schema. Default `public`. */
  readonly databaseSchema?: string | undefined;
  /**
   * Redis, e.g. `redis://127.0.0.1:6379` (`TOLLGATE_REDIS_URL`): revocations reach the other
   * instances at once and login limits are counted across them.
   */
  readonly redisUrl?: string | undefined;
  /** Default: scrypt with OWASP parameters. Tests pass a cheaper one. */
  readonly passwordHasher?: PasswordHasher;
  /** The cap on concurrent password checks (`createTollgate`'s `passwordHashing`). Default: the core's. */
  readonly passwordHashing?: PasswordHashingOptions | false;
  /** Overrides the login limits (with Redis, the Redis-backed ones). Benchmarks pass `false`. */
  readonly loginLimits?: LoginLimitsOptions | false;
  /**
   * Default: the keys in `TOLLGATE_SIGNING_KEY` (a private JWK, a PEM or `{"keys": [...]}`: core's
   * `keySetFromEnv`), else those of the database, created by the first instance (`openKeySet`).
   */
  readonly signingKey?: SigningKey;
  readonly lifetimes?: Partial<Lifetimes>;
  /** `false` silences the request log. Default: JSON lines on stdout. */
  readonly logger?: false;
  /** Where the log's JSON lines go instead of stdout (tests read the real request log from it). */
  readonly logDestination?: DestinationStream;
  /**
   * Served over HTTPS: the session cookie gets `Secure` and the `__Host-` prefix
   * (`__Host-tollgate_session`: this origin only, `Path=/`, no `Domain`). Default: true when NODE_ENV
   * is production; otherwise `tollgate_session`, for plain HTTP on 127.0.0.1.
   */
  readonly secureCookie?: boolean;
  /** `createTollgate`'s `refreshReuseIntervalSeconds`. Default: the core's (10 s). */
  readonly refreshReuseIntervalSeconds?: number;
  /** The HTTP server's time limits; each one given replaces its default (`SERVER_TIME_LIMITS`). */
  readonly serverTimeLimits?: Partial<ServerTimeLimits>;
  /**
   * Browser pages of these origins may call the token APIs (the handlers' `cors` option; env
   * `TOLLGATE_CORS_ORIGINS`, comma-separated). Default none: CORS off.
   */
  readonly corsOrigins?: readonly string[];
  /** Those pages may send the session cookie (`cors.credentials`; env `TOLLGATE_CORS_CREDENTIALS=true`). */
  readonly corsCredentials?: boolean;
  /**
   * Where the example is reached from outside (`TOLLGATE_PUBLIC_URL`): the base of the `oauth` metadata's
   * URLs. Default: the issuer, `https://tollgate.example`.
   */
  readonly publicUrl?: string | undefined;
  /**
   * Who may call `POST /oauth/introspect` (`TOLLGATE_INTROSPECTION_CLIENT_ID` and `_SECRET`); `null`: no
   * one. Default: `DEMO_INTROSPECTION_CLIENT` outside production, no one in production.
   */
  readonly introspectionClient?: IntrospectionClient | null;
}

/** How long a client may take, in milliseconds: Node's `http.Server` settings of the same names. */
export interface ServerTimeLimits {
  /** From the first byte of a request until its headers are complete; then 408 and the connection closed. */
  readonly headersTimeout: number;
  /** From the first byte of a request until it is received whole (headers and body); then 408. */
  readonly requestTimeout: number;
  /** How long an idle keep-alive connection stays open after a response. */
  readonly keepAliveTimeout: number;
  /** How often the two limits above are checked: a limit is enforced up to this much late. */
  readonly connectionsCheckingInterval: number;
}

/**
 * What the examples use, against slow clients: Node's own defaults let slow headers hold a connection
 * for up to 90 s (60 s, checked every 30 s) and a slow body for 5 minutes. A JSON API answers with
 * requests of a few KiB, so 10 s for the headers and 30 s for the whole request are generous. The
 * keep-alive timeout stays at Node's 5 s; behind a load balancer, make it longer than the balancer's
 * own idle timeout (and `headersTimeout` longer than the keep-alive timeout).
 */
export const SERVER_TIME_LIMITS: ServerTimeLimits = Object.freeze({
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 1_000,
});

/**
 * Sets the time limits on a server that is not listening yet (the checking interval is taken when it
 * starts to listen).
 */
export function applyServerTimeLimits(
  server: Server,
  limits: Partial<ServerTimeLimits> = {},
): ServerTimeLimits {
  if (server.listening) throw new Error('applyServerTimeLimits: the server is already listening');
  const applied = { ...SERVER_TIME_LIMITS, ...limits };
  server.headersTimeout = applied.headersTimeout;
  server.requestTimeout = applied.requestTimeout;
  server.keepAliveTimeout = applied.keepAliveTimeout;
  // Node reads this one when the server starts to listen; @types/node declares it only as an option.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    applied.connectionsCheckingInterval;
  return applied;
}

/**
 * Applies the example's time limits to `server` and starts it on `options.port` / `options.host`;
 * resolves with its URL once it accepts connections.
 */
export async function listenExample(server: Server, options: ExampleServerOptions): Promise<string> {
  applyServerTimeLimits(server, options.serverTimeLimits);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return `http://${host}:${port}`;
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** What `main.ts` of every example reads from the environment (CONTRACT.md). */
export function exampleOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleServerOptions {
  return {
    port: Number(env.PORT ?? 3000),
    database: env.TOLLGATE_DB ?? 'tollgate.db',
    databaseUrl: env.TOLLGATE_DATABASE_URL || undefined,
    databaseSchema: env.TOLLGATE_DATABASE_SCHEMA || undefined,
    redisUrl: env.TOLLGATE_REDIS_URL || undefined,
    ...(env.TOLLGATE_REFRESH_REUSE_INTERVAL_SECONDS
      ? { refreshReuseIntervalSeconds: Number(env.TOLLGATE_REFRESH_REUSE_INTERVAL_SECONDS) }
      : {}),
    ...(env.TOLLGATE_CORS_ORIGINS
      ? {
          corsOrigins: env.TOLLGATE_CORS_ORIGINS.split(',')
            .map((origin) => origin.trim())
            .filter((origin) => origin.length > 0),
          corsCredentials: env.TOLLGATE_CORS_CREDENTIALS === 'true',
        }
      : {}),
    ...(env.TOLLGATE_PUBLIC_URL ? { publicUrl: env.TOLLGATE_PUBLIC_URL } : {}),
    ...(env.TOLLGATE_INTROSPECTION_CLIENT_ID && env.TOLLGATE_INTROSPECTION_CLIENT_SECRET
      ? {
          introspectionClient: {
            id: env.TOLLGATE_INTROSPECTION_CLIENT_ID,
            secret: env.TOLLGATE_INTROSPECTION_CLIENT_SECRET,
          },
        }
      : {}),
    // scrypt's work factor, log2 N (default 17, OWASP's): lower it only for tests and demos.
    ...(env.TOLLGATE_SCRYPT_LOGN
      ? { passwordHasher: createScryptPasswordHasher({ logN: Number(env.TOLLGATE_SCRYPT_LOGN), r: 8, p: 1 }) }
      : {}),
  };
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface ExampleStores {
  readonly tokens: TokenStore;
  readonly users: UserDirectory;
  /** The store's audit table (none until the store keeps one). */
  readonly audit: readonly AuditLog[];
  /** Where the signing keys are kept: in the database, shared by every instance on it. */
  readonly signingKeys: SigningKeyStore;
  /** Which database this is: what names the service's keys in Redis. */
  readonly identity: DatabaseIdentity;
  readonly close: () => Promise<void>;
}

async function openStores(options: ExampleServerOptions): Promise<ExampleStores> {
  const hasher = options.passwordHasher ? { passwordHasher: options.passwordHasher } : {};
  if (options.databaseUrl) {
    const schema = options.databaseSchema ?? 'public';
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      connectionTimeoutMillis: 2000,
      options: `-c search_path=${quoteIdent(schema)}`,
    });
    pool.on('error', () => {}); // an idle connection lost: the pool reconnects on the next query
    try {
      const store = await openPostgresStore({ pool, schema, ...hasher });
      await store.seed(demoData);
      return {
        tokens: store.tokens,
        users: store.users,
        audit: [store.audit],
        signingKeys: store.signingKeys,
        identity: store.identity,
        close: async () => {
          await store.close();
          await pool.end();
        },
      };
    } catch (error) {
      await pool.end();
      throw error;
    }
  }
  const database = options.database ?? 'tollgate.db';
  const store = openSqliteStore({ filename: database, ...hasher });
  await store.seed(demoData);
  // A file is one database for the processes of this host; an in-memory one is this process's alone.
  const identity = {
    server: `sqlite@${hostname()}`,
    database: database === ':memory:' ? `:memory:${randomUUID()}` : path.resolve(database),
  };
  return {
    ...store,
    audit: [store.audit],
    signingKeys: store.signingKeys,
    identity,
    close: () => store.close(),
  };
}

/** The session cookie's name over HTTPS: the browser keeps it for this origin alone (RFC 6265bis). */
export const SECURE_COOKIE_NAME = '__Host-tollgate_session';

/** What every example's HTTP handler is given beside its own error shape. */
export interface ExampleHttpOptions {
  readonly profiles: readonly ProfileName[];
  readonly oauth: OAuthProfileOptions;
  readonly cookie: { readonly secure: boolean };
  readonly autoLogin: { readonly redirects: readonly string[] };
  /** Present when `corsOrigins` is given. */
  readonly cors?: CorsOptions;
}

export interface ExampleSetup {
  readonly tollgate: Tollgate;
  /**
   * The four documented APIs, the `sessions` and `oauth` profiles (JWKS, metadata, introspection), the
   * cookie, the auto-login landing's targets.
   */
  readonly httpOptions: ExampleHttpOptions;
  /** Closes the Tollgate, Redis and the store. */
  readonly store: { close(): Promise<void> };
  readonly logger: Logger;
  /** Whether the session cookie gets `Secure` (and is named `__Host-tollgate_session`). */
  readonly secureCookie: boolean;
}

/** The SQLite store seeded with the demo data, the request logger and the Tollgate of an example. */
export async function openExample(options: ExampleServerOptions): Promise<ExampleSetup> {
  const stores = await openStores(options);
  const logger =
    options.logger === false
      ? pino({ level: 'silent' })
      : options.logDestination
        ? pino({}, options.logDestination)
        : pino();
  let redis: Redis | undefined;
  let closeKeys = (): void => {};
  try {
    // The keys outlive a restart: from the environment (a secrets manager), else the database.
    let live: LiveKeySet | undefined;
    let keys: KeySet;
    if (options.signingKey) keys = createKeySet({ current: options.signingKey });
    else {
      live = process.env.TOLLGATE_SIGNING_KEY
        ? await keySetFromEnv({ variable: 'TOLLGATE_SIGNING_KEY' })
        : await openKeySet({
            store: stores.signingKeys,
            onError: (error) => logger.warn({ err: error }, 'signing keys reload failed'),
          });
      keys = live;
    }
    closeKeys = () => live?.close();
    let shared: Pick<TollgateOptions, 'revocationChannel' | 'loginLimits'> = {};
    if (options.redisUrl) {
      // Fail fast while Redis is down (no offline queue): requests answer 503 rather than wait.
      redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
      // Instances on one database (server, database, schema) are one service: they share a channel and
      // counters, which no service on another database sees, whatever its schema.
      const namespace = redisNamespaceFor(stores.identity);
      const revocationChannel = createRedisRevocationChannel({ redis, namespace });
      // Until both are up, logins and revocable credentials would be refused (503).
      if (redis.status !== 'ready') await once(redis, 'ready');
      await revocationChannel.ready();
      shared = {
        revocationChannel,
        loginLimits: { limiterFactory: redisLimiterFactory(redis, { namespace }) },
      };
    }
    const production = process.env.NODE_ENV === 'production';
    const secureCookie = options.secureCookie ?? production;
    const tollgate = createTollgate({
      issuer: EXAMPLE_ISSUER,
      audience: EXAMPLE_AUDIENCE,
      keys,
      store: stores.tokens,
      users: stores.users,
      ...shared,
      ...(options.lifetimes ? { lifetimes: options.lifetimes } : {}),
      ...(options.passwordHashing !== undefined ? { passwordHashing: options.passwordHashing } : {}),
      ...(options.loginLimits !== undefined ? { loginLimits: options.loginLimits } : {}),
      ...(options.refreshReuseIntervalSeconds !== undefined
        ? { refreshReuseIntervalSeconds: options.refreshReuseIntervalSeconds }
        : {}),
      // Every audit event as a JSON line of its own (`"audit": {...}`), and in the store's table.
      audit: [pinoAuditSink(logger), ...stores.audit],
      // Background failures and unexpected 500s go to the app's log, redacted by Tollgate.
      logger,
      cookieName: secureCookie ? SECURE_COOKIE_NAME : 'tollgate_session',
    });
    const channel = shared.revocationChannel;
    const store = {
      async close() {
        tollgate.close();
        closeKeys();
        await channel?.close?.();
        redis?.disconnect();
        await stores.close();
      },
    };
    const introspectionClient =
      options.introspectionClient === undefined
        ? production
          ? null
          : DEMO_INTROSPECTION_CLIENT
        : options.introspectionClient;
    return {
      tollgate,
      store,
      logger,
      secureCookie,
      httpOptions: {
        profiles: ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt', 'sessions', 'oauth'],
        oauth: {
          ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
          introspectionClients: introspectionClient ? [introspectionClient] : [],
        },
        cookie: { secure: secureCookie },
        autoLogin: { redirects: ['/portal/', '/'] },
        ...(options.corsOrigins?.length
          ? { cors: { origins: options.corsOrigins, credentials: options.corsCredentials ?? false } }
          : {}),
      },
    };
  } catch (error) {
    closeKeys();
    redis?.disconnect();
    await stores.close();
    throw error;
  }
}

/** Audit events to the log, one line each; they carry no password and no token value. */
export function pinoAuditSink(logger: Logger): AuditSink {
  const audit = logger.child({ component: 'audit' });
  return { record: (event) => audit.info({ audit: event }, event.type) };
}

/** pino-http serializers: only what is safe to log, never a header, the URL with secrets redacted. */
export const REQUEST_LOG_SERIALIZERS = {
  req: (req: { method: string; url: string }) => ({
    method: req.method,
    url: redactUrl(req.url, { method: req.method }),
  }),
  res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
};

/**
 * What an example prints once it listens. Outside production, how to try it with the demo accounts;
 * in production (`NODE_ENV=production`) no demo password: they are in the README.
 */
export function startupBanner(
  url: string,
  options: { readonly production?: boolean; readonly extra?: readonly string[] } = {},
): string {
  const production = options.production ?? process.env.NODE_ENV === 'production';
  const extra = (options.extra ?? []).map((line) => `  ${line}\n`).join('');
  if (production) {
    return `
Demo accounts: see the README (no password is printed in production).
  curl -s ${url}/openapi.json
`;
  }
  return `
Try it (demo accounts in the README):
  curl -s '${url}/Authentication?username=ethan.buckley@datastoreltd.biz&password=S0qUx56pW!&environment=staging'
  curl -s -X POST ${url}/api/v2/auth/token -H 'content-type: application/json' \\
       -d '{"username":"bob@acme.test","password":"Acme!user1"}'
  TOKEN=$(curl -s -X POST ${url}/api/v2/auth/jwt/ -H 'content-type: application/json' \\
       -d '{"email":"ethan.buckley@datastoreltd.biz","password":"S0qUx56pW!"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')
  curl -s ${url}/api/v2/me/ -H "Authorization: JWT $TOKEN"
${extra}  curl -s ${url}/openapi.json
`;
}
