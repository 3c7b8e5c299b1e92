/**
 * `router()` inside real Express 5 apps: prefix, a subset of profiles, an app-level body parser in
 * front of it, passing unknown paths on. What each documented endpoint answers is the contract
 * suite's (packages/contract-tests); here only how the router sits in an app.
 */
import type { Tollgate } from '@tollgate/core';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTollgateExpress, type TollgateExpressOptions } from '../src/index.js';
import { call, demoTollgate, ETHAN, JSON_HEADERS, type Listening, listen, postJson } from './helpers.js';

let tollgate: Tollgate;
const servers: Listening[] = [];

beforeAll(async () => {
  tollgate = await demoTollgate();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

/** An app: `before` (body parsers…), the router, `after` (app routes), then the app's own JSON 404. */
async function serve(
  options: TollgateExpressOptions,
  setup: { before?: (app: express.Express) => void; after?: (app: express.Express) => void } = {},
  mount: (app: express.Express, router: express.RequestHandler) => void = (app, router) => app.use(router),
): Promise<Listening> {
  const tg = createTollgateExpress(tollgate, options);
  const app = express();
  setup.before?.(app);
  mount(app, tg.router());
  setup.after?.(app);
  app.use((_req, res) => {
    res.status(404).json({ from: 'app' });
  });
  const server = await listen(app);
  servers.push(server);
  return server;
}

const PAIR_LOGIN = { username: ETHAN.username, password: ETHAN.password };
const JWT_LOGIN = { email: ETHAN.username, password: ETHAN.password };

function expectTokenPair(reply: { status: number; headers: Headers; body: unknown }) {
  expect(reply.status).toBe(200);
  expect(reply.headers.get('cache-control')).toBe('no-store');
  expect(reply.body).toMatchObject({ errorCode: '', content: [{ token: expect.any(String) }] });
}

describe('router(): prefix', () => {
  it("serves the profiles under `prefix` and passes the unprefixed paths to the app's 404", async () => {
    const server = await serve({ prefix: '/auth' });
    expectTokenPair(await postJson(`${server.url}/auth/api/v2/auth/token`, PAIR_LOGIN));
    const unprefixed = await postJson(`${server.url}/api/v2/auth/token`, PAIR_LOGIN);
    expect(unprefixed.status).toBe(404);
    expect(unprefixed.body).toEqual({ from: 'app' });
  });

  it('ignores a trailing slash of the prefix', async () => {
    const server = await serve({ prefix: '/auth/' });
    expectTokenPair(await postJson(`${server.url}/auth/api/v2/auth/token`, PAIR_LOGIN));
  });

  it('also works mounted at a path, with the same prefix (routes match the full original URL)', async () => {
    const server = await serve({ prefix: '/auth' }, {}, (app, router) => app.use('/auth', router));
    expectTokenPair(await postJson(`${server.url}/auth/api/v2/auth/token`, PAIR_LOGIN));
    // Mounted at a path without the prefix option, nothing matches: the prefix is the option's.
    const bare = await serve({}, {}, (app, router) => app.use('/auth', router));
    expect((await postJson(`${bare.url}/auth/api/v2/auth/token`, PAIR_LOGIN)).body).toEqual({ from: 'app' });
  });

  it('prefixes the route table and the OpenAPI document', () => {
    const tg = createTollgateExpress(tollgate, { prefix: '/auth', profiles: ['token-pair'] });
    expect(tg.http.routes.map((route) => route.path)).toEqual([
      '/auth/api/v2/auth/token',
      '/auth/api/v2/auth/token/refresh',
      '/auth/api/v2/auth/token/revoke',
    ]);
    expect(Object.keys(tg.http.openapi().paths as object)).toEqual(tg.http.routes.map((route) => route.path));
  });
});

describe('router(): a subset of profiles', () => {
  let server: Listening;
  beforeAll(async () => {
    server = await serve({ profiles: ['token-pair'] });
  });

  it('serves the chosen profile', async () => {
    expectTokenPair(await postJson(`${server.url}/api/v2/auth/token`, PAIR_LOGIN));
  });

  it("passes the other profiles' paths to the app", async () => {
    const jwt = await postJson(`${server.url}/api/v2/auth/jwt/`, JWT_LOGIN);
    expect(jwt.status).toBe(404);
    expect(jwt.body).toEqual({ from: 'app' });
    for (const path of ['/api/v2/me/', '/Authentication?username=a&password=b', '/Environment/current']) {
      const reply = await call(`${server.url}${path}`);
      expect(reply.status, path).toBe(404);
      expect(reply.body, path).toEqual({ from: 'app' });
    }
  });
});

describe('router(): unknown paths and methods', () => {
  let server: Listening;
  beforeAll(async () => {
    server = await serve(
      {},
      {
        after: (app) => {
          app.get('/health', (_req, res) => {
            res.json({ ok: true });
          });
          app.get('/api/v2/auth/other', (_req, res) => {
            res.json({ other: true });
          });
        },
      },
    );
  });

  it('calls next() for a path that is not in the route table', async () => {
    expect((await call(`${server.url}/health`)).body).toEqual({ ok: true });
    expect((await call(`${server.url}/api/v2/auth/other`)).body).toEqual({ other: true });
    expect((await call(`${server.url}/nowhere`)).body).toEqual({ from: 'app' });
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const reply = await call(`${server.url}/api/v2/auth/token`);
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST');
    expect(reply.headers.get('tollgate-error-code')).toBe('method_not_allowed');
  });
});

describe('router(): request bodies', () => {
  it('reads the raw body itself when no body parser ran', async () => {
    const server = await serve({});
    const reply = await postJson(`${server.url}/api/v2/auth/jwt/`, JWT_LOGIN);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ token: expect.any(String) });
  });

  it('uses the body an app-level express.json() parsed (no second read of the stream)', async () => {
    const server = await serve(
      {},
      {
        before: (app) => {
          app.use(express.json());
          // Rewrites the parsed body: only the parsed object, not the raw bytes, can carry this.
          app.use((req, _res, next) => {
            const body: unknown = req.body;
            if (typeof body === 'object' && body !== null && 'alias' in body) req.body = JWT_LOGIN;
            next();
          });
        },
      },
    );
    const aliased = await postJson(`${server.url}/api/v2/auth/jwt/`, { alias: 'ethan' });
    expect(aliased.status).toBe(200);
    expect(aliased.body).toEqual({ token: expect.any(String) });
    expect((await postJson(`${server.url}/api/v2/auth/jwt/`, JWT_LOGIN)).status).toBe(200);
    expectTokenPair(await postJson(`${server.url}/api/v2/auth/token`, PAIR_LOGIN));
    // A request without a body is still one without a body.
    const empty = await call(`${server.url}/api/v2/auth/jwt/`, { method: 'POST' });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ email: ['This field is required.'], password: ['This field is required.'] });
  });

  it('refuses another media type with 415 even when an app-level parser parsed it', async () => {
    const form = new URLSearchParams(JWT_LOGIN).toString();
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
    const plain = await serve({});
    const parsed = await serve({}, { before: (app) => app.use(express.urlencoded({ extended: false })) });
    for (const server of [plain, parsed]) {
      const reply = await call(`${server.url}/api/v2/auth/jwt/`, {
        method: 'POST',
        headers: formHeaders,
        body: form,
      });
      expect(reply.status).toBe(415);
      expect(reply.headers.get('tollgate-error-code')).toBe('unsupported_media_type');
    }
  });

  it('refuses a body over maxBodyBytes with 413', async () => {
    const server = await serve({ maxBodyBytes: 1024 });
    const big = { ...JWT_LOGIN, padding: 'x'.repeat(2048) };
    const reply = await postJson(`${server.url}/api/v2/auth/jwt/`, big);
    expect(reply.status).toBe(413);
    expect(reply.headers.get('tollgate-error-code')).toBe('payload_too_large');
    expect((await postJson(`${server.url}/api/v2/auth/jwt/`, JWT_LOGIN)).status).toBe(200);
  });

  it('refuses a body over maxBodyBytes with 413 even when an app-level parser parsed it', async () => {
    const server = await serve({ maxBodyBytes: 1024 }, { before: (app) => app.use(express.json()) });
    const reply = await call(`${server.url}/api/v2/auth/jwt/`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ ...JWT_LOGIN, padding: 'x'.repeat(2048) }),
    });
    expect(reply.status).toBe(413);
    expect(reply.headers.get('tollgate-error-code')).toBe('payload_too_large');
  });
});
