import { describe, expect, it } from 'vitest';
import {
  type ErrorShape,
  expectError,
  expectErrorCode,
  expectExactJson,
  expectJson,
  expectNoStackTrace,
  expectNoStore,
  list,
  record,
  text,
} from './assertions.js';
import { bearer, type ContractClient, type HeaderMap, jwtAuth, parsePair } from './client.js';
import { ETHAN, envelopeError, ROOT } from './demo.js';
import type { Reply } from './http.js';
import { DELEGATE_PATH } from './scheme-b.js';

const KIB = 1024;
const LIMIT = 64 * KIB;

interface JsonRoute {
  readonly path: string;
  readonly shape: ErrorShape;
  /** Credentials the route needs to get past authentication (when it authenticates before reading). */
  readonly auth?: (client: ContractClient) => Promise<HeaderMap>;
  /** The documents give this route's body (the demo routes' bodies are not documented). */
  readonly documented: boolean;
}

async function ethanJwt(client: ContractClient): Promise<HeaderMap> {
  return jwtAuth(await client.jwt(ETHAN));
}

/** Every route that takes a JSON body, with the error shape of its profile. */
const JSON_ROUTES: readonly JsonRoute[] = [
  { path: '/Authentication', shape: 'default', documented: true },
  { path: DELEGATE_PATH, shape: 'default', documented: true },
  { path: '/api/v2/auth/token', shape: 'envelope', documented: true },
  { path: '/api/v2/auth/token/refresh', shape: 'envelope', documented: true },
  { path: '/api/v2/auth/token/revoke', shape: 'envelope', documented: true },
  { path: '/api/v2/auth/jwt/', shape: 'detail', documented: true },
  { path: '/api/v2/me/tokens/', shape: 'detail', auth: ethanJwt, documented: true },
  { path: '/api/v2/brands/', shape: 'detail', auth: ethanJwt, documented: false },
  { path: '/api/v2/products/', shape: 'detail', auth: ethanJwt, documented: false },
  { path: '/api/v2/scm/bulk-edit/', shape: 'detail', auth: ethanJwt, documented: false },
];
const DOCUMENTED_JSON_ROUTES = JSON_ROUTES.filter((route) => route.documented);

/** `{"refreshToken":"no-such-refresh-token"}` padded with insignificant whitespace to exactly `size` bytes. */
function jsonOfSize(size: number): string {
  const head = '{"refreshToken":"no-such-refresh-token"';
  return `${head}${' '.repeat(size - head.length - 1)}}`;
}

interface WrongMethod {
  readonly method: string;
  readonly path: string;
  readonly allow: readonly string[];
  readonly shape: ErrorShape;
  /** A protected demo route of the example app (not a route of the four profiles). */
  readonly demo?: true;
}

const WRONG_METHODS: readonly WrongMethod[] = [
  { method: 'PUT', path: '/Authentication', allow: ['GET', 'POST'], shape: 'default' },
  { method: 'POST', path: '/Authentication/UserToken', allow: ['GET'], shape: 'default' },
  { method: 'POST', path: '/Authentication/refresh/some-token', allow: ['GET'], shape: 'default' },
  {
    method: 'DELETE',
    path: '/Authentication/token/some-token/Environments',
    allow: ['GET'],
    shape: 'default',
  },
  { method: 'POST', path: '/Environment/current', allow: ['GET'], shape: 'default' },
  { method: 'GET', path: '/api/v2/auth/token', allow: ['POST'], shape: 'envelope' },
  { method: 'GET', path: '/api/v2/auth/token/refresh', allow: ['POST'], shape: 'envelope' },
  { method: 'DELETE', path: '/api/v2/auth/token/revoke', allow: ['POST'], shape: 'envelope' },
  { method: 'GET', path: '/api/v2/auth/jwt/', allow: ['POST'], shape: 'detail' },
  { method: 'POST', path: '/api/v2/me/', allow: ['GET'], shape: 'detail' },
  { method: 'PUT', path: '/api/v2/me/tokens/', allow: ['GET', 'POST'], shape: 'detail' },
  { method: 'GET', path: '/api/v2/me/tokens/some-id/', allow: ['DELETE'], shape: 'detail' },
  { method: 'GET', path: '/api/v2/brands/', allow: ['POST'], shape: 'detail', demo: true },
  { method: 'DELETE', path: '/api/v2/products/', allow: ['POST'], shape: 'detail', demo: true },
  { method: 'POST', path: '/api/v2/scans/download', allow: ['GET'], shape: 'detail', demo: true },
  { method: 'GET', path: '/api/v2/scm/bulk-edit/', allow: ['POST'], shape: 'detail', demo: true },
  { method: 'GET', path: '/api/v2/scm/codes/code-1/', allow: ['PATCH'], shape: 'detail', demo: true },
];

/** Section 6: robustness of the HTTP layer. */
export function defineRobustness(client: ContractClient): void {
  const send = async (route: JsonRoute, body: string | Buffer, contentType: string): Promise<Reply> => {
    const headers: Record<string, string> = { 'content-type': contentType, ...(await route.auth?.(client)) };
    return client.fetch(route.path, { method: 'POST', headers, body });
  };

  describe('robustness', () => {
    it('a body over 64 KiB → 413 on every JSON route of the four profiles, in its error shape', async () => {
      const body = jsonOfSize(LIMIT + 4 * KIB);
      for (const route of DOCUMENTED_JSON_ROUTES) {
        const reply = await send(route, body, 'application/json');
        expectError(reply, { status: 413, shape: route.shape, code: 'payload_too_large' });
        if (route.shape === 'envelope') expectExactJson(reply, 413, envelopeError('AUTH_1006'));
      }
    });

    it('a body over 64 KiB → 413 on the protected demo routes too (common rule)', async () => {
      const body = jsonOfSize(LIMIT + 4 * KIB);
      for (const route of JSON_ROUTES.filter((candidate) => !candidate.documented)) {
        const reply = await send(route, body, 'application/json');
        expectError(reply, { status: 413, shape: route.shape, code: 'payload_too_large' });
      }
    });

    it('exactly 64 KiB is read; one byte more → 413', async () => {
      const route: JsonRoute = { path: '/api/v2/auth/token/revoke', shape: 'envelope', documented: true };
      const atLimit = await send(route, jsonOfSize(LIMIT), 'application/json');
      expect(atLimit.status, String(atLimit)).toBe(204);
      const overLimit = await send(route, jsonOfSize(LIMIT + 1), 'application/json');
      expectError(overLimit, { status: 413, shape: 'envelope', code: 'payload_too_large' });
    });

    it('an oversize body sent chunked, without Content-Length → 413', async () => {
      const chunk = Buffer.from(' '.repeat(8 * KIB));
      const chunks = [
        Buffer.from('{"refreshToken":"x"'),
        ...Array.from({ length: 12 }, () => chunk),
        Buffer.from('}'),
      ];
      const reply = await client.raw({
        method: 'POST',
        path: '/api/v2/auth/token/revoke',
        headers: { 'content-type': 'application/json' },
        chunks,
      });
      expectError(reply, { status: 413, shape: 'envelope', code: 'payload_too_large' });
    });

    it('a Content-Length over 64 KiB → 413', async () => {
      const body = jsonOfSize(LIMIT + 10 * KIB);
      const reply = await client.raw({
        method: 'POST',
        path: '/Authentication',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        body,
      });
      expectError(reply, { status: 413, shape: 'default', code: 'payload_too_large' });
    });

    it('another media type on a documented JSON route → 415 (scheme C: AUTH_1002)', async () => {
      const body = JSON.stringify({ username: ETHAN.username, password: ETHAN.password });
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
        for (const route of DOCUMENTED_JSON_ROUTES) {
          const reply = await send(route, body, contentType);
          expectError(reply, {
            status: 415,
            shape: route.shape,
            ...(route.shape === 'envelope' && { envelope: 'AUTH_1002' }),
          });
        }
      }
    });

    it('application/json with any charset parameter is accepted', async () => {
      for (const contentType of [
        'application/json; charset=utf-8',
        'application/json; charset=UTF-8',
        'application/json;charset=utf-8',
      ]) {
        const reply = await client.fetch('/api/v2/auth/token', {
          method: 'POST',
          headers: { 'content-type': contentType },
          body: JSON.stringify(ROOT),
        });
        parsePair(reply);
      }
    });

    it("invalid JSON → 400 on every documented JSON route, in the route profile's error shape", async () => {
      for (const body of ['{"username":', '{username: "x"}', "{'a':1}", '{"a":1}}', '']) {
        for (const route of DOCUMENTED_JSON_ROUTES) {
          const reply = await send(route, body, 'application/json');
          if (body === '' && route.shape === 'detail') {
            // An empty body is no data (as in Django REST framework): field errors, not a parse error.
            expect(reply.status).toBe(400);
            expectErrorCode(reply);
            for (const messages of Object.values(record(expectJson(reply, 400)))) list(messages);
            continue;
          }
          expectError(reply, {
            status: 400,
            shape: route.shape,
            ...(route.shape === 'envelope' && { envelope: 'AUTH_1002' }),
          });
        }
      }
    });

    it('invalid UTF-8 in a JSON body → 400 or 401, never 5xx', async () => {
      const body = Buffer.concat([
        Buffer.from('{"username":"'),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
        Buffer.from('","password":"x"}'),
      ]);
      for (const path of ['/api/v2/auth/token', '/Authentication']) {
        const reply = await client.raw({
          method: 'POST',
          path,
          headers: { 'content-type': 'application/json' },
          body,
        });
        expect([400, 401], String(reply)).toContain(reply.status);
        expectErrorCode(reply);
        expectNoStackTrace(reply);
      }
    });

    it('an unknown path → 404 with an error code', async () => {
      const paths = [
        '/api/v2/nope',
        '/api/v2/auth/nope',
        '/api/v2/me/tokens/some-id/extra/',
        '/Authentication/nope/deeper',
        '/API3/authentication/nope',
        '/Environment/other',
        '/definitely-not-here',
      ];
      for (const path of paths) {
        const reply = await client.get(path);
        expect(reply.status, String(reply)).toBe(404);
        expectErrorCode(reply);
        expectNoStackTrace(reply);
      }
    });

    const expectWrongMethod = async (route: WrongMethod) => {
      const reply = await client.fetch(route.path, { method: route.method });
      expectError(reply, { status: 405, shape: route.shape });
      const allow = (reply.headers.get('allow') ?? '').split(',').map((method) => method.trim());
      for (const method of route.allow)
        expect(allow, `${route.method} ${route.path}: Allow`).toContain(method);
      expect(allow, `${route.method} ${route.path}: Allow`).not.toContain(route.method);
    };

    it('a known path of the four profiles with a wrong method → 405 with Allow', async () => {
      for (const route of WRONG_METHODS.filter((candidate) => candidate.demo === undefined)) {
        await expectWrongMethod(route);
      }
    });

    it('a protected demo route with a wrong method → 405 with Allow', async () => {
      for (const route of WRONG_METHODS.filter((candidate) => candidate.demo === true))
        await expectWrongMethod(route);
    });

    it('percent-encoded garbage in a path token → 400 or 401, never 5xx', async () => {
      const paths = [
        '/Authentication/refresh/%FF%FE',
        '/Authentication/refresh/%E0%A4%A',
        '/Authentication/refresh/%zz',
        '/Authentication/refresh/%00',
        '/Authentication/token/%C0%AF/Environments',
        '/Authentication/token/..%2F..%2Fetc/Environments',
        `/Authentication/refresh/${'A'.repeat(8 * KIB)}`,
      ];
      for (const path of paths) {
        const reply = await client.raw({ method: 'GET', path });
        expect([400, 401], String(reply)).toContain(reply.status);
        expectErrorCode(reply);
        expectNoStackTrace(reply);
      }
    });

    it('every token-bearing response has Cache-Control: no-store and Pragma: no-cache', async () => {
      const root = bearer(await client.rootAccess());
      const query = new URLSearchParams({ username: ETHAN.username, password: ETHAN.password });
      const userToken = await client.get(`/Authentication?${query}`);
      const oldToken = text(record(userToken.json()).token, 'token');
      const pair = await client.login(ETHAN);
      const replies: Reply[] = [
        userToken,
        await client.post('/Authentication', ETHAN),
        await client.get(`/Authentication/UserToken?username=${encodeURIComponent(ETHAN.username)}`, root),
        await client.get(`/Authentication/refresh/${encodeURIComponent(oldToken)}`),
        await client.post(DELEGATE_PATH, {
          domain: 'datastore',
          customData: null,
          userIdentity: ETHAN.username,
          token: await client.rootAccess(),
        }),
        await client.post('/api/v2/auth/token', ETHAN),
        await client.post('/api/v2/auth/token/refresh', { refreshToken: pair.refreshToken }),
        await client.post('/api/v2/auth/jwt/', { email: ETHAN.username, password: ETHAN.password }),
        await client.post(
          '/api/v2/me/tokens/',
          {
            name: 'no-store',
            expires_at: new Date(Date.now() + 86_400_000).toISOString(),
            permissions: ['scans_download'],
          },
          jwtAuth(await client.jwt(ETHAN)),
        ),
      ];
      for (const reply of replies) {
        expect(reply.status, String(reply)).toBeGreaterThanOrEqual(200);
        expect(reply.status, String(reply)).toBeLessThan(300);
        expectNoStore(reply);
      }
    });
  });
}
