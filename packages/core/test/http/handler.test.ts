/**
 * `createHttpHandler(...).handle()` as a whole: which requests it serves (prefix, chosen profiles, an
 * unknown path passed on as null), 405 with Allow, HEAD, the body refusals (413, 415, 400), the
 * no-store headers of token routes, unexpected errors, and the OpenAPI document of the mounted routes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpHandler,
  type HttpRequest,
  PROFILE_NAMES,
  type ProfileName,
} from '../helpers/internals.js';
import { failingStore } from '../helpers/operation-rules.js';
import {
  ACCOUNTS,
  bodyOf,
  chunks,
  DOCUMENTED_PROFILES,
  expectCacheable,
  expectNoStore,
  expectRefusal,
  get,
  type HttpDemo,
  httpDemo,
  login,
  plain,
  post,
  postParsed,
  serve,
} from './fixtures.js';

const { ethan } = ACCOUNTS;
const JWT_LOGIN = { email: ethan.username, password: ethan.password };

let d: HttpDemo;
beforeAll(async () => {
  d = await httpDemo();
});

/** Every route of every profile: method, path (with a sample for its parameter) and its profile's shape. */
const ROUTES = [
  ['GET', '/Authentication', 'user-tokens'],
  ['POST', '/Authentication', 'user-tokens'],
  ['GET', '/Authentication/UserToken', 'user-tokens'],
  ['GET', '/Authentication/refresh/{token}', 'user-tokens'],
  ['GET', '/Authentication/token/{token}/Environments', 'user-tokens'],
  ['GET', '/Environment/current', 'user-tokens'],
  ['POST', '/API3/authentication/authenticateUserByToken', 'delegated-login'],
  ['GET', '/auth/auto-login', 'delegated-login'],
  ['POST', '/api/v2/auth/token', 'token-pair'],
  ['POST', '/api/v2/auth/token/refresh', 'token-pair'],
  ['POST', '/api/v2/auth/token/revoke', 'token-pair'],
  ['POST', '/api/v2/auth/jwt/', 'uat-jwt'],
  ['GET', '/api/v2/me/', 'uat-jwt'],
  ['POST', '/api/v2/me/tokens/', 'uat-jwt'],
  ['GET', '/api/v2/me/tokens/', 'uat-jwt'],
  ['DELETE', '/api/v2/me/tokens/{id}/', 'uat-jwt'],
] as const;

const sample = (path: string) => path.replace(/\{\w+\}/g, 'x');

describe('which requests are served', () => {
  it('the route table is every route of the four profiles, in order', () => {
    expect(d.http.routes.map((route) => [route.method, route.path, route.profile])).toEqual(ROUTES);
  });

  it('a path that is no route is not served: null, for the app to handle', async () => {
    for (const url of [
      '/',
      '/health',
      '/api/v2/auth/other',
      '/Authentication/refresh',
      '/api/v2/me/x/y/z/',
    ]) {
      expect(await d.http.handle(get(url)), url).toBeNull();
    }
  });

  it('only the chosen profiles', async () => {
    for (const profile of ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as ProfileName[]) {
      const http = createHttpHandler(d.tg, { profiles: [profile] });
      expect(new Set(http.routes.map((route) => route.profile))).toEqual(new Set([profile]));
      for (const [method, path, owner] of ROUTES) {
        const served = await http.handle({ method, url: sample(path), headers: {} });
        expect(served === null, `${method} ${path} with ${profile}`).toBe(owner !== profile);
      }
    }
    expect(createHttpHandler(d.tg, { profiles: [] }).routes).toEqual([]);
  });

  it('profiles is required: missing or unknown is a TypeError naming the valid names; none mounts nothing by default', () => {
    const valid = /'user-tokens', 'delegated-login', 'token-pair', 'uat-jwt', 'sessions'/;
    const untyped = createHttpHandler as (tg: unknown, options?: unknown) => unknown;
    expect(() => untyped(d.tg)).toThrow(TypeError);
    expect(() => untyped(d.tg, {})).toThrow(valid);
    expect(() => untyped(d.tg, { profiles: undefined })).toThrow(/`profiles` is required/);
    expect(() => untyped(d.tg, { profiles: 'token-pair' })).toThrow(valid);
    expect(() => untyped(d.tg, { profiles: ['token-pair', 'oauth2'] })).toThrow(/unknown profile "oauth2"/);
    expect(() => untyped(d.tg, { profiles: ['token-pair', 'oauth2'] })).toThrow(valid);
    expect(PROFILE_NAMES).toEqual([
      'user-tokens',
      'delegated-login',
      'token-pair',
      'uat-jwt',
      'sessions',
      'oauth',
    ]);
    // A profile named twice is served once.
    const twice = createHttpHandler(d.tg, { profiles: ['token-pair', 'token-pair'] });
    expect(twice.options.profiles).toEqual(['token-pair']);
  });

  it('under a prefix (its trailing slash ignored), and only there', async () => {
    for (const prefix of ['/auth', '/auth/', '/auth//']) {
      const http = createHttpHandler(d.tg, { prefix, profiles: ['token-pair'] });
      expect(http.routes.map((route) => route.path)).toEqual([
        '/auth/api/v2/auth/token',
        '/auth/api/v2/auth/token/refresh',
        '/auth/api/v2/auth/token/revoke',
      ]);
      expect((await serve(http, post('/auth/api/v2/auth/token', login(ethan)))).status).toBe(200);
      expect(await http.handle(post('/api/v2/auth/token', login(ethan)))).toBeNull();
    }
  });

  it('empty path segments (doubled or trailing slashes) are not significant', async () => {
    // Not at the start: `//api/…` is a network-path reference, `api` its host (see redact.test.ts).
    const response = await serve(d.http, post('/api//v2/auth//jwt', JWT_LOGIN));
    expect(response.status).toBe(200);
    expect((await serve(d.http, get('/api/v2/me'))).status).toBe(401);
  });

  it('a bad escape in a parameter: 400 on a route’s path, null on a path that only begins like one', async () => {
    expectRefusal(
      await serve(d.http, get('/Authentication/token/%ff/Environments')),
      400,
      'malformed_request',
      {
        code: 'malformed_request',
        message: 'A path segment is not valid percent-encoding.',
      },
    );
    // As long as a route and its first segments, another literal after the parameter: the app's path.
    expect(await d.http.handle(get('/Authentication/token/%ff/Other'))).toBeNull();
  });

  it('path parameters are percent-decoded', async () => {
    const user = await d.tg.userTokens.login(login(ethan));
    const encoded = [...user.token].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('');
    const response = await serve(d.http, get(`/Authentication/token/${encoded}/Environments`));
    expect(response.status).toBe(200);
  });
});

describe('405 with Allow', () => {
  it('every known path answers another method with 405, Allow listing its methods, in its profile’s shape', async () => {
    const bodies = {
      'user-tokens': plain('method_not_allowed', 'This method is not allowed on this path.'),
      'delegated-login': plain('method_not_allowed', 'This method is not allowed on this path.'),
      'token-pair': {
        errorCode: 'AUTH_1000',
        errorMessage: 'This method is not allowed on this path.',
        content: '',
        pageable: '',
      },
      'uat-jwt': { detail: 'This method is not allowed on this path.' },
    };
    for (const [, path, profile] of ROUTES) {
      const allowed = ROUTES.filter(([, other]) => other === path).map(([method]) => method);
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].filter(
        (m) => !allowed.includes(m as never),
      )) {
        const response = await serve(d.http, { method, url: sample(path), headers: {} });
        expectRefusal(response, 405, 'method_not_allowed', bodies[profile]);
        expect(response.headers.allow, `${method} ${path}`).toBe(allowed.join(', '));
      }
    }
  });
});

describe('HEAD', () => {
  it('is a GET without the body: same status and headers', async () => {
    for (const url of ['/api/v2/me/', '/Environment/current', '/Authentication?username=a&password=b']) {
      const got = await serve(d.http, get(url));
      const head = await serve(d.http, { method: 'HEAD', url, headers: {} });
      expect(head, url).toEqual({ ...got, body: null });
    }
    const token = (await d.tg.accessTokens.login(login(ethan))).token;
    const ok = await serve(d.http, {
      method: 'HEAD',
      url: '/api/v2/me/',
      headers: { authorization: `JWT ${token}` },
    });
    expect(ok).toMatchObject({ status: 200, body: null });
  });

  it('on a POST-only path: 405 with Allow', async () => {
    // The body is rendered (a Node response to a HEAD request drops it on the wire).
    const response = await serve(d.http, { method: 'HEAD', url: '/api/v2/auth/token', headers: {} });
    expect(response).toMatchObject({ status: 405, headers: { allow: 'POST' } });
  });
});

describe('request bodies', () => {
  const jwtLogin = (request: HttpRequest) => serve(d.http, request);
  const LIMIT = 1024;
  let small: HttpDemo['http'];
  beforeAll(() => {
    small = createHttpHandler(d.tg, { maxBodyBytes: LIMIT, profiles: ['uat-jwt', 'token-pair'] });
  });
  /** `{"email":…,"password":…,"pad":"xxx…"}` of exactly `size` bytes. */
  const ofSize = (size: number) => {
    const base = JSON.stringify({ ...JWT_LOGIN, pad: '' });
    return JSON.stringify({ ...JWT_LOGIN, pad: 'x'.repeat(size - base.length) });
  };
  const raw = (body: string, headers: Record<string, string> = {}): HttpRequest => ({
    method: 'POST',
    url: '/api/v2/auth/jwt/',
    headers: { 'content-type': 'application/json', ...headers },
    body: chunks(body),
  });

  it('reads a raw body in chunks, any charset parameter', async () => {
    const text = JSON.stringify(JWT_LOGIN);
    const response = await jwtLogin({
      method: 'POST',
      url: '/api/v2/auth/jwt/',
      headers: { 'content-type': 'Application/JSON; charset=UTF-8' },
      body: chunks(text.slice(0, 5), new Uint8Array(0), text.slice(5)),
    });
    expect(response.status).toBe(200);
  });

  it('takes a body an app parser produced', async () => {
    expect((await jwtLogin(postParsed('/api/v2/auth/jwt/', JWT_LOGIN))).status).toBe(200);
  });

  it('no body, an empty body: the fields are missing (400 per field)', async () => {
    const missing = { email: ['This field is required.'], password: ['This field is required.'] };
    for (const request of [
      { method: 'POST', url: '/api/v2/auth/jwt/', headers: {} },
      { method: 'POST', url: '/api/v2/auth/jwt/', headers: { 'content-length': '0' }, body: chunks() },
      raw(''),
    ] satisfies HttpRequest[]) {
      expectRefusal(await jwtLogin(request), 400, 'malformed_request', missing);
    }
  });

  it('413: exactly maxBodyBytes is read; one byte more is refused, declared or streamed', async () => {
    expect((await serve(small, raw(ofSize(LIMIT)))).status).toBe(200);
    const streamed = await serve(small, raw(ofSize(LIMIT + 1)));
    expectRefusal(streamed, 413, 'payload_too_large', { detail: 'The request body is larger than allowed.' });
    expect(streamed.headers.connection).toBe('close');
    expectNoStore(streamed);
    const declared = await serve(small, raw('{}', { 'content-length': String(LIMIT + 1) }));
    expectRefusal(declared, 413, 'payload_too_large');
  });

  it('413 before reading: a declared length over the limit is refused without touching the stream', async () => {
    let read = false;
    const body = {
      [Symbol.asyncIterator]() {
        read = true;
        return chunks('{}')[Symbol.asyncIterator]();
      },
    };
    const response = await serve(small, {
      method: 'POST',
      url: '/api/v2/auth/jwt/',
      headers: { 'content-type': 'application/json', 'content-length': String(LIMIT * 10) },
      body,
    });
    expect(response.status).toBe(413);
    expect(read).toBe(false);
  });

  it('413 on a parsed body too, when its declared length is over the limit', async () => {
    const response = await serve(small, {
      ...postParsed('/api/v2/auth/jwt/', JWT_LOGIN),
      headers: { 'content-type': 'application/json', 'content-length': String(LIMIT + 1) },
    });
    expectRefusal(response, 413, 'payload_too_large');
  });

  it('413 in the envelope on a token-pair route', async () => {
    const response = await serve(small, {
      method: 'POST',
      url: '/api/v2/auth/token',
      headers: { 'content-type': 'application/json' },
      body: chunks('{"username":"', 'x'.repeat(2 * LIMIT), '"}'),
    });
    expectRefusal(response, 413, 'payload_too_large', {
      errorCode: 'AUTH_1006',
      errorMessage: 'Request body too large',
      content: '',
      pageable: '',
    });
  });

  it('415: another media type, or none with a body; even when an app parser parsed it', async () => {
    const form = new URLSearchParams(JWT_LOGIN).toString();
    for (const request of [
      raw(form, { 'content-type': 'application/x-www-form-urlencoded' }),
      raw('{}', { 'content-type': 'text/plain' }),
      { method: 'POST', url: '/api/v2/auth/jwt/', headers: { 'content-length': '2' }, body: chunks('{}') },
      {
        ...postParsed('/api/v2/auth/jwt/', JWT_LOGIN),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    ] satisfies HttpRequest[]) {
      expectRefusal(await jwtLogin(request), 415, 'unsupported_media_type', {
        detail: 'The request body must be application/json.',
      });
    }
  });

  it('400: invalid JSON, a body that is not UTF-8, JSON that is not an object', async () => {
    expectRefusal(await jwtLogin(raw('{"email":')), 400, 'malformed_request', {
      detail: 'The request body is not valid JSON.',
    });
    const latin1 = await jwtLogin({
      method: 'POST',
      url: '/api/v2/auth/jwt/',
      headers: { 'content-type': 'application/json' },
      body: chunks(new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d])),
    });
    expectRefusal(latin1, 400, 'malformed_request', { detail: 'The request body is not UTF-8.' });
    const array = await jwtLogin(raw('[1,2]'));
    expectRefusal(array, 400, 'malformed_request');
    const envelope = await serve(d.http, {
      method: 'POST',
      url: '/api/v2/auth/token',
      headers: { 'content-type': 'application/json' },
      body: chunks('{'),
    });
    expectRefusal(envelope, 400, 'malformed_request', {
      errorCode: 'AUTH_1002',
      errorMessage: 'Malformed request',
      content: '',
      pageable: '',
    });
  });
});

describe('Cache-Control: no-store', () => {
  it('on every response of a token route, success or refusal; never on the others', async () => {
    for (const route of d.http.routes) {
      const response = await serve(d.http, { method: route.method, url: sample(route.path), headers: {} });
      if (route.carriesTokens) expectNoStore(response);
      else expectCacheable(response);
    }
    expect(
      d.http.routes.filter((route) => route.carriesTokens).map((route) => `${route.method} ${route.path}`),
    ).toEqual([
      'GET /Authentication',
      'POST /Authentication',
      'GET /Authentication/UserToken',
      'GET /Authentication/refresh/{token}',
      'POST /API3/authentication/authenticateUserByToken',
      'GET /auth/auto-login',
      'POST /api/v2/auth/token',
      'POST /api/v2/auth/token/refresh',
      'POST /api/v2/auth/jwt/',
      'POST /api/v2/me/tokens/',
    ]);
  });
});

describe('failures of what is behind the routes', () => {
  it('a store that cannot be reached: 503 store_unavailable, never 200 or 500', async () => {
    const store = failingStore();
    const demo = await httpDemo({ profiles: ['token-pair'] }, { store });
    store.failAll();
    const response = await serve(demo.http, post('/api/v2/auth/token', login(ethan)));
    expectRefusal(response, 503, 'store_unavailable', {
      errorCode: 'AUTH_1503',
      errorMessage: 'Service temporarily unavailable',
      content: '',
      pageable: '',
    });
  });

  it('an unexpected error: 500 internal_error with the catalogue message only, reported to onUnexpectedError', async () => {
    const unexpected: unknown[] = [];
    const boom = new Error('boom: /secret/path');
    const broken = {
      ...d.tg,
      accessTokens: {
        ...d.tg.accessTokens,
        login: () => Promise.reject(boom),
      },
    } as typeof d.tg;
    const http = createHttpHandler(broken, {
      profiles: DOCUMENTED_PROFILES,
      onUnexpectedError: (error) => unexpected.push(error),
    });
    const response = await serve(http, post('/api/v2/auth/jwt/', JWT_LOGIN));
    expectRefusal(response, 500, 'internal_error', { detail: 'An unexpected error occurred.' });
    expect(response.body).not.toContain('boom');
    expectNoStore(response);
    expect(unexpected).toEqual([boom]);
    // A TollgateError is a refusal, not an unexpected error: nothing reported.
    await serve(http, post('/api/v2/auth/token', { username: 'x', password: 'y' }));
    expect(unexpected).toEqual([boom]);
  });
});

describe('OpenAPI', () => {
  it('lists every mounted route, each under its path and method, with its operation', () => {
    const document = d.http.openapi({ title: 'T', version: '2.0.0' });
    expect(document).toMatchObject({ openapi: '3.1.0', info: { title: 'T', version: '2.0.0' } });
    const paths = document.paths as Record<string, Record<string, { operationId: string; tags: string[] }>>;
    const listed = Object.entries(paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual(d.http.routes.map((route) => `${route.method} ${route.path}`).sort());
    for (const route of d.http.routes) {
      expect(paths[route.path]![route.method.toLowerCase()]).toMatchObject({
        operationId: route.operationId,
        tags: [route.profile],
      });
    }
    expect(Object.keys(document.components as object).sort()).toEqual([
      'headers',
      'schemas',
      'securitySchemes',
    ]);
  });

  it('only the mounted profiles, under the prefix, with the app’s routes beside them', () => {
    const http = createHttpHandler(d.tg, { prefix: '/auth', profiles: ['token-pair'] });
    const document = http.openapi({
      appRoutes: [
        {
          method: 'POST',
          path: '/api/v2/brands/',
          summary: 'Create a brand.',
          permissions: ['brand_create'],
        },
      ],
    });
    expect(Object.keys(document.paths as object)).toEqual([
      ...http.routes.map((route) => route.path),
      '/api/v2/brands/',
    ]);
    expect(
      (document.paths as Record<string, Record<string, unknown>>)['/api/v2/brands/']!.post,
    ).toMatchObject({
      tags: ['app'],
      description: 'Requires: brand_create.',
    });
  });

  it('documents the session cookie under the Tollgate’s cookie name', async () => {
    const demo = await httpDemo({ profiles: ['uat-jwt'] }, { options: { cookieName: 'sid' } });
    const schemes = (demo.http.openapi().components as { securitySchemes: Record<string, { name?: string }> })
      .securitySchemes;
    expect(schemes.cookie).toMatchObject({ in: 'cookie', name: 'sid' });
  });
});

describe('the body of a refusal is JSON with the catalogue code header', () => {
  it('whatever the route', async () => {
    const response = await serve(d.http, get('/api/v2/me/'));
    expect(bodyOf(response)).toEqual({ detail: 'Authentication credentials were not provided.' });
  });
});
