import { describe, expect, it } from 'vitest';
import { expectError, expectErrorCode, expectNoStackTrace } from './assertions.js';
import { bearer, type ContractClient, jwtAuth, sessionCookie, uatAuth } from './client.js';
import { BOB, ETHAN } from './demo.js';
import type { Reply } from './http.js';

/** Section 5: every token kind is refused where another kind is expected. */
export function defineTokenKinds(client: ContractClient): void {
  const me = (headers: Record<string, string>) => client.get('/api/v2/me/', headers);
  const refusedAs401 = (reply: Reply) =>
    expectError(reply, { status: 401, shape: 'detail', challenge: 'invalid' });

  describe('token kinds refused where another is expected', () => {
    it('a scheme C access token sent as UAT → 401', async () => {
      const access = await client.access(ETHAN);
      expect((await me(bearer(access))).status).toBe(200);
      refusedAs401(await me(uatAuth(access)));
    });

    it('a scheme D JWT sent as UAT → 401', async () => {
      refusedAs401(await me(uatAuth(await client.jwt(ETHAN))));
    });

    it('a UAT sent as Bearer → 401', async () => {
      const uat = await client.createUat(['scans_download']);
      expect((await me(uatAuth(uat.token))).status).toBe(200);
      refusedAs401(await me(bearer(uat.token)));
      refusedAs401(await client.get('/api/v2/scans/download', bearer(uat.token)));
    });

    it('a UAT sent as JWT → 401', async () => {
      const uat = await client.createUat(['scans_download']);
      refusedAs401(await me(jwtAuth(uat.token)));
      refusedAs401(await client.get('/api/v2/scans/download', jwtAuth(uat.token)));
    });

    it('a UAT sent as the session cookie → 401', async () => {
      const uat = await client.createUat(['scans_download']);
      expectError(await me(sessionCookie(uat.token)), { status: 401, shape: 'detail' });
    });

    it('a scheme A user token sent as JWT → 401', async () => {
      const { token } = await client.userToken(ETHAN, 'production');
      refusedAs401(await me(jwtAuth(token)));
    });

    it('a scheme A user token sent as UAT → 401', async () => {
      const { token } = await client.userToken(ETHAN, 'production');
      refusedAs401(await me(uatAuth(token)));
    });

    it('a scheme C refresh token sent as Bearer → 401', async () => {
      const { refreshToken } = await client.login(ETHAN);
      refusedAs401(await me(bearer(refreshToken)));
      refusedAs401(await client.get('/api/v2/scans/download', bearer(refreshToken)));
    });

    it('a scheme C refresh token sent as JWT → 401', async () => {
      const { refreshToken } = await client.login(ETHAN);
      refusedAs401(await me(jwtAuth(refreshToken)));
    });

    it('a scheme B delegated security token sent as JWT → 401', async () => {
      const token = await client.delegate(ETHAN.username);
      expect((await me(bearer(token))).status).toBe(200);
      refusedAs401(await me(jwtAuth(token)));
    });

    it('a scheme B delegated security token sent as UAT → 401', async () => {
      refusedAs401(await me(uatAuth(await client.delegate(ETHAN.username))));
    });

    it('only the delegated security token may arrive base64url-wrapped: a wrapped JWT or user token → 401', async () => {
      const wrap = (token: string) => Buffer.from(token, 'latin1').toString('base64url');
      const jwt = await client.jwt(ETHAN);
      const access = await client.access(ETHAN);
      const { token: user } = await client.userToken(ETHAN, 'production');
      expect((await me(jwtAuth(jwt))).status).toBe(200);
      for (const headers of [jwtAuth(wrap(jwt)), bearer(wrap(access)), bearer(wrap(user))]) {
        refusedAs401(await me(headers));
      }
      refusedAs401(await client.get('/api/v2/scans/download', jwtAuth(wrap(jwt))));
      expectError(await client.get(`/Authentication/refresh/${wrap(user)}`), {
        status: 401,
        shape: 'default',
        code: 'invalid_token',
      });
      // The security token itself is that spelling, and still works.
      expect((await me(bearer(await client.delegate(ETHAN.username)))).status).toBe(200);
    });

    it('a repeated Authorization header (same token twice) → 400 or 401, never 2xx', async () => {
      const token = await client.jwt(ETHAN);
      const reply = await client.raw({
        method: 'GET',
        path: '/api/v2/me/',
        headers: { authorization: [`JWT ${token}`, `JWT ${token}`] },
      });
      expect([400, 401], String(reply)).toContain(reply.status);
      expectErrorCode(reply);
      expectNoStackTrace(reply);
    });

    it('a repeated Authorization header (two different users) → 400 or 401, never 2xx', async () => {
      const reply = await client.raw({
        method: 'GET',
        path: '/api/v2/me/',
        headers: { authorization: [`JWT ${await client.jwt(BOB)}`, `Bearer ${await client.access(ETHAN)}`] },
      });
      expect([400, 401], String(reply)).toContain(reply.status);
      expectErrorCode(reply);
    });

    it('a repeated Authorization header on a protected demo route → 400 or 401', async () => {
      const reply = await client.raw({
        method: 'POST',
        path: '/api/v2/brands/',
        headers: {
          authorization: [`JWT ${await client.jwt(BOB)}`, `JWT ${await client.jwt(ETHAN)}`],
          'content-type': 'application/json',
        },
        body: '{"name":"twice"}',
      });
      expect([400, 401], String(reply)).toContain(reply.status);
    });

    it('Authorization header and session cookie naming different credentials → 4xx', async () => {
      const cookie = await client.delegate(ETHAN.username);
      const reply = await me({ ...bearer(await client.access(BOB)), ...sessionCookie(cookie) });
      expect(reply.status, String(reply)).toBeGreaterThanOrEqual(400);
      expect(reply.status, String(reply)).toBeLessThan(500);
      expectErrorCode(reply);
      expectNoStackTrace(reply);
    });
  });
}
