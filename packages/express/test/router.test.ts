/**
 * `router()`, `json()` and `methodNotAllowed()` inside real Express 5 apps: translation only. The
 * URL the core sees (original URL, mounted at a path), passing what it does not serve to next(), the
 * body an app-level parser produced (and its media type and length still judged), the response
 * written as the core made it. What each endpoint answers is the core's (packages/core/test/http)
 * and the contract suite's (packages/contract-tests).
 */
import type { Tollgate } from '@tollgate/core';
import {
  call,
  demoTollgate,
  ETHAN,
  JSON_HEADERS,
  type Listening,
  listen,
  postJson,
  rawRequest,
} from '@tollgate/test-kit';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTollgateExpress, type TollgateExpressOptions } from '../src/index.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

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
  options: Partial<TollgateExpressOptions>,
  setup: { before?: (app: express.Express) => void; after?: (app: express.Express) => void } = {},
  mount: (app: express.Express, router: express.RequestHandler) => void = (app, router) => app.use(router),
): Promise<Listening> {
  const tg = createTollgateExpress(tollgate, { profiles: DOCUMENTED_PROFILES, ...options });
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

describe('router(): the URL', () => {
  it('serves under `prefix`, also mounted at a path (it matches the original URL); the rest goes to the app', async () => {
    const server = await serve({ prefix: '/auth' });
    const reply = await postJson(`${server.url}/auth/api/v2/auth/token`, PAIR_LOGIN);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect((await postJson(`${server.url}/api/v2/auth/token`, PAIR_LOGIN)).body).toEqual({ from: 'app' });

    const mounted = await serve({ prefix: '/auth' }, {}, (app, router) => app.use('/auth', router));
    expect((await postJson(`${mounted.url}/auth/api/v2/auth/token`, PAIR_LOGIN)).status).toBe(200);
    const bare = await serve({}, {}, (app, router) => app.use('/auth', router));
    expect((await postJson(`${bare.url}/auth/api/v2/auth/token`, PAIR_LOGIN)).body).toEqual({ from: 'app' });
  });

  it('calls next() for what it does not serve; answers 405 with Allow for a known path', async () => {
    const server = await serve(
      { profiles: ['token-pair'] },
      {
        after: (app) => {
          app.get('/api/v2/auth/other', (_req, res) => {
            res.json({ other: true });
          });
        },
      },
    );
    expect((await call(`${server.url}/api/v2/auth/other`)).body).toEqual({ other: true });
    expect((await call(`${server.url}/api/v2/me/`)).body).toEqual({ from: 'app' });
    const reply = await call(`${server.url}/api/v2/auth/token`);
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST');
  });

  it('HEAD: the status and headers of the GET, no body on the wire', async () => {
    const server = await serve({});
    const reply = await rawRequest(`${server.url}/api/v2/me/`, { method: 'HEAD' });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('tollgate-error-code')).toBe('credentials_missing');
    expect(reply.text).toBe('');
  });
});

describe('router(): request bodies', () => {
  it('reads the raw body itself when no body parser ran', async () => {
    const server = await serve({});
    expect((await postJson(`${server.url}/api/v2/auth/jwt/`, JWT_LOGIN)).body).toEqual({
      token: expect.any(String),
    });
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
    expect((await postJson(`${server.url}/api/v2/auth/jwt/`, { alias: 'ethan' })).status).toBe(200);
    // A request without a body is still one without a body.
    const empty = await call(`${server.url}/api/v2/auth/jwt/`, { method: 'POST' });
    expect(empty.body).toEqual({ email: ['This field is required.'], password: ['This field is required.'] });
  });

  it('still judges media type (415) and declared length (413) of a body an app-level parser parsed', async () => {
    const parsed = await serve(
      { maxBodyBytes: 1024 },
      { before: (app) => app.use(express.urlencoded({ extended: false }), express.json()) },
    );
    const form = await call(`${parsed.url}/api/v2/auth/jwt/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(JWT_LOGIN).toString(),
    });
    expect(form.status).toBe(415);
    const big = await call(`${parsed.url}/api/v2/auth/jwt/`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ ...JWT_LOGIN, padding: 'x'.repeat(2048) }),
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('tollgate-error-code')).toBe('payload_too_large');
  });
});

describe('json() and methodNotAllowed() on app routes', () => {
  it('parses onto req.body, refusals in the configured shape; 405 with Allow', async () => {
    const server = await serve(
      { errorShape: 'detail', maxBodyBytes: 64 },
      {
        after: (app) => {
          const tg = createTollgateExpress(tollgate, {
            profiles: DOCUMENTED_PROFILES,
            errorShape: 'detail',
            maxBodyBytes: 64,
          });
          app.post('/echo', tg.json(), (req, res) => {
            res.json({ body: (req.body as unknown) ?? 'none' });
          });
          app.all('/echo', tg.methodNotAllowed('POST'));
        },
      },
    );
    expect((await postJson(`${server.url}/echo`, { a: 1 })).body).toEqual({ body: { a: 1 } });
    const invalid = await call(`${server.url}/echo`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"a":',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({ detail: 'The request body is not valid JSON.' });
    expect((await postJson(`${server.url}/echo`, { a: 'x'.repeat(100) })).status).toBe(413);
    const put = await call(`${server.url}/echo`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST');
    expect(put.body).toEqual({ detail: 'This method is not allowed on this path.' });
  });
});
