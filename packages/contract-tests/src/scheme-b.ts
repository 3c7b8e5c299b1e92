import { describe, expect, it } from 'vitest';
import {
  BASE64URL,
  expectError,
  expectExactJson,
  expectIndistinguishable,
  expectMe,
  expectNoStore,
  expectRefused,
  expectSessionCookie,
  TEXT_TYPE,
} from './assertions.js';
import { bearer, type ContractClient, jwtAuth, sessionCookie, tamper } from './client.js';
import { AVA, BOB, DOMAIN_ADMIN, ETHAN, NOBODY, ORGANISATIONS, PERMISSIONS, ROOT } from './demo.js';
import type { Reply } from './http.js';

export const DELEGATE_PATH = '/API3/authentication/authenticateUserByToken';

/** Scheme B: admin-delegated login (CONTRACT.md, docs/http-profiles.md). */
export function defineSchemeB(client: ContractClient): void {
  const delegate = async (fields: Record<string, unknown>): Promise<Reply> =>
    client.post(DELEGATE_PATH, fields);
  const asRoot = async (fields: Record<string, unknown> = {}): Promise<Reply> =>
    delegate({
      domain: 'datastore',
      customData: 'ticket-4711',
      userIdentity: ETHAN.username,
      token: await client.rootAccess(),
      ...fields,
    });

  /** A security token of ethan delegated by root, and whether its cookie is `Secure`. */
  const session = async (): Promise<{ token: string; secure: boolean }> => {
    const reply = await asRoot();
    expect(reply.status, String(reply)).toBe(200);
    return { token: reply.text, secure: expectSessionCookie(reply, reply.text).secure };
  };

  describe('scheme B: admin-delegated login', () => {
    describe('POST /API3/authentication/authenticateUserByToken', () => {
      it('an enterprise admin → 200 text/plain; charset=utf-8, a base64url security token, session cookie', async () => {
        const reply = await asRoot();
        expect(reply.status, String(reply)).toBe(200);
        expect(reply.headers.get('content-type')).toBe(TEXT_TYPE);
        expect(reply.text).toMatch(BASE64URL);
        expectNoStore(reply);
        const { secure } = expectSessionCookie(reply, reply.text);
        expect(typeof secure).toBe('boolean');
      });

      it('a domain admin for a user of its own domain → 200', async () => {
        const reply = await delegate({
          domain: 'datastore',
          customData: 'from-domain-admin',
          userIdentity: AVA.username,
          token: await client.domainAdminAccess(),
        });
        expect(reply.status, String(reply)).toBe(200);
        expect(reply.headers.get('content-type')).toBe(TEXT_TYPE);
        expect(reply.text).toMatch(BASE64URL);
        expectSessionCookie(reply, reply.text);
        expectNoStore(reply);
      });

      it('an enterprise admin for a user of another domain (acme) → 200', async () => {
        const reply = await asRoot({ domain: 'acme', userIdentity: BOB.username });
        expect(reply.status, String(reply)).toBe(200);
        expectSessionCookie(reply, reply.text);
      });

      it('customData omitted or null → 200, and /api/v2/me/ shows customData null', async () => {
        const token = await client.rootAccess();
        const omitted = await delegate({ domain: 'datastore', userIdentity: ETHAN.username, token });
        expect(omitted.status, String(omitted)).toBe(200);
        const nulled = await delegate({
          domain: 'datastore',
          customData: null,
          userIdentity: ETHAN.username,
          token,
        });
        expect(nulled.status, String(nulled)).toBe(200);
        for (const reply of [omitted, nulled]) {
          const me = await client.get('/api/v2/me/', bearer(reply.text));
          expectMe(me, {
            email: ETHAN.username,
            customerId: ORGANISATIONS.datastore.id,
            authenticatedBy: 'Bearer',
            actor: ROOT.username,
            customData: null,
          });
        }
      });

      it('every delegation returns a different security token', async () => {
        const first = await session();
        const second = await session();
        expect(second.token).not.toBe(first.token);
      });

      it('GET, PUT, PATCH and DELETE → 405 with Allow: POST', async () => {
        for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
          const reply = await client.fetch(
            DELEGATE_PATH,
            method === 'GET' || method === 'DELETE'
              ? { method }
              : {
                  method,
                  json: { domain: 'datastore', userIdentity: ETHAN.username, token: 'x' },
                },
          );
          expectError(reply, { status: 405, shape: 'default' });
          const allow = (reply.headers.get('allow') ?? '').split(',').map((item) => item.trim());
          expect(allow, `${method}: Allow`).toContain('POST');
          expect(allow, `${method}: Allow`).not.toContain(method);
        }
      });

      it('malformed JSON → 400', async () => {
        const reply = await client.fetch(DELEGATE_PATH, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"domain":"datastore",',
        });
        expectError(reply, { status: 400, shape: 'default' });
      });

      it('a missing or non-string field, or a body that is not an object → 400', async () => {
        const token = await client.rootAccess();
        const full = { domain: 'datastore', customData: 'x', userIdentity: ETHAN.username, token };
        const bodies: unknown[] = [
          { customData: 'x', userIdentity: ETHAN.username, token },
          { domain: 'datastore', customData: 'x', token },
          { domain: 'datastore', customData: 'x', userIdentity: ETHAN.username },
          { ...full, userIdentity: 42 },
          { ...full, token: ['x'] },
          { ...full, domain: null },
          { ...full, customData: { nested: true } },
          [],
          'text',
          null,
        ];
        for (const body of bodies) {
          const reply = await delegate(body as Record<string, unknown>);
          expectError(reply, { status: 400, shape: 'default' });
        }
      });

      it('a bad admin token → 401', async () => {
        expectError(await asRoot({ token: 'garbage' }), { status: 401, shape: 'default' });
        expectError(await asRoot({ token: tamper(await client.rootAccess()) }), {
          status: 401,
          shape: 'default',
        });
      });

      it('a caller that is not enterprise_admin or domain_admin (customer access token) → 403', async () => {
        expectError(await asRoot({ token: await client.access(ETHAN) }), { status: 403, shape: 'default' });
        expectError(await asRoot({ userIdentity: AVA.username, token: await client.access(ETHAN) }), {
          status: 403,
          shape: 'default',
        });
      });

      it('a domain admin outside its own domain (acme, bob@acme.test) → 403', async () => {
        const reply = await delegate({
          domain: 'acme',
          customData: 'x',
          userIdentity: BOB.username,
          token: await client.domainAdminAccess(),
        });
        expectError(reply, { status: 403, shape: 'default' });
      });

      it('a userIdentity unknown in that domain → 404', async () => {
        expectError(await asRoot({ userIdentity: NOBODY }), { status: 404, shape: 'default' });
        expectError(await asRoot({ domain: 'datastore', userIdentity: BOB.username }), {
          status: 404,
          shape: 'default',
        });
        expectError(await asRoot({ domain: 'acme', userIdentity: ETHAN.username }), {
          status: 404,
          shape: 'default',
        });
      });

      it('a user of another organisation is answered exactly as an unknown one (status, body, headers)', async () => {
        for (const token of [await client.domainAdminAccess(), await client.rootAccess()]) {
          const ask = (userIdentity: string) =>
            delegate({ domain: 'datastore', customData: 'probe', userIdentity, token });
          const unknown = await ask(NOBODY);
          expectError(unknown, { status: 404, shape: 'default', code: 'unknown_user' });
          // A customer of Acme, and an administrator of the operator.
          for (const userIdentity of [BOB.username, ROOT.username]) {
            expectIndistinguishable(await ask(userIdentity), unknown);
          }
        }
      });

      it('a userIdentity that is an administrator → 403', async () => {
        expectError(await asRoot({ userIdentity: DOMAIN_ADMIN.username }), { status: 403, shape: 'default' });
      });
    });

    describe('the security token', () => {
      it('as the cookie tollgate_session → GET /api/v2/me/ shows actor, customData, authenticatedBy "cookie"', async () => {
        const { token } = await session();
        expectMe(await client.get('/api/v2/me/', sessionCookie(token)), {
          email: ETHAN.username,
          customerId: ORGANISATIONS.datastore.id,
          authenticatedBy: 'cookie',
          roles: ['company_admin'],
          permissions: PERMISSIONS,
          actor: ROOT.username,
          customData: 'ticket-4711',
        });
      });

      it('as Authorization: Bearer → GET /api/v2/me/ shows actor, customData, authenticatedBy "Bearer"', async () => {
        const { token } = await session();
        expectMe(await client.get('/api/v2/me/', bearer(token)), {
          email: ETHAN.username,
          customerId: ORGANISATIONS.datastore.id,
          authenticatedBy: 'Bearer',
          roles: ['company_admin'],
          permissions: PERMISSIONS,
          actor: ROOT.username,
          customData: 'ticket-4711',
        });
      });

      it('records the acting domain admin as actor', async () => {
        const token = await client.delegate(AVA.username, {
          customData: 'by-domain-admin',
          adminToken: await client.domainAdminAccess(),
        });
        expectMe(await client.get('/api/v2/me/', sessionCookie(token)), {
          email: AVA.username,
          customerId: ORGANISATIONS.datastore.id,
          authenticatedBy: 'cookie',
          permissions: ['scans_download'],
          actor: DOMAIN_ADMIN.username,
          customData: 'by-domain-admin',
        });
      });

      it('a first-hand login has actor null and customData null', async () => {
        expectMe(await client.get('/api/v2/me/', jwtAuth(await client.jwt(ETHAN))), {
          email: ETHAN.username,
          customerId: ORGANISATIONS.datastore.id,
          authenticatedBy: 'JWT',
          actor: null,
          customData: null,
        });
      });

      it('a tampered security token → 401, as cookie and as Bearer', async () => {
        const { token } = await session();
        const forged = tamper(token);
        expectError(await client.get('/api/v2/me/', sessionCookie(forged)), { status: 401, shape: 'detail' });
        expectError(await client.get('/api/v2/me/', bearer(forged)), {
          status: 401,
          shape: 'detail',
          challenge: 'invalid',
        });
      });

      it('cannot mint: POST /api/v2/me/tokens/ with it → 401 or 403, never 201', async () => {
        const { token, secure } = await session();
        const uat = {
          name: 'from-session',
          expires_at: new Date(Date.now() + 86_400_000).toISOString(),
          permissions: ['scans_download'],
        };
        expectRefused(await client.post('/api/v2/me/tokens/', uat, bearer(token)));
        const origin = client.origin(secure ? 'https' : 'http');
        expectRefused(await client.post('/api/v2/me/tokens/', uat, { ...sessionCookie(token), origin }));
      });

      it('cannot mint: GET /Authentication/UserToken with it → 401 or 403', async () => {
        const { token } = await session();
        const reply = await client.get(
          `/Authentication/UserToken?username=${encodeURIComponent(AVA.username)}`,
          {
            ...bearer(token),
          },
        );
        expectRefused(reply);
      });

      it('cannot mint: not accepted as a refresh token, a user token or an admin token', async () => {
        const { token } = await session();
        expectRefused(await client.get(`/Authentication/refresh/${token}`));
        expectRefused(await client.post('/api/v2/auth/token/refresh', { refreshToken: token }));
        expectRefused(
          await client.post(DELEGATE_PATH, { domain: 'datastore', userIdentity: AVA.username, token }),
        );
      });
    });

    describe('cookie-authenticated requests (CSRF)', () => {
      const brand = (headers: Record<string, string>) =>
        client.post('/api/v2/brands/', { name: 'csrf' }, headers);
      const ownOrigin = (secure: boolean) => client.origin(secure ? 'https' : 'http');

      it('POST with the session cookie and no Origin or Referer → 403 csrf_origin_mismatch', async () => {
        const { token } = await session();
        expectError(await brand(sessionCookie(token)), {
          status: 403,
          shape: 'detail',
          code: 'csrf_origin_mismatch',
        });
      });

      it('POST with the session cookie and a foreign Origin or Referer → 403 csrf_origin_mismatch', async () => {
        const { token } = await session();
        const foreign = [
          { origin: 'https://evil.example' },
          { origin: 'null' },
          { referer: 'https://evil.example/page' },
        ];
        for (const headers of foreign) {
          expectError(await brand({ ...sessionCookie(token), ...headers }), {
            status: 403,
            shape: 'detail',
            code: 'csrf_origin_mismatch',
          });
        }
      });

      it('POST with the session cookie and its own Origin (or Referer) → 201', async () => {
        const { token, secure } = await session();
        const origin = ownOrigin(secure);
        const byOrigin = await brand({ ...sessionCookie(token), origin });
        expect(byOrigin.status, String(byOrigin)).toBe(201);
        const byReferer = await brand({ ...sessionCookie(token), referer: `${origin}/dashboard` });
        expect(byReferer.status, String(byReferer)).toBe(201);
      });

      it('a cookie-authenticated GET needs no Origin', async () => {
        const { token } = await session();
        expectExactJson(
          await client.get('/api/v2/scans/download', sessionCookie(token)),
          200,
          '{"scans":[]}',
        );
      });

      it('a Bearer-authenticated POST needs no Origin', async () => {
        const { token } = await session();
        expect((await brand(bearer(token))).status).toBe(201);
        expect((await brand(bearer(await client.access(ETHAN)))).status).toBe(201);
      });
    });
  });
}
