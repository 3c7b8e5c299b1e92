/**
 * `router()`, `json()` and `methodNotAllowed()` inside real Koa 3 apps: translation only. The URL the
 * core sees (original URL, as a @koa/router route at a path), passing what it does not serve to
 * next(), the body an app-level parser put on ctx.request.body (its media type still judged), and the
 * bytes on the wire (the same as the core's own Node writer). What each endpoint answers is the
 * core's (packages/core/test/http) and the contract suite's (packages/contract-tests).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { type Tollgate, TollgateError } from '@tollgate/core';
import { createHttpHandler } from '@tollgate/core/http';
import { fromNodeRequest, writeNodeResponse } from '@tollgate/core/node';
import {
  call,
  demoTollgate,
  ETHAN,
  JSON_HEADERS,
  type Listening,
  listen,
  postJson,
  type RawOptions,
  type Reply,
  rawRequest,
} from '@tollgate/test-kit';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTollgateKoa,
  type TollgateKoa,
  type TollgateKoaOptions,
  writeKoaResponse,
} from '../src/index.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

let tollgate: Tollgate;
const servers: Listening[] = [];

beforeAll(async () => {
  tollgate = await demoTollgate();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

interface Setup {
  /** App-level middleware in front of the router (body parsers…). */
  readonly before?: (app: Koa, tg: TollgateKoa) => void;
  /** The app's own routes, after the router. */
  readonly routes?: (router: Router, tg: TollgateKoa) => void;
  /** How the router is mounted. Default `app.use(tg.router())`. */
  readonly mount?: (app: Koa, tg: TollgateKoa) => void;
}

/** An app: `before`, the router, the app's routes, then the app's own JSON 404. */
async function serve(options: Partial<TollgateKoaOptions>, setup: Setup = {}): Promise<Listening> {
  const tg = createTollgateKoa(tollgate, { profiles: DOCUMENTED_PROFILES, ...options });
  const app = new Koa();
  setup.before?.(app, tg);
  if (setup.mount) setup.mount(app, tg);
  else app.use(tg.router());
  const router = new Router();
  setup.routes?.(router, tg);
  app.use(router.routes());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { from: 'app' };
  });
  const server = await listen(app.callback());
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

/** A body sent in chunks without Content-Length (chunked transfer coding). */
function chunked(url: string, headers: Record<string, string>, chunks: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    // The server may answer 413 and close before it has read everything.
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('router(): prefix', () => {
  it("serves the profiles under `prefix` and passes the unprefixed paths to the app's 404", async () => {
    const server = await serve({ prefix: '/auth' });
    expectTokenPair(await postJson(`${server.url}/auth/api/v2/auth/token`, PAIR_LOGIN));
    const unprefixed = await postJson(`${server.url}/api/v2/auth/token`, PAIR_LOGIN);
    expect(unprefixed.status).toBe(404);
    expect(unprefixed.body).toEqual({ from: 'app' });
  });

  it('also works as a @koa/router route at a path, with the same prefix (routes match the full URL)', async () => {
    const atPath = (options: Partial<TollgateKoaOptions>) =>
      serve(options, {
        mount: (app) => {
          const tg = createTollgateKoa(tollgate, { profiles: DOCUMENTED_PROFILES, ...options });
          const router = new Router();
          router.all('/auth/{*rest}', tg.router());
          app.use(router.routes());
        },
      });
    const server = await atPath({ prefix: '/auth' });
    expectTokenPair(await postJson(`${server.url}/auth/api/v2/auth/token`, PAIR_LOGIN));
    // At a path without the prefix option, nothing matches: the prefix is the option's.
    const bare = await atPath({});
    expect((await postJson(`${bare.url}/auth/api/v2/auth/token`, PAIR_LOGIN)).body).toEqual({ from: 'app' });
  });
});

describe('router(): unknown paths and methods', () => {
  let server: Listening;
  beforeAll(async () => {
    server = await serve(
      {},
      {
        routes: (router, tg) => {
          router.get('/health', (ctx) => {
            ctx.body = { ok: true };
          });
          router.get('/api/v2/auth/other', (ctx) => {
            ctx.body = { other: true };
          });
          router.post('/notes', (ctx) => {
            ctx.body = { created: true };
          });
          router.all('/notes', tg.methodNotAllowed('POST'));
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
    expect(reply.body).toEqual({
      errorCode: 'AUTH_1000',
      errorMessage: 'This method is not allowed on this path.',
      content: '',
      pageable: '',
    });
  });

  it('methodNotAllowed(): 405 with Allow on an app route, in the app shape', async () => {
    expect((await call(`${server.url}/notes`, { method: 'POST' })).body).toEqual({ created: true });
    const reply = await call(`${server.url}/notes`, { method: 'DELETE' });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST');
    expect(reply.headers.get('tollgate-error-code')).toBe('method_not_allowed');
    expect(reply.body).toEqual({
      code: 'method_not_allowed',
      message: 'This method is not allowed on this path.',
    });
  });

  it('answers HEAD like GET, without the body', async () => {
    const reply = await rawRequest(`${server.url}/api/v2/me/`, { method: 'HEAD' });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(reply.headers.get('tollgate-error-code')).toBe('credentials_missing');
    expect(reply.text).toBe('');
  });
});

describe('router(): request bodies', () => {
  it('reads the raw body itself when no body parser ran', async () => {
    const server = await serve({});
    const reply = await postJson(`${server.url}/api/v2/auth/jwt/`, JWT_LOGIN);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ token: expect.any(String) });
  });

  it('uses the body an app-level parser put on ctx.request.body (no second read of the stream)', async () => {
    const server = await serve(
      {},
      {
        before: (app, tg) => {
          app.use(tg.json());
          // Rewrites the parsed body: only the parsed object, not the raw bytes, can carry this.
          app.use(async (ctx, next) => {
            const body = 'body' in ctx.request ? ctx.request.body : undefined;
            if (typeof body === 'object' && body !== null && 'alias' in body) {
              Object.assign(ctx.request, { body: JWT_LOGIN });
            }
            await next();
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
    const parsed = await serve(
      {},
      {
        // A form parser (as @koa/bodyparser's): the stream is consumed, the fields are on ctx.request.body.
        before: (app) =>
          app.use(async (ctx, next) => {
            const chunks: Buffer[] = [];
            for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
            const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
            Object.assign(ctx.request, { body: fields });
            await next();
          }),
      },
    );
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
});

describe('json()', () => {
  const LIMIT = 1024;
  const echo = (router: Router, tg: TollgateKoa) => {
    router.post('/echo', tg.json(), (ctx) => {
      const body = 'body' in ctx.request ? ctx.request.body : undefined;
      ctx.body = { body: body ?? 'none' };
    });
  };
  let server: Listening;
  let detail: Listening;
  beforeAll(async () => {
    server = await serve({ maxBodyBytes: LIMIT }, { routes: echo });
    detail = await serve({ maxBodyBytes: LIMIT, errorShape: 'detail' }, { routes: echo });
  });

  it('parses a JSON body onto ctx.request.body (any charset parameter)', async () => {
    expect((await postJson(`${server.url}/echo`, { a: [1, 'two'] })).body).toEqual({
      body: { a: [1, 'two'] },
    });
    const utf8 = await call(`${server.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=UTF-8' },
      body: '{"é":"ü"}',
    });
    expect(utf8.body).toEqual({ body: { é: 'ü' } });
  });

  it('reads the stream itself: a chunked body over maxBodyBytes is refused with 413', async () => {
    expect(await chunked(`${server.url}/echo`, JSON_HEADERS, ['{"a":"', 'x'.repeat(2 * LIMIT), '"}'])).toBe(
      413,
    );
    expect(await chunked(`${server.url}/echo`, JSON_HEADERS, ['{"a":', '1}'])).toBe(200);
  });

  it('renders its refusals in the configured shape', async () => {
    const invalid = await call(`${detail.url}/echo`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: '{"a":',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('tollgate-error-code')).toBe('malformed_request');
    expect(invalid.body).toEqual({ detail: 'The request body is not valid JSON.' });
  });

  it('is skipped when an earlier parser already set ctx.request.body', async () => {
    const parsed = await serve(
      { maxBodyBytes: LIMIT },
      {
        before: (app) =>
          app.use(async (ctx, next) => {
            Object.assign(ctx.request, { body: { from: 'earlier' } });
            await next();
          }),
        routes: echo,
      },
    );
    const reply = await postJson(`${parsed.url}/echo`, { from: 'wire' });
    expect(reply.body).toEqual({ body: { from: 'earlier' } });
  });
});

describe('the bytes on the wire', () => {
  /** Status, headers (less the connection's own) and body, as a client reads them. */
  const normalised = (reply: Reply) => {
    const headers = Object.fromEntries(
      [...reply.headers].filter(([name]) => !['date', 'connection', 'keep-alive'].includes(name)),
    );
    return { status: reply.status, headers, body: reply.text };
  };

  it("are the core's: the same response as writeNodeResponse on a bare node:http server", async () => {
    const http = createHttpHandler(tollgate, { profiles: DOCUMENTED_PROFILES });
    const bare = createServer((req, res) => {
      void http.handle(fromNodeRequest(req)).then((response) => {
        writeNodeResponse(res, response ?? http.renderError(new TollgateError('not_found')));
      });
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    // A Koa app whose every unrouted path gets the core's 404, as the bare server's do.
    const tg = createTollgateKoa(tollgate, { profiles: DOCUMENTED_PROFILES });
    const app = new Koa();
    app.use(tg.router());
    app.use((ctx) => writeKoaResponse(ctx, tg.http.renderError(new TollgateError('not_found'))));
    const koa = await listen(app.callback());
    servers.push(koa);
    try {
      const requests: Array<RawOptions & { path: string }> = [
        { path: '/api/v2/auth/token', method: 'POST', headers: JSON_HEADERS, body: '{"username":"x"}' },
        { path: '/api/v2/auth/token', method: 'POST', headers: JSON_HEADERS, body: '{"username":"x",' },
        {
          path: '/api/v2/auth/token/revoke',
          method: 'POST',
          headers: JSON_HEADERS,
          body: '{"refreshToken":"x"}',
        },
        { path: '/api/v2/auth/jwt/', method: 'POST', headers: JSON_HEADERS, body: '{}' },
        { path: '/api/v2/auth/jwt/', method: 'GET' },
        { path: '/api/v2/me/', method: 'GET', headers: { authorization: 'JWT x.y.z' } },
        { path: '/api/v2/me/', method: 'HEAD' },
        { path: '/Authentication?username=bob%40acme.test&password=wrong', method: 'GET' },
        { path: '/Authentication/refresh/%zz', method: 'GET' },
        {
          path: '/API3/authentication/authenticateUserByToken',
          method: 'POST',
          headers: JSON_HEADERS,
          body: '{}',
        },
        { path: '/nowhere', method: 'GET' },
      ];
      for (const { path, ...init } of requests) {
        const [fromKoa, fromNode] = await Promise.all([
          rawRequest(`${koa.url}${path}`, init),
          rawRequest(`${bareUrl}${path}`, init),
        ]);
        expect(normalised(fromKoa), `${init.method} ${path}`).toEqual(normalised(fromNode));
      }
    } finally {
      await new Promise<void>((resolve) => bare.close(() => resolve()));
    }
  });
});
