import { describe, expect, it } from 'vitest';
import { expectError, expectNoStackTrace, list, record } from './assertions.js';
import { bearer, type ContractClient, jwtAuth, sessionCookie } from './client.js';
import { AVA, BOB, DOMAIN_ADMIN, ETHAN, ROOT } from './demo.js';
import type { Reply } from './http.js';

const SESSIONS = '/api/v2/sessions/';
const adminUser = (username: string) => `/api/v2/admin/users/${encodeURIComponent(username)}`;

interface SessionItem {
  readonly id: string;
  readonly kind: string;
  readonly current: boolean;
  readonly actor: { readonly id: string; readonly username: string } | null;
  readonly user_agent: string | null;
}

const sessionsOf = (reply: Reply): SessionItem[] => {
  expect(reply.status, String(reply)).toBe(200);
  return list(reply.json(), 'sessions').map((item) => record(item) as unknown as SessionItem);
};

/**
 * The opt-in `sessions` profile every example serves: the caller's sessions, administrators' user
 * management and audit trail, and the delegated auto-login landing of scheme B.
 */
export function defineSessions(client: ContractClient): void {
  const del = (path: string, headers: Record<string, string>) =>
    client.fetch(path, { method: 'DELETE', headers });
  const me = (headers: Record<string, string>) => client.get('/api/v2/me/', headers);
  const jwtWithAgent = async (account: typeof ETHAN, agent: string) => {
    const reply = await client.fetch('/api/v2/auth/jwt/', {
      json: { email: account.username, password: account.password },
      headers: { 'user-agent': agent },
    });
    expect(reply.status, String(reply)).toBe(200);
    return (reply.json() as { token: string }).token;
  };

  describe('sessions', () => {
    it('GET /api/v2/sessions/ lists the caller’s sessions, its own marked current, with the user agent', async () => {
      const token = await jwtWithAgent(AVA, 'contract-suite/1');
      const sessions = sessionsOf(await client.get(SESSIONS, jwtAuth(token)));
      const current = sessions.filter((s) => s.current);
      expect(current).toHaveLength(1);
      expect(current[0]).toMatchObject({ kind: 'jwt_login', user_agent: 'contract-suite/1', actor: null });
    });

    it('DELETE /api/v2/sessions/{id}/ ends one session: its token → 401 at once, others still work', async () => {
      const doomed = await client.freshJwt(AVA);
      const keeper = await client.freshJwt(AVA);
      const target = sessionsOf(await client.get(SESSIONS, jwtAuth(doomed))).find((s) => s.current)!;
      const ended = await del(`${SESSIONS}${target.id}/`, jwtAuth(keeper));
      expect(ended.status, String(ended)).toBe(204);
      expectError(await me(jwtAuth(doomed)), { status: 401, shape: 'detail', code: 'token_revoked' });
      expect((await me(jwtAuth(keeper))).status).toBe(200);
      expectError(await del(`${SESSIONS}${target.id}/`, jwtAuth(keeper)), {
        status: 404,
        shape: 'default',
        code: 'not_found',
      });
    });

    it('revoke-others keeps the caller’s session; revoke-all ends it too; a token-pair session’s refresh dies with it', async () => {
      const pair = await client.login(BOB);
      const other = await client.freshJwt(BOB);
      const caller = await client.freshJwt(BOB);
      const others = await client.post(`${SESSIONS}revoke-others/`, {}, jwtAuth(caller));
      expect(others.status, String(others)).toBe(200);
      expect((others.json() as { revoked: number }).revoked).toBeGreaterThanOrEqual(2);
      expect((await me(jwtAuth(other))).status).toBe(401);
      expect((await me(bearer(pair.token))).status).toBe(401);
      const refreshed = await client.post('/api/v2/auth/token/refresh', { refreshToken: pair.refreshToken });
      expect(refreshed.status, String(refreshed)).toBe(401);
      expect((await me(jwtAuth(caller))).status).toBe(200);
      const all = await client.post(`${SESSIONS}revoke-all/`, {}, jwtAuth(caller));
      expect((all.json() as { revoked: number }).revoked).toBe(1);
      expect((await me(jwtAuth(caller))).status).toBe(401);
      client.forget(BOB);
    });

    it('a UAT cannot manage sessions (401), nor can anyone without credentials', async () => {
      const uat = await client.createUat(['scans_download']);
      const withUat = await client.get(SESSIONS, { authorization: `UAT ${uat.token}` });
      expect(withUat.status, String(withUat)).toBe(401);
      expectNoStackTrace(withUat);
      const without = await client.get(SESSIONS);
      expect(without.status, String(without)).toBe(401);
      expect(without.json()).toMatchObject({ code: 'credentials_missing' });
    });

    it('bad input → 4xx in {"code","message"}, never a 500', async () => {
      const token = await client.freshJwt(AVA);
      for (const id of ['x'.repeat(200), '%00', '%ff']) {
        expectError(await del(`${SESSIONS}${id}/`, jwtAuth(token)), {
          status: 400,
          shape: 'default',
          code: 'malformed_request',
        });
      }
      expectError(await del(`${SESSIONS}not-a-session/`, jwtAuth(token)), {
        status: 404,
        shape: 'default',
        code: 'not_found',
      });
      const admin = await client.rootAccess();
      for (const query of ['type=nope', 'limit=0', 'limit=100000', 'since=yesterday', 'bogus=1']) {
        expectError(await client.get(`/api/v2/admin/audit/?${query}`, bearer(admin)), {
          status: 400,
          shape: 'default',
          code: 'malformed_request',
        });
      }
    });
  });

  describe('administrators: sessions, UATs, disable and enable, audit', () => {
    it('an enterprise admin lists and ends a user’s sessions; a domain admin cannot reach another domain (404)', async () => {
      const victim = await client.freshJwt(AVA);
      const root = await client.rootAccess();
      const listed = sessionsOf(await client.get(`${adminUser(AVA.username)}/sessions/`, bearer(root)));
      expect(listed.length).toBeGreaterThan(0);
      const ended = await del(`${adminUser(AVA.username)}/sessions/`, bearer(root));
      expect(ended.status, String(ended)).toBe(200);
      expect((await me(jwtAuth(victim))).status).toBe(401);
      client.forget(AVA);
      const domain = await client.domainAdminAccess();
      expectError(await client.get(`${adminUser(BOB.username)}/sessions/`, bearer(domain)), {
        status: 404,
        shape: 'default',
        code: 'unknown_user',
      });
      expectError(
        await client.get(`${adminUser(ETHAN.username)}/sessions/`, jwtAuth(await client.freshJwt(AVA))),
        {
          status: 403,
          shape: 'default',
          code: 'not_an_administrator',
        },
      );
      expectError(await client.get(`${adminUser(ROOT.username)}/sessions/`, bearer(root)), {
        status: 403,
        shape: 'default',
        code: 'administrator_not_allowed',
      });
    });

    it('lists and revokes a user’s UAT', async () => {
      const uat = await client.createUat(['brand_create'], { name: 'admin-revokes' });
      const root = await client.rootAccess();
      const uats = await client.get(`${adminUser(ETHAN.username)}/uats/`, bearer(root));
      expect(uats.status, String(uats)).toBe(200);
      expect(list(uats.json()).map((u) => record(u).id)).toContain(uat.id);
      expect((await del(`${adminUser(ETHAN.username)}/uats/${uat.id}/`, bearer(root))).status).toBe(204);
      expect((await me({ authorization: `UAT ${uat.token}` })).status).toBe(401);
    });

    it('disable revokes every credential and refuses logins; enable lets the user log in again', async () => {
      const before = await client.freshJwt(AVA);
      const uat = await client.userToken(AVA, 'staging');
      const domain = await client.domainAdminAccess();
      const disabled = await client.post(`${adminUser(AVA.username)}/disable/`, {}, bearer(domain));
      expect(disabled.status, String(disabled)).toBe(204);
      expect((await me(jwtAuth(before))).status).toBe(401);
      expect((await client.get('/Environment/current', bearer(uat.token))).status).toBe(401);
      const login = await client.post('/api/v2/auth/jwt/', { email: AVA.username, password: AVA.password });
      expect(login.status, String(login)).toBe(400);
      const enabled = await client.post(`${adminUser(AVA.username)}/enable/`, {}, bearer(domain));
      expect(enabled.status, String(enabled)).toBe(204);
      expect((await me(jwtAuth(await client.freshJwt(AVA)))).status).toBe(200);
      expect((await me(jwtAuth(before))).status).toBe(401);
      client.forget(AVA);
    });

    it('GET /api/v2/admin/audit/ reads the trail: logins without passwords, filtered by user and type', async () => {
      await client.post('/api/v2/auth/jwt/', { email: ETHAN.username, password: 'not-his-password' });
      const root = await client.rootAccess();
      const failed = await client.get(
        `/api/v2/admin/audit/?username=${encodeURIComponent(ETHAN.username)}&type=login.failed&limit=5`,
        bearer(root),
      );
      expect(failed.status, String(failed)).toBe(200);
      const events = list(failed.json()).map((e) => record(e));
      expect(events.length).toBeGreaterThan(0);
      expect(events[0]).toMatchObject({ type: 'login.failed', details: { username: ETHAN.username } });
      expect(failed.text).not.toContain('not-his-password');
      expect(failed.text).not.toContain(ETHAN.password);
      const domain = await client.domainAdminAccess();
      expectError(await client.get('/api/v2/admin/audit/', bearer(domain)), {
        status: 400,
        shape: 'default',
        code: 'malformed_request',
      });
      void DOMAIN_ADMIN;
    });

    it('bad input on every administrators’ route → 400 malformed_request in {"code","message"}', async () => {
      const root = bearer(await client.rootAccess());
      const ethansToken = jwtAuth(await client.freshJwt(ETHAN));
      const ethan = adminUser(ETHAN.username);
      const badUsernames = ['%00', '%0a', 'x'.repeat(400)];
      const badIds = ['%00', 'x'.repeat(200)];
      const requests: [method: string, path: string][] = [];
      for (const name of badUsernames) {
        const user = `/api/v2/admin/users/${name}`;
        requests.push(
          ['GET', `${user}/sessions/`],
          ['DELETE', `${user}/sessions/`],
          ['DELETE', `${user}/sessions/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/`],
          ['GET', `${user}/uats/`],
          ['DELETE', `${user}/uats/some-id/`],
          ['POST', `${user}/disable/`],
          ['POST', `${user}/enable/`],
        );
      }
      for (const id of badIds) {
        requests.push(['DELETE', `${ethan}/sessions/${id}/`], ['DELETE', `${ethan}/uats/${id}/`]);
      }
      for (const [method, path] of requests) {
        expectError(await client.fetch(path, { method, headers: root }), {
          status: 400,
          shape: 'default',
          code: 'malformed_request',
        });
      }
      // Nothing was done on the way: ethan's session is still live.
      expect((await me(ethansToken)).status).toBe(200);
    });
  });

  describe('scheme B: the auto-login landing, GET /auth/auto-login', () => {
    const landing = (query: string) => client.fetch(`/auth/auto-login?${query}`, { method: 'GET' });

    it('→ 303 to an allowed path with the session cookie for this origin; the token is used once', async () => {
      const token = await client.delegate(ETHAN.username, { customData: 'landing' });
      const landed = await landing(`token=${token}&next=/`);
      expect(landed.status, String(landed)).toBe(303);
      expect(landed.headers.get('location')).toBe('/');
      expect(landed.headers.get('referrer-policy')).toBe('no-referrer');
      const setCookie = landed.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(
        /^tollgate_session=[A-Za-z0-9_-]+; Max-Age=\d+; Path=\/; HttpOnly(; Secure)?; SameSite=Lax/,
      );
      const cookie = setCookie.split(';')[0]!.slice('tollgate_session='.length);
      const who = await me(sessionCookie(cookie));
      expect(who.status, String(who)).toBe(200);
      expect(who.json()).toMatchObject({ authenticatedBy: 'cookie', actor: { username: ROOT.username } });

      const replay = await landing(`token=${token}&next=/`);
      expect(replay.status).toBe(401);
      expect(replay.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(replay.headers.get('set-cookie')).toBeNull();
      expectNoStackTrace(replay);

      // Ending the session from its own cookie clears the cookie; /me is then 401.
      const origin = client.origin('http');
      const ended = await del(`${SESSIONS}current/`, { ...sessionCookie(cookie), origin });
      expect(ended.status, String(ended)).toBe(204);
      expect(ended.headers.get('set-cookie')).toMatch(/^tollgate_session=; Max-Age=0; Path=\/; HttpOnly/);
      expect((await me(sessionCookie(cookie))).status).toBe(401);
    });

    it('refuses a target off the allowlist (400) and a forged token (401), each with a readable page', async () => {
      const token = await client.delegate(AVA.username);
      for (const next of ['https://evil.example/', '//evil.example/']) {
        const refused = await landing(`token=${token}&next=${encodeURIComponent(next)}`);
        expect(refused.status, String(refused)).toBe(400);
        expect(refused.headers.get('location')).toBeNull();
        expectNoStackTrace(refused);
      }
      const forged = await landing(`token=${token.slice(0, -4)}AAAA`);
      expect(forged.status).toBe(401);
      expect(forged.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect((await landing('')).status).toBe(400);
    });
  });
}
