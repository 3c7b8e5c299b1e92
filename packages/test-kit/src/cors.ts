/**
 * The CORS behaviour every adapter serves (the core's, by the `cors` package), over real HTTP: an
 * adapter's test calls `describeCors` with a function that starts its app with the given options.
 */
import type { CorsOptions } from '@tollgate/core/http';
import { afterAll, describe, expect, it } from 'vitest';
import { access, ETHAN, JSON_HEADERS, type Listening, type Reply, ROOT, rawRequest } from './index.js';

export const APP_ORIGIN = 'https://app.example.test';
const OTHER_ORIGIN = 'https://evil.example.test';

/** Starts the adapter's app serving `token-pair`, `uat-jwt`, `delegated-login` and `sessions`, cookie not Secure. */
export type StartWithCors = (cors: CorsOptions | undefined) => Promise<Pick<Listening, 'url' | 'close'>>;

const corsHeadersOf = (reply: Reply): string[] =>
  [...reply.headers.keys()].filter((name) => name.startsWith('access-control-'));

const preflight = (url: string, path: string, origin: string, method = 'POST') =>
  rawRequest(`${url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'content-type,authorization',
    },
  });

/** A delegated session's cookie for ethan, through the served routes. */
async function sessionCookie(url: string): Promise<string> {
  const reply = await rawRequest(`${url}/API3/authentication/authenticateUserByToken`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({
      domain: 'datastore',
      userIdentity: ETHAN.username,
      token: await access(url, ROOT),
    }),
  });
  expect(reply.status, reply.text).toBe(200);
  return `tollgate_session=${reply.text}`;
}

export function describeCors(adapter: string, start: StartWithCors): void {
  const servers: Pick<Listening, 'url' | 'close'>[] = [];
  const serve = async (cors: CorsOptions | undefined) => {
    const server = await start(cors);
    servers.push(server);
    return server.url;
  };
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  describe(`CORS on ${adapter} (the profiles' routes)`, () => {
    it('off by default: a preflight is 405 without any Access-Control header', async () => {
      const url = await serve(undefined);
      const reply = await preflight(url, '/api/v2/auth/jwt/', APP_ORIGIN);
      expect(reply.status).toBe(405);
      expect(corsHeadersOf(reply)).toEqual([]);
    });

    it('a preflight from an allowed origin → 204 with the Access-Control headers; another origin gets none', async () => {
      const url = await serve({ origins: [APP_ORIGIN], maxAge: 120 });
      const allowed = await preflight(url, '/api/v2/me/tokens/', APP_ORIGIN);
      expect(allowed.status).toBe(204);
      expect(allowed.text).toBe('');
      expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(allowed.headers.get('access-control-allow-methods')).toBe('POST,GET');
      expect(allowed.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type');
      expect(allowed.headers.get('access-control-max-age')).toBe('120');
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      expect(allowed.headers.get('vary')).toMatch(/Origin/);

      const other = await preflight(url, '/api/v2/me/tokens/', OTHER_ORIGIN);
      expect(other.status).toBe(405);
      expect(corsHeadersOf(other)).toEqual([]);
      // Not a profile path: the app's, untouched.
      expect(
        (await preflight(url, '/not-a-profile-path', APP_ORIGIN)).headers.get('access-control-allow-origin'),
      ).toBeNull();
    });

    it('answers to an allowed origin carry Allow-Origin and expose the error code, refusals included', async () => {
      const url = await serve({ origins: [APP_ORIGIN] });
      const login = JSON.stringify({ email: ETHAN.username, password: ETHAN.password });
      const ok = await rawRequest(`${url}/api/v2/auth/jwt/`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, origin: APP_ORIGIN },
        body: login,
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(ok.headers.get('access-control-expose-headers')).toBe(
        'Tollgate-Error-Code,WWW-Authenticate,Retry-After',
      );
      const refused = await rawRequest(`${url}/api/v2/me/`, { headers: { origin: APP_ORIGIN } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      // Another origin is answered as before (the browser keeps the page from reading it): no CORS header.
      const other = await rawRequest(`${url}/api/v2/auth/jwt/`, {
        method: 'POST',
        headers: { ...JSON_HEADERS, origin: OTHER_ORIGIN },
        body: login,
      });
      expect(other.status).toBe(200);
      expect(corsHeadersOf(other)).toEqual([]);
      // The answer depends on the origin whatever it is: shared caches keep one per origin.
      expect(other.headers.get('vary')).toMatch(/Origin/);
    });

    it('the session cookie works cross-origin only with credentials: true', async () => {
      const endSession = async (url: string) =>
        rawRequest(`${url}/api/v2/sessions/current/`, {
          method: 'DELETE',
          headers: { origin: APP_ORIGIN, cookie: await sessionCookie(url) },
        });

      const without = await serve({ origins: [APP_ORIGIN] });
      const refused = await endSession(without);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('tollgate-error-code')).toBe('csrf_origin_mismatch');
      expect(refused.headers.get('access-control-allow-credentials')).toBeNull();
      expect(
        (await preflight(without, '/api/v2/sessions/current/', APP_ORIGIN, 'DELETE')).headers.get(
          'access-control-allow-credentials',
        ),
      ).toBeNull();

      const withCredentials = await serve({ origins: [APP_ORIGIN], credentials: true });
      const pre = await preflight(withCredentials, '/api/v2/sessions/current/', APP_ORIGIN, 'DELETE');
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      expect(pre.headers.get('access-control-allow-methods')).toMatch(/DELETE/);
      const ended = await endSession(withCredentials);
      expect(ended.status, ended.text).toBe(204);
      expect(ended.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(ended.headers.get('access-control-allow-credentials')).toBe('true');
    });
  });
}
