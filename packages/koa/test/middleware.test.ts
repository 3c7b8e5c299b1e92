/**
 * The adapter's middleware on real Koa 3 apps (with @koa/router) over real HTTP: `authenticate()`
 * (sources, optional), the permission/role/environment guards in the app's error shape,
 * `errorHandler()`, a repeated Authorization header, and the CSRF origin check on
 * cookie-authenticated requests. The documented token APIs themselves are the contract suite's
 * (packages/contract-tests).
 */
import Router, { type RouterMiddleware } from '@koa/router';
import { type Principal, type Tollgate, TollgateError } from '@tollgate/core';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createTollgateKoa, type TollgateKoa, type TollgateKoaOptions } from '../src/index.js';
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
} from './helpers.js';

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
  options: TollgateKoaOptions,
  routes: (router: Router, tg: TollgateKoa) => void,
  setup: (app: Koa, tg: TollgateKoa) => void = () => {},
): Promise<Listening> {
  const tg = createTollgateKoa(tollgate, options);
  const app = new Koa();
  setup(app, tg);
  const router = new Router();
  routes(router, tg);
  app.use(router.routes());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { from: 'app' };
  });
  const server = await listen(app);
  servers.push(server);
  return server;
}

const jwt = async (account: { username: string; password: string }) =>
  `JWT ${(await tollgate.accessTokens.login(account)).token}`;

function expectRefusal(
  reply: { status: number; headers: Headers; body: unknown },
  status: number,
  code: string,
  body: unknown,
) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('tollgate-error-code')).toBe(code);
  expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(reply.body).toEqual(body);
}

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
            ? { principal: principal === null ? null : 'undefined' }
            : {
                username: principal.username,
                source: principal.source,
                tokenKind: principal.tokenKind,
                permissions: principal.permissions,
              };
      };
      router.get('/whoami', tg.authenticate(), whoami);
      router.get('/maybe', tg.authenticate({ optional: true }), whoami);
      router.get('/uat-only', tg.authenticate({ sources: ['UAT'] }), whoami);
      router.get('/with-rule', tg.authenticate({ permissions: ['scm_bulk_edit'] }), whoami);
      router.get('/no-auth', whoami);
    });
  });

  it('puts the principal on ctx.state.principal', async () => {
    const reply = await call(`${server.url}/whoami`, { headers: { authorization: await jwt(ETHAN) } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ username: ETHAN.username, source: 'JWT', tokenKind: 'access' });

    const pair = await tollgate.tokenPair.login(AVA);
    const bearer = await call(`${server.url}/whoami`, { headers: { authorization: `Bearer ${pair.token}` } });
    expect(bearer.body).toEqual({
      username: AVA.username,
      source: 'Bearer',
      tokenKind: 'access',
      permissions: ['scans_download'],
    });
    // Without authenticate() in front, the state carries no principal at all.
    expect((await call(`${server.url}/no-auth`)).body).toEqual({ principal: 'undefined' });
  });

  it('refuses a request without credentials with 401 and a challenge', async () => {
    const reply = await call(`${server.url}/whoami`);
    expectRefusal(reply, 401, 'credentials_missing', {
      code: 'credentials_missing',
      message: 'Authentication credentials were not provided.',
    });
    // authenticate() takes every scheme: one challenge for each.
    expect(reply.headers.get('www-authenticate')).toBe(
      'JWT realm="tollgate", UAT realm="tollgate", Bearer realm="tollgate"',
    );
    const uatOnly = await call(`${server.url}/uat-only`);
    expect(uatOnly.headers.get('www-authenticate')).toBe('UAT realm="tollgate"');
  });

  it('refuses a bad token with 401 invalid_token and an error challenge', async () => {
    const reply = await call(`${server.url}/whoami`, { headers: { authorization: 'JWT not.a.token' } });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('tollgate-error-code')).toBe('invalid_token');
    expect(reply.headers.get('www-authenticate')).toMatch(/^JWT realm="tollgate", error="invalid_token"/);
    expect(reply.headers.get('www-authenticate')).toMatch(/, Bearer realm="tollgate", error="invalid_token"/);
  });

  it('a bad token sent again (a remembered refusal, answered synchronously) gets the very same reply', async () => {
    const token = await jwt(AVA);
    const bad = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    const replies = [];
    for (let i = 0; i < 3; i++) {
      const reply = await call(`${server.url}/whoami`, { headers: { authorization: bad } });
      replies.push({
        status: reply.status,
        body: reply.body,
        code: reply.headers.get('tollgate-error-code'),
        challenge: reply.headers.get('www-authenticate'),
        type: reply.headers.get('content-type'),
      });
    }
    expect(replies[0]).toMatchObject({ status: 401, code: 'invalid_token' });
    expect(replies[1]).toEqual(replies[0]);
    expect(replies[2]).toEqual(replies[0]);
  });

  it('optional: no credentials → the route runs with principal null', async () => {
    const reply = await call(`${server.url}/maybe`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ principal: null });

    const withToken = await call(`${server.url}/maybe`, { headers: { authorization: await jwt(AVA) } });
    expect(withToken.body).toMatchObject({ username: AVA.username });
  });

  it('optional: bad credentials are still refused', async () => {
    const bad = await call(`${server.url}/maybe`, { headers: { authorization: 'Bearer garbage' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('tollgate-error-code')).toBe('invalid_token');

    const unknownScheme = await call(`${server.url}/maybe`, { headers: { authorization: 'Basic dTpw' } });
    expect(unknownScheme.status).toBe(401);
    expect(unknownScheme.headers.get('tollgate-error-code')).toBe('unsupported_scheme');

    const badCookie = await call(`${server.url}/maybe`, { headers: { cookie: 'tollgate_session=forged' } });
    expect(badCookie.status).toBe(401);
  });

  it('sources: [UAT] refuses a JWT and accepts a UAT', async () => {
    const token = await jwt(ETHAN);
    const refused = await call(`${server.url}/uat-only`, { headers: { authorization: token } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('tollgate-error-code')).toBe('unsupported_scheme');

    const caller = await tollgate.requirePrincipal({ authorization: token });
    const uat = await tollgate.uats.create({
      caller,
      name: 'adapter-test',
      expiresAt: new Date(Date.now() + 86_400_000),
      permissions: ['brand_create'],
    });
    const accepted = await call(`${server.url}/uat-only`, { headers: { authorization: `UAT ${uat.token}` } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ source: 'UAT', tokenKind: 'uat', permissions: ['brand_create'] });
  });

  it('authorizes the requirement of its rule', async () => {
    expect(
      (await call(`${server.url}/with-rule`, { headers: { authorization: await jwt(ETHAN) } })).status,
    ).toBe(200);
    const refused = await call(`${server.url}/with-rule`, { headers: { authorization: await jwt(AVA) } });
    expectRefusal(refused, 403, 'insufficient_permission', {
      code: 'insufficient_permission',
      message: 'You do not have permission to perform this action.',
    });
  });

  it('runs as app-level middleware too (app.use), in front of every route', async () => {
    const guarded = await serve(
      { errorShape: 'detail' },
      (router) => {
        router.get('/anything', (ctx) => {
          ctx.body = { username: ctx.state.principal?.username ?? null };
        });
      },
      (app, tg) => app.use(tg.authenticate()),
    );
    expectRefusal(await call(`${guarded.url}/anything`), 401, 'credentials_missing', {
      detail: 'Authentication credentials were not provided.',
    });
    const reply = await call(`${guarded.url}/anything`, { headers: { authorization: await jwt(AVA) } });
    expect(reply.body).toEqual({ username: AVA.username });
  });
});

describe('requirePermissions / requireRoles / requireEnvironment', () => {
  const routes = (router: Router, tg: TollgateKoa) => {
    const ok: RouterMiddleware = (ctx) => {
      ctx.body = { ok: true, environment: ctx.state.principal?.environment ?? null };
    };
    const auth = tg.authenticate();
    router.get('/all', auth, tg.requirePermissions('brand_create', 'scans_download'), ok);
    router.get('/any-role', auth, tg.requireRoles('company_admin', 'domain_admin'), ok);
    router.get('/env', auth, tg.requireEnvironment(), ok);
    // A guard without authenticate() in front of it finds no principal.
    router.get('/unauthenticated', tg.requirePermissions('brand_create'), ok);
  };
  let defaultShape: Listening;
  let detailShape: Listening;
  let envelopeShape: Listening;
  beforeAll(async () => {
    defaultShape = await serve({}, routes);
    detailShape = await serve({ errorShape: 'detail' }, routes);
    envelopeShape = await serve({ errorShape: 'envelope' }, routes);
  });

  it('requirePermissions: every permission is required', async () => {
    const ethan = await call(`${defaultShape.url}/all`, { headers: { authorization: await jwt(ETHAN) } });
    expect(ethan.status).toBe(200);
    // Ava has scans_download but not brand_create: one of two is not enough.
    const ava = await call(`${defaultShape.url}/all`, { headers: { authorization: await jwt(AVA) } });
    expectRefusal(ava, 403, 'insufficient_permission', {
      code: 'insufficient_permission',
      message: 'You do not have permission to perform this action.',
    });
    const detail = await call(`${detailShape.url}/all`, { headers: { authorization: await jwt(AVA) } });
    expectRefusal(detail, 403, 'insufficient_permission', {
      detail: 'You do not have permission to perform this action.',
    });
    const envelope = await call(`${envelopeShape.url}/all`, { headers: { authorization: await jwt(AVA) } });
    expectRefusal(envelope, 403, 'insufficient_permission', {
      errorCode: 'AUTH_1000',
      errorMessage: 'You do not have permission to perform this action.',
      content: '',
      pageable: '',
    });
  });

  it('requireRoles: any one of the roles is enough', async () => {
    const ethan = await call(`${defaultShape.url}/any-role`, {
      headers: { authorization: await jwt(ETHAN) },
    });
    expect(ethan.status).toBe(200);
    const ava = await call(`${defaultShape.url}/any-role`, { headers: { authorization: await jwt(AVA) } });
    expectRefusal(ava, 403, 'role_required', {
      code: 'role_required',
      message: 'A role this action requires is missing.',
    });
    const detail = await call(`${detailShape.url}/any-role`, { headers: { authorization: await jwt(AVA) } });
    expectRefusal(detail, 403, 'role_required', {
      detail: 'You do not have permission to perform this action.',
    });
  });

  it('requireEnvironment: a token bound to an environment', async () => {
    const noEnvironment = await call(`${defaultShape.url}/env`, {
      headers: { authorization: await jwt(ETHAN) },
    });
    expectRefusal(noEnvironment, 403, 'environment_required', {
      code: 'environment_required',
      message: 'This action needs a token with an environment.',
    });
    const detail = await call(`${detailShape.url}/env`, { headers: { authorization: await jwt(ETHAN) } });
    expectRefusal(detail, 403, 'environment_required', {
      detail: 'This action needs a token with an environment.',
    });

    const userToken = await tollgate.userTokens.login({ ...ETHAN, environment: 'staging' });
    const staging = await call(`${defaultShape.url}/env`, {
      headers: { authorization: `Bearer ${userToken.token}` },
    });
    expect(staging.status).toBe(200);
    expect(staging.body).toEqual({ ok: true, environment: 'staging' });
  });

  it('refuses without credentials in the app shape (and a guard alone finds no principal)', async () => {
    expectRefusal(await call(`${defaultShape.url}/all`), 401, 'credentials_missing', {
      code: 'credentials_missing',
      message: 'Authentication credentials were not provided.',
    });
    expectRefusal(await call(`${detailShape.url}/all`), 401, 'credentials_missing', {
      detail: 'Authentication credentials were not provided.',
    });
    const alone = await call(`${defaultShape.url}/unauthenticated`, {
      headers: { authorization: await jwt(ETHAN) },
    });
    expect(alone.status).toBe(401);
    expect(alone.headers.get('tollgate-error-code')).toBe('credentials_missing');
  });
});

describe('errorHandler()', () => {
  const unexpected: unknown[] = [];
  const routes = (router: Router) => {
    router.get('/sync', () => {
      throw new TollgateError('not_found');
    });
    router.get('/async', async () => {
      await Promise.resolve();
      throw new TollgateError('rate_limited', { retryAfterSeconds: 30 });
    });
    router.get('/fields', () => {
      throw new TollgateError('malformed_request', {
        message: 'The request query is invalid.',
        fields: { page: ['Expected number.'] },
      });
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

  it('renders a TollgateError thrown by a route in the app shape', async () => {
    expectRefusal(await call(`${defaultShape.url}/sync`), 404, 'not_found', {
      code: 'not_found',
      message: 'Not found.',
    });
    expectRefusal(await call(`${detailShape.url}/sync`), 404, 'not_found', { detail: 'Not found.' });
  });

  it('renders a rejection of an async route, with Retry-After for rate_limited', async () => {
    const reply = await call(`${defaultShape.url}/async`);
    expectRefusal(reply, 429, 'rate_limited', {
      code: 'rate_limited',
      message: 'Too many attempts; try again later.',
    });
    expect(reply.headers.get('retry-after')).toBe('30');
  });

  it('keeps field errors, in either shape', async () => {
    expectRefusal(await call(`${defaultShape.url}/fields`), 400, 'malformed_request', {
      code: 'malformed_request',
      message: 'The request query is invalid.',
      fields: { page: ['Expected number.'] },
    });
    expectRefusal(await call(`${detailShape.url}/fields`), 400, 'malformed_request', {
      page: ['Expected number.'],
    });
  });

  it('takes an explicit shape', async () => {
    expectRefusal(await call(`${envelope.url}/anything`), 401, 'invalid_credentials', {
      errorCode: 'AUTH_1001',
      errorMessage: 'Invalid credentials',
      content: '',
      pageable: '',
    });
  });

  it('only catches what is downstream of it', async () => {
    const reply = await call(`${defaultShape.url}/upstream`);
    expect(reply.status).toBe(500);
    expect(reply.headers.get('tollgate-error-code')).toBeNull();
    expect(reply.body).toEqual({ passedOn: 'Invalid credentials.' });
  });

  it('passes any other error on, unrendered and unreported', async () => {
    const reply = await call(`${defaultShape.url}/other`);
    expect(reply.status).toBe(500);
    expect(reply.headers.get('tollgate-error-code')).toBeNull();
    expect(reply.body).toEqual({ passedOn: 'boom' });
    expect(unexpected).toEqual([]);
  });
});

describe('a repeated Authorization header', () => {
  let server: Listening;
  beforeAll(async () => {
    server = await serve(
      {},
      (router, tg) => {
        router.get('/whoami', tg.authenticate(), (ctx) => {
          ctx.body = { username: ctx.state.principal?.username };
        });
      },
      (app, tg) => app.use(tg.router()),
    );
  });

  it('is refused on an app route with 400 ambiguous_credentials, even when both lines agree', async () => {
    const token = await jwt(ETHAN);
    const single = await rawRequest(`${server.url}/whoami`, { headers: { authorization: token } });
    expect(single.status).toBe(200);

    for (const lines of [
      [token, token],
      [token, await jwt(AVA)],
    ]) {
      const reply = await rawRequest(`${server.url}/whoami`, { headers: { authorization: lines } });
      expect(reply.status).toBe(400);
      expect(reply.headers['tollgate-error-code']).toBe('ambiguous_credentials');
      expect(JSON.parse(reply.body)).toEqual({
        code: 'ambiguous_credentials',
        message: 'The request carries more than one credential; send exactly one.',
      });
    }
  });

  it('is refused on a router route too', async () => {
    const token = await jwt(ETHAN);
    const reply = await rawRequest(`${server.url}/api/v2/me/`, {
      headers: { authorization: [token, token] },
    });
    expect(reply.status).toBe(400);
    expect(reply.headers['tollgate-error-code']).toBe('ambiguous_credentials');
  });
});

describe('CSRF: cookie-authenticated requests', () => {
  const TRUSTED = 'https://admin.example.com';
  let server: Listening;
  let session: string;
  let cookie: Record<string, string>;
  beforeAll(async () => {
    server = await serve({ cookie: { secure: false }, trustedOrigins: [`${TRUSTED}/`] }, (router, tg) => {
      const auth = tg.authenticate();
      router.post('/notes', auth, (ctx) => {
        ctx.status = 201;
        ctx.body = { by: ctx.state.principal?.username, source: ctx.state.principal?.source };
      });
      router.get('/notes', auth, (ctx) => {
        ctx.body = { by: ctx.state.principal?.username, source: ctx.state.principal?.source };
      });
    });
    const admin = await tollgate.tokenPair.login(ROOT);
    session = (
      await tollgate.delegatedLogin.issue({
        adminToken: admin.token,
        domain: 'datastore',
        userIdentity: AVA.username,
      })
    ).token;
    cookie = { cookie: `tollgate_session=${session}` };
  });

  const post = (headers: Record<string, string>) =>
    postJson(`${server.url}/notes`, { text: 'hello' }, { ...cookie, ...headers });

  it('refuses a POST without Origin or Referer', async () => {
    expectRefusal(await post({}), 403, 'csrf_origin_mismatch', {
      code: 'csrf_origin_mismatch',
      message: 'A cookie-authenticated request that changes state must come from an allowed origin.',
    });
  });

  it('refuses a POST from a foreign origin', async () => {
    for (const headers of [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { referer: 'https://evil.example/form' },
      // The right host under the other scheme is another origin.
      { origin: `https://127.0.0.1:${server.port}` },
      { origin: `http://localhost:${server.port}` },
    ]) {
      const reply = await post(headers);
      expect(reply.status, JSON.stringify(headers)).toBe(403);
      expect(reply.headers.get('tollgate-error-code')).toBe('csrf_origin_mismatch');
    }
  });

  it("accepts a POST from the server's own origin (Origin, or failing that Referer)", async () => {
    const byOrigin = await post({ origin: server.origin });
    expect(byOrigin.status).toBe(201);
    expect(byOrigin.body).toEqual({ by: AVA.username, source: 'cookie' });
    expect((await post({ referer: `${server.origin}/dashboard?x=1` })).status).toBe(201);
  });

  it('accepts a POST from a trustedOrigins entry', async () => {
    expect((await post({ origin: TRUSTED })).status).toBe(201);
    expect((await post({ referer: `${TRUSTED}/page` })).status).toBe(201);
  });

  it('needs no Origin for a GET', async () => {
    const reply = await call(`${server.url}/notes`, { headers: cookie });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ by: AVA.username, source: 'cookie' });
  });

  it('takes https as its own scheme unless the cookie is configured for plain HTTP', async () => {
    const secure = await serve({}, (router, tg) => {
      router.post('/notes', tg.authenticate(), (ctx) => {
        ctx.status = 201;
        ctx.body = {};
      });
    });
    const send = (origin: string) =>
      postJson(`${secure.url}/notes`, {}, { ...cookie, origin }).then((reply) => reply.status);
    expect(await send(`https://127.0.0.1:${secure.port}`)).toBe(201);
    expect(await send(`http://127.0.0.1:${secure.port}`)).toBe(403);
  });

  it('needs no Origin when the same token comes as a Bearer header', async () => {
    const reply = await postJson(`${server.url}/notes`, {}, { authorization: `Bearer ${session}` });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ by: AVA.username, source: 'Bearer' });
  });
});
