/**
 * The adapter's middleware on real Express 5 apps over real HTTP: translation only. That the request's
 * headers, method and origin reach the core and its answer (status, headers, body) reaches the client,
 * that each middleware is wired to its rule and to the configured error shape, that errors thrown by
 * the app are rendered, and that a known credential is admitted synchronously. The rules themselves
 * (every refusal, every shape, CSRF, optional, sources) are the core's: packages/core/test/http.
 */
import { type Principal, type Tollgate, TollgateError } from '@tollgate/core';
import {
  AVA,
  call,
  demoTollgate,
  ETHAN,
  type Listening,
  listen,
  postJson,
  ROOT,
  rawRequest,
  refusal,
  refusalOf,
} from '@tollgate/test-kit';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createTollgateExpress, type TollgateExpress, type TollgateExpressOptions } from '../src/index.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

let tollgate: Tollgate;
const servers: Listening[] = [];

beforeAll(async () => {
  tollgate = await demoTollgate();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

/** An app whose own routes are built by `routes`, with a JSON 404 of its own at the end. */
async function serve(
  options: Partial<TollgateExpressOptions>,
  routes: (app: express.Express, tg: TollgateExpress) => void,
): Promise<Listening> {
  const tg = createTollgateExpress(tollgate, { profiles: DOCUMENTED_PROFILES, ...options });
  const app = express();
  routes(app, tg);
  app.use((_req, res) => {
    res.status(404).json({ from: 'app' });
  });
  const server = await listen(app);
  servers.push(server);
  return server;
}

const jwt = async (account: { username: string; password: string }) =>
  `JWT ${(await tollgate.accessTokens.login(account)).token}`;

const MISSING = 'Authentication credentials were not provided.';
const FORBIDDEN = 'You do not have permission to perform this action.';

describe('authenticate()', () => {
  let server: Listening;
  beforeAll(async () => {
    server = await serve({}, (app, tg) => {
      app.get('/whoami', tg.authenticate(), (req, res) => {
        // The principal is typed through the adapter's augmentation of Express.Request, never any.
        expectTypeOf(req.principal).toEqualTypeOf<Principal | null | undefined>();
        expectTypeOf(req.principal).not.toBeAny();
        res.json(
          req.principal === null
            ? { principal: null }
            : { username: req.principal?.username, source: req.principal?.source },
        );
      });
      app.get('/maybe', tg.authenticate({ optional: true }), (req, res) => {
        res.json({ principal: req.principal === undefined ? 'absent' : req.principal });
      });
      app.get('/with-rule', tg.authenticate({ permissions: ['scm_bulk_edit'] }), (_req, res) => {
        res.json({ ok: true });
      });
    });
  });

  it('puts the principal on req.principal (null on an optional route without credentials)', async () => {
    const reply = await call(`${server.url}/whoami`, { headers: { authorization: await jwt(ETHAN) } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ username: ETHAN.username, source: 'JWT' });
    const optional = await call(`${server.url}/maybe`);
    expect(optional.body).toEqual({ principal: null });
  });

  it('writes the refusal as the core renders it: status, challenge, code header, JSON body', async () => {
    const reply = await call(`${server.url}/whoami`);
    expect(refusalOf(reply)).toEqual(
      refusal(401, 'credentials_missing', { code: 'credentials_missing', message: MISSING }),
    );
    expect(reply.headers.get('www-authenticate')).toBe(
      'JWT realm="tollgate", UAT realm="tollgate", Bearer realm="tollgate"',
    );
    const forbidden = await call(`${server.url}/with-rule`, { headers: { authorization: await jwt(AVA) } });
    expect(refusalOf(forbidden)).toEqual(
      refusal(403, 'insufficient_permission', { code: 'insufficient_permission', message: FORBIDDEN }),
    );
  });

  it('refuses a repeated Authorization header (two header lines) with 400, on app and router routes', async () => {
    const routed = await serve({}, (app, tg) => {
      app.use(tg.router());
      app.get('/whoami', tg.authenticate(), (req, res) => {
        res.json({ username: req.principal?.username });
      });
    });
    const token = await jwt(ETHAN);
    expect((await rawRequest(`${routed.url}/whoami`, { headers: { authorization: token } })).status).toBe(
      200,
    );
    for (const path of ['/whoami', '/api/v2/me/']) {
      const reply = await rawRequest(`${routed.url}${path}`, { headers: { authorization: [token, token] } });
      expect(reply.status, path).toBe(400);
      expect(reply.headers.get('tollgate-error-code')).toBe('ambiguous_credentials');
    }
  });

  it('admits a known credential synchronously: next() runs before the middleware returns', async () => {
    const tg = createTollgateExpress(tollgate, { profiles: DOCUMENTED_PROFILES });
    const authorization = await jwt(ETHAN);
    await tollgate.authenticate({ authorization }); // now known
    const req = {
      method: 'GET',
      originalUrl: '/',
      headers: { authorization },
      rawHeaders: ['Authorization', authorization],
    } as unknown as Request;
    let nextCalled = false;
    tg.authenticate()(req, {} as Response, () => {
      nextCalled = true;
    });
    expect(nextCalled).toBe(true);
    expect(req.principal?.username).toBe(ETHAN.username);
  });
});

describe('requirePermissions / requireRoles / requireEnvironment', () => {
  const routes = (app: express.Express, tg: TollgateExpress) => {
    const ok: express.RequestHandler = (_req, res) => {
      res.json({ ok: true });
    };
    const auth = tg.authenticate();
    app.get('/all', auth, tg.requirePermissions('brand_create', 'scans_download'), ok);
    app.get('/any-role', auth, tg.requireRoles('company_admin', 'domain_admin'), ok);
    app.get('/env', auth, tg.requireEnvironment(), ok);
    app.get('/unauthenticated', tg.requirePermissions('brand_create'), ok);
  };
  let defaultShape: Listening;
  let detailShape: Listening;
  beforeAll(async () => {
    defaultShape = await serve({}, routes);
    detailShape = await serve({ errorShape: 'detail' }, routes);
  });

  it('each guard is wired to its requirement, refusals in the configured shape', async () => {
    const ethan = { headers: { authorization: await jwt(ETHAN) } };
    const ava = { headers: { authorization: await jwt(AVA) } };
    expect((await call(`${defaultShape.url}/all`, ethan)).status).toBe(200);
    expect((await call(`${defaultShape.url}/any-role`, ethan)).status).toBe(200);
    for (const [path, code] of [
      ['/all', 'insufficient_permission'],
      ['/any-role', 'role_required'],
      ['/env', 'environment_required'],
    ] as const) {
      const plain = await call(`${defaultShape.url}${path}`, ava);
      expect(plain.status).toBe(403);
      expect(plain.headers.get('tollgate-error-code')).toBe(code);
      expect(plain.body).toMatchObject({ code });
      const detail = await call(`${detailShape.url}${path}`, ava);
      expect(refusalOf(detail)).toMatchObject({ status: 403, code, body: { detail: expect.any(String) } });
    }
    const staging = await tollgate.userTokens.login({ ...ETHAN, environment: 'staging' });
    expect(
      (await call(`${defaultShape.url}/env`, { headers: { authorization: `Bearer ${staging.token}` } }))
        .status,
    ).toBe(200);
  });

  it('a guard without authenticate() in front finds no principal: 401', async () => {
    const alone = await call(`${detailShape.url}/unauthenticated`, {
      headers: { authorization: await jwt(ETHAN) },
    });
    expect(refusalOf(alone)).toEqual(refusal(401, 'credentials_missing', { detail: MISSING }));
  });
});

describe('errorHandler(): errors thrown by the app', () => {
  const unexpected: unknown[] = [];
  const routes = (app: express.Express, tg: TollgateExpress) => {
    app.get('/sync', () => {
      throw new TollgateError('not_found');
    });
    app.get('/async', async () => {
      await Promise.resolve();
      throw new TollgateError('rate_limited', { retryAfterSeconds: 30 });
    });
    app.get('/other', () => {
      throw new Error('boom');
    });
    app.get('/envelope', () => {
      throw new TollgateError('invalid_credentials');
    });
    app.use('/envelope', tg.errorHandler('envelope'));
    app.use(tg.errorHandler());
    app.use(((error, _req, res, _next) => {
      res.status(500).json({ passedOn: error instanceof Error ? error.message : String(error) });
    }) satisfies ErrorRequestHandler);
  };
  let defaultShape: Listening;
  let detailShape: Listening;
  beforeAll(async () => {
    const onUnexpectedError = (error: unknown) => unexpected.push(error);
    defaultShape = await serve({ onUnexpectedError }, routes);
    detailShape = await serve({ errorShape: 'detail', onUnexpectedError }, routes);
  });

  it('renders a TollgateError thrown by a route in the configured shape', async () => {
    expect(refusalOf(await call(`${defaultShape.url}/sync`))).toEqual(
      refusal(404, 'not_found', { code: 'not_found', message: 'Not found.' }),
    );
    expect(refusalOf(await call(`${detailShape.url}/sync`))).toEqual(
      refusal(404, 'not_found', { detail: 'Not found.' }),
    );
  });

  it('renders a rejection of an async route, with its headers (Retry-After)', async () => {
    const reply = await call(`${detailShape.url}/async`);
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('30');
  });

  it('takes an explicit shape', async () => {
    expect((await call(`${detailShape.url}/envelope`)).body).toMatchObject({ errorCode: 'AUTH_1001' });
  });

  it('passes any other error on, unrendered and unreported', async () => {
    const reply = await call(`${defaultShape.url}/other`);
    expect(reply.status).toBe(500);
    expect(reply.headers.get('tollgate-error-code')).toBeNull();
    expect(reply.body).toEqual({ passedOn: 'boom' });
    expect(unexpected).toEqual([]);
  });
});

describe('the session cookie: Set-Cookie written, Origin and Host read', () => {
  let server: Listening;
  beforeAll(async () => {
    server = await serve({ cookie: { secure: false } }, (app, tg) => {
      app.use(tg.router());
      app.post('/notes', tg.authenticate(), (req, res) => {
        res.status(201).json({ by: req.principal?.username, source: req.principal?.source });
      });
    });
  });

  it('delegated login sets the cookie; a POST carried by it is refused from another origin, admitted from its own', async () => {
    const admin = (await tollgate.tokenPair.login(ROOT)).token;
    const login = await postJson(`${server.url}/API3/authentication/authenticateUserByToken`, {
      token: admin,
      domain: 'datastore',
      userIdentity: AVA.username,
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toBe(`tollgate_session=${login.text}; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax`);
    const cookie = { cookie: setCookie.split(';')[0]! };

    const foreign = await postJson(`${server.url}/notes`, {}, { ...cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('tollgate-error-code')).toBe('csrf_origin_mismatch');
    const own = await postJson(`${server.url}/notes`, {}, { ...cookie, origin: server.origin });
    expect(own.status).toBe(201);
    expect(own.body).toEqual({ by: AVA.username, source: 'cookie' });
  });
});
