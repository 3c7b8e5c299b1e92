/**
 * The adapter's middleware on real Koa 3 apps (with @koa/router) over real HTTP: translation only.
 * That the request's headers, method and origin reach the core and its answer (status, headers, body)
 * reaches the client, that each middleware is wired to its rule and to the configured error shape,
 * that errors thrown by the app are rendered, and that a known credential is answered without a
 * promise of the middleware's own. The rules themselves are the core's: packages/core/test/http.
 */
import Router, { type RouterMiddleware } from '@koa/router';
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
import Koa, { type ParameterizedContext } from 'koa';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createTollgateKoa, type TollgateKoa, type TollgateKoaOptions } from '../src/index.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

let tollgate: Tollgate;
const servers: Listening[] = [];

beforeAll(async () => {
  tollgate = await demoTollgate();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

/** An app: `setup` (app-level middleware), the routes of `routes`, then a JSON 404 of its own. */
async function serve(
  options: Partial<TollgateKoaOptions>,
  routes: (router: Router, tg: TollgateKoa) => void,
  setup: (app: Koa, tg: TollgateKoa) => void = () => {},
): Promise<Listening> {
  const tg = createTollgateKoa(tollgate, { profiles: DOCUMENTED_PROFILES, ...options });
  const app = new Koa();
  setup(app, tg);
  const router = new Router();
  routes(router, tg);
  app.use(router.routes());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { from: 'app' };
  });
  const server = await listen(app.callback());
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
    server = await serve({}, (router, tg) => {
      const whoami: RouterMiddleware = (ctx) => {
        // The principal is typed through the adapter's augmentation of Koa's DefaultState, never any.
        expectTypeOf(ctx.state.principal).toEqualTypeOf<Principal | null | undefined>();
        expectTypeOf(ctx.state.principal).not.toBeAny();
        const principal = ctx.state.principal;
        ctx.body =
          principal === null || principal === undefined
            ? { principal: principal === null ? null : 'absent' }
            : { username: principal.username, source: principal.source };
      };
      router.get('/whoami', tg.authenticate(), whoami);
      router.get('/maybe', tg.authenticate({ optional: true }), whoami);
      router.get('/with-rule', tg.authenticate({ permissions: ['scm_bulk_edit'] }), whoami);
      router.get('/no-auth', whoami);
    });
  });

  it('puts the principal on ctx.state.principal (null on an optional route without credentials)', async () => {
    const reply = await call(`${server.url}/whoami`, { headers: { authorization: await jwt(ETHAN) } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ username: ETHAN.username, source: 'JWT' });
    expect((await call(`${server.url}/maybe`)).body).toEqual({ principal: null });
    // Without authenticate() in front, the state carries no principal at all.
    expect((await call(`${server.url}/no-auth`)).body).toEqual({ principal: 'absent' });
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

  it('runs as app-level middleware too (app.use), in the configured shape', async () => {
    const guarded = await serve(
      { errorShape: 'detail' },
      (router) => {
        router.get('/anything', (ctx) => {
          ctx.body = { username: ctx.state.principal?.username ?? null };
        });
      },
      (app, tg) => app.use(tg.authenticate()),
    );
    expect(refusalOf(await call(`${guarded.url}/anything`))).toEqual(
      refusal(401, 'credentials_missing', { detail: MISSING }),
    );
    const reply = await call(`${guarded.url}/anything`, { headers: { authorization: await jwt(AVA) } });
    expect(reply.body).toEqual({ username: AVA.username });
  });

  it('refuses a repeated Authorization header (two header lines) with 400, on app and router routes', async () => {
    const routed = await serve(
      {},
      (router, tg) => {
        router.get('/whoami', tg.authenticate(), (ctx) => {
          ctx.body = { username: ctx.state.principal?.username };
        });
      },
      (app, tg) => app.use(tg.router()),
    );
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

  it('answers a known credential without a promise of its own: it returns what next() returns', async () => {
    const tg = createTollgateKoa(tollgate, { profiles: DOCUMENTED_PROFILES });
    const authorization = await jwt(ETHAN);
    await tollgate.authenticate({ authorization }); // now known
    const ctx = {
      req: { method: 'GET', headers: { authorization }, rawHeaders: ['Authorization', authorization] },
      originalUrl: '/',
      request: {},
      state: {},
    } as unknown as ParameterizedContext;
    const downstream = Promise.resolve();
    const returned = tg.authenticate()(ctx, () => downstream);
    expect(returned).toBe(downstream);
    expect(ctx.state.principal?.username).toBe(ETHAN.username);
  });
});

describe('requirePermissions / requireRoles / requireEnvironment', () => {
  const routes = (router: Router, tg: TollgateKoa) => {
    const ok: RouterMiddleware = (ctx) => {
      ctx.body = { ok: true };
    };
    const auth = tg.authenticate();
    router.get('/all', auth, tg.requirePermissions('brand_create', 'scans_download'), ok);
    router.get('/any-role', auth, tg.requireRoles('company_admin', 'domain_admin'), ok);
    router.get('/env', auth, tg.requireEnvironment(), ok);
    router.get('/unauthenticated', tg.requirePermissions('brand_create'), ok);
  };
  let defaultShape: Listening;
  let envelopeShape: Listening;
  beforeAll(async () => {
    defaultShape = await serve({}, routes);
    envelopeShape = await serve({ errorShape: 'envelope' }, routes);
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
      expect(refusalOf(plain)).toMatchObject({ status: 403, code, body: { code } });
      const envelope = await call(`${envelopeShape.url}${path}`, ava);
      expect(refusalOf(envelope)).toMatchObject({ status: 403, code, body: { errorCode: 'AUTH_1000' } });
    }
    const staging = await tollgate.userTokens.login({ ...ETHAN, environment: 'staging' });
    expect(
      (await call(`${defaultShape.url}/env`, { headers: { authorization: `Bearer ${staging.token}` } }))
        .status,
    ).toBe(200);
  });

  it('a guard without authenticate() in front finds no principal: 401', async () => {
    const alone = await call(`${defaultShape.url}/unauthenticated`, {
      headers: { authorization: await jwt(ETHAN) },
    });
    expect(refusalOf(alone)).toEqual(
      refusal(401, 'credentials_missing', { code: 'credentials_missing', message: MISSING }),
    );
  });
});

describe('errorHandler(): errors thrown by the app', () => {
  const unexpected: unknown[] = [];
  const routes = (router: Router) => {
    router.get('/sync', () => {
      throw new TollgateError('not_found');
    });
    router.get('/async', async () => {
      await Promise.resolve();
      throw new TollgateError('rate_limited', { retryAfterSeconds: 30 });
    });
    router.get('/other', () => {
      throw new Error('boom');
    });
  };
  const setup = (app: Koa, tg: TollgateKoa) => {
    // Outermost: the app's own handler for what errorHandler() passes on.
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        ctx.status = 500;
        ctx.body = { passedOn: error instanceof Error ? error.message : String(error) };
      }
    });
    app.use(async (ctx, next) => {
      if (ctx.path === '/upstream') throw new TollgateError('invalid_credentials');
      await next();
    });
    app.use(tg.errorHandler());
  };
  let defaultShape: Listening;
  let detailShape: Listening;
  let envelope: Listening;
  beforeAll(async () => {
    const onUnexpectedError = (error: unknown) => unexpected.push(error);
    defaultShape = await serve({ onUnexpectedError }, routes, setup);
    detailShape = await serve({ errorShape: 'detail', onUnexpectedError }, routes, setup);
    envelope = await serve({}, routes, (app, tg) => {
      app.use(tg.errorHandler('envelope'));
      app.use(() => {
        throw new TollgateError('invalid_credentials');
      });
    });
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
    expect((await call(`${envelope.url}/anything`)).body).toMatchObject({ errorCode: 'AUTH_1001' });
  });

  it('only catches what is downstream of it, and passes any other error on, unreported', async () => {
    const upstream = await call(`${defaultShape.url}/upstream`);
    expect(upstream.status).toBe(500);
    expect(upstream.body).toEqual({ passedOn: 'Invalid credentials.' });
    const reply = await call(`${defaultShape.url}/other`);
    expect(reply.status).toBe(500);
    expect(reply.headers.get('tollgate-error-code')).toBeNull();
    expect(reply.body).toEqual({ passedOn: 'boom' });
    expect(unexpected).toEqual([]);
  });
});

describe('the session cookie: Set-Cookie written, Origin and Host read', () => {
  it('delegated login sets the cookie; a POST carried by it is refused from another origin, admitted from its own', async () => {
    const server = await serve(
      { cookie: { secure: false } },
      (router, tg) => {
        router.post('/notes', tg.authenticate(), (ctx) => {
          ctx.status = 201;
          ctx.body = { by: ctx.state.principal?.username, source: ctx.state.principal?.source };
        });
      },
      (app, tg) => app.use(tg.router()),
    );
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
