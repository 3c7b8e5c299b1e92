/**
 * The adapter's middleware on real Express 5 apps over real HTTP: `authenticate()` (sources,
 * optional), the permission/role/environment guards in the app's error shape, `errorHandler()`,
 * a repeated Authorization header, and the CSRF origin check on cookie-authenticated requests.
 * The documented token APIs themselves are the contract suite's (packages/contract-tests).
 */
import { type Principal, type Tollgate, TollgateError } from '@tollgate/core';
import express, { type ErrorRequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createTollgateExpress, type TollgateExpress, type TollgateExpressOptions } from '../src/index.js';
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

/** An app whose own routes are built by `routes`, with a JSON 404 of its own at the end. */
async function serve(
  options: TollgateExpressOptions,
  routes: (app: express.Express, tg: TollgateExpress) => void,
): Promise<Listening> {
  const tg = createTollgateExpress(tollgate, options);
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
    server = await serve({}, (app, tg) => {
      const whoami: express.RequestHandler = (req, res) => {
        // The principal is typed through the adapter's augmentation of Express.Request, never any.
        expectTypeOf(req.principal).toEqualTypeOf<Principal | null | undefined>();
        expectTypeOf(req.principal).not.toBeAny();
        const principal = req.principal;
        res.json(
          principal === null || principal === undefined
            ? { principal: principal === null ? null : 'undefined' }
            : {
                username: principal.username,
                source: principal.source,
                tokenKind: principal.tokenKind,
                permissions: principal.permissions,
              },
        );
      };
      app.get('/whoami', tg.authenticate(), whoami);
      app.get('/maybe', tg.authenticate({ optional: true }), whoami);
      app.get('/uat-only', tg.authenticate({ sources: ['UAT'] }), whoami);
      app.get('/with-rule', tg.authenticate({ permissions: ['scm_bulk_edit'] }), whoami);
    });
  });

  it('puts the principal on req.principal', async () => {
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
});

describe('requirePermissions / requireRoles / requireEnvironment', () => {
  const routes = (app: express.Express, tg: TollgateExpress) => {
    const ok: express.RequestHandler = (req, res) => {
      res.json({ ok: true, environment: req.principal?.environment ?? null });
    };
    const auth = tg.authenticate();
    app.get('/all', auth, tg.requirePermissions('brand_create', 'scans_download'), ok);
    app.get('/any-role', auth, tg.requireRoles('company_admin', 'domain_admin'), ok);
    app.get('/env', auth, tg.requireEnvironment(), ok);
    // A guard without authenticate() in front of it finds no principal.
    app.get('/unauthenticated', tg.requirePermissions('brand_create'), ok);
  };
  let defaultShape: Listening;
  let detailShape: Listening;
  beforeAll(async () => {
    defaultShape = await serve({}, routes);
    detailShape = await serve({ errorShape: 'detail' }, routes);
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
  const routes = (app: express.Express, tg: TollgateExpress) => {
    app.get('/sync', () => {
      throw new TollgateError('not_found');
    });
    app.get('/async', async () => {
      await Promise.resolve();
      throw new TollgateError('rate_limited', { retryAfterSeconds: 30 });
    });
    app.get('/fields', () => {
      throw new TollgateError('malformed_request', {
        message: 'The request query is invalid.',
        fields: { page: ['Expected number.'] },
      });
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
    expectRefusal(await call(`${detailShape.url}/envelope`), 401, 'invalid_credentials', {
      errorCode: 'AUTH_1001',
      errorMessage: 'Invalid credentials',
      content: '',
      pageable: '',
    });
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
    server = await serve({}, (app, tg) => {
      app.use(tg.router());
      app.get('/whoami', tg.authenticate(), (req, res) => {
        res.json({ username: req.principal?.username });
      });
    });
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
    server = await serve({ cookie: { secure: false }, trustedOrigins: [`${TRUSTED}/`] }, (app, tg) => {
      const auth = tg.authenticate();
      app.post('/notes', auth, (req, res) => {
        res.status(201).json({ by: req.principal?.username, source: req.principal?.source });
      });
      app.get('/notes', auth, (req, res) => {
        res.json({ by: req.principal?.username, source: req.principal?.source });
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
    const secure = await serve({}, (app, tg) => {
      app.post('/notes', tg.authenticate(), (_req, res) => {
        res.status(201).json({});
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
