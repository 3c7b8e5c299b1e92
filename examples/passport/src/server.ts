import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AppRouteDoc,
  createKeySet,
  createTollgate,
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  type Lifetimes,
  type PasswordHasher,
  type Principal,
  redactUrl,
  type SigningKey,
  TollgateError,
  writeNodeResponse,
} from '@tollgate/core';
import { createTollgateExpress } from '@tollgate/express';
import {
  BearerTokenStrategy,
  JwtSchemeStrategy,
  renderPassportFailure,
  SessionCookieStrategy,
  UatStrategy,
} from '@tollgate/passport';
import { openSqliteStore, seedDemoData } from '@tollgate/store-sqlite';
import express from 'express';
import { Passport } from 'passport';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';

interface DemoRoute extends AppRouteDoc {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly permissions: readonly string[];
  readonly success: { readonly status: number; readonly description: string };
  respond(params: Record<string, string>): unknown;
}

/** The protected demo routes of the contract. */
const DEMO_ROUTES: readonly DemoRoute[] = [
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

/** The strategies of `@tollgate/passport`, one per scheme: together they accept every credential. */
const STRATEGIES = ['tollgate-jwt', 'tollgate-uat', 'tollgate-bearer', 'tollgate-session'];

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
async function loadSigningKey(database: string): Promise<SigningKey> {
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

export async function startServer(options: ExampleServerOptions = {}): Promise<RunningServer> {
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
  const tg = createTollgateExpress(tollgate, {
    errorShape: 'detail', // the demo routes answer like the UAT/JWT API they belong to
    cookie: { secure: options.secureCookie ?? process.env.NODE_ENV === 'production' },
    onUnexpectedError: (error) => logger.error({ err: error }, 'unexpected error'),
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger,
      // Only what is safe to log: never a header, and the URL with passwords and tokens redacted.
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  app.get('/.well-known/jwks.json', async (_req, res) => {
    res.json(await tollgate.jwks());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(
      tg.http.openapi({ title: 'Tollgate example (passport)', version: '1.0.0', appRoutes: DEMO_ROUTES }),
    );
  });
  app.use(tg.router());

  // The demo routes are protected by passport alone: one strategy per scheme. Passport hands the
  // custom callback every strategy's refusal; the helper renders the one the credential was meant
  // for, in the profile's shape. The permission check is the core's.
  const passport = new Passport();
  passport.use(new JwtSchemeStrategy(tg.http));
  passport.use(new UatStrategy(tg.http));
  passport.use(new BearerTokenStrategy(tg.http));
  passport.use(new SessionCookieStrategy(tg.http));
  const protect =
    (permissions: readonly string[]): express.RequestHandler =>
    (req, res, next) => {
      const decide = (error: unknown, user: Principal | false, info: unknown) => {
        if (error) return next(error); // store_unavailable: 503 from the error handler, never a 401
        if (!user) return writeNodeResponse(res, renderPassportFailure(tg.http, info, 'detail'));
        const refusal = tg.http.check(user, { permissions }, 'detail');
        if (refusal) return writeNodeResponse(res, refusal);
        req.user = user;
        next();
      };
      passport.authenticate(STRATEGIES, { session: false }, decide)(req, res, next);
    };
  // Bodies go through Tollgate's bounded JSON parser (before authentication, as in the Express example).
  const body = tg.json();
  for (const route of DEMO_ROUTES) {
    const path = route.path.replace(/\{(\w+)\}/g, ':$1');
    const method = route.method.toLowerCase() as 'get' | 'post' | 'patch';
    app[method](path, body, protect(route.permissions), (req, res) => {
      res.status(route.success.status).json(route.respond(req.params as Record<string, string>));
    });
    app.all(path, tg.methodNotAllowed(route.method));
  }

  app.use((_req, res) => {
    const response = tg.http.renderError(new TollgateError('not_found'));
    res.status(response.status).set(response.headers).send(response.body);
  });
  app.use(tg.errorHandler());
  // Last: nothing unexpected ever reaches a client with a stack trace.
  app.use(((error, _req, res, _next) => {
    const response = tg.http.renderError(error);
    if (!res.headersSent) res.status(response.status).set(response.headers).send(response.body);
  }) satisfies express.ErrorRequestHandler);

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 3000, options.host ?? '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}
