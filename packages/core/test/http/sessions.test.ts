/**
 * The opt-in `sessions` profile over the core handler: the caller's sessions (list, end one, end the
 * others, end all, end the current one and its cookie), administrators' routes (sessions, UATs,
 * disable and enable, audit), and bad input answered 4xx in `{"code","message"}`.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryAuditLog } from '../../src/testing/index.js';
import {
  ACCOUNTS,
  bodyOf,
  expectRefusal,
  get,
  type HttpDemo,
  httpDemo,
  login,
  post,
  serve,
} from './fixtures.js';

const { ethan, root, domainAdmin, bob } = ACCOUNTS;

let d: HttpDemo;
beforeEach(async () => {
  d = await httpDemo(
    { profiles: ['token-pair', 'uat-jwt', 'delegated-login', 'sessions'], cookie: { secure: false } },
    { options: { audit: createMemoryAuditLog() } },
  );
});

const del = (url: string, headers: Record<string, string> = {}) => ({ method: 'DELETE', url, headers });
const jwtOf = async (account: { username: string; password: string }, agent = 'test-agent/1') => {
  const response = await serve(
    d.http,
    post(
      '/api/v2/auth/jwt/',
      { email: account.username, password: account.password },
      { 'user-agent': agent },
    ),
  );
  return `JWT ${(bodyOf(response) as { token: string }).token}`;
};
const me = (authorization: string) => serve(d.http, get('/api/v2/me/', { authorization }));
interface SessionBody {
  id: string;
  kind: string;
  current: boolean;
  user_agent: string | null;
  actor: { id: string; username: string } | null;
}

describe('the caller’s sessions', () => {
  it('lists each login as a session, the current one marked, with its user agent', async () => {
    const first = await jwtOf(ethan, 'first-browser');
    d.clock.advance(1000);
    const second = await jwtOf(ethan, 'second-browser');
    const response = await serve(d.http, get('/api/v2/sessions/', { authorization: second }));
    expect(response.status).toBe(200);
    const sessions = bodyOf(response) as SessionBody[];
    expect(sessions.map((s) => [s.kind, s.current, s.user_agent])).toEqual([
      ['jwt_login', true, 'second-browser'],
      ['jwt_login', false, 'first-browser'],
    ]);
    expect((await me(first)).status).toBe(200);
  });

  it('ends one session: its token is refused at once, the other still works', async () => {
    const first = await jwtOf(ethan);
    d.clock.advance(1000);
    const second = await jwtOf(ethan);
    const [, older] = bodyOf(
      await serve(d.http, get('/api/v2/sessions/', { authorization: second })),
    ) as SessionBody[];
    expect(
      (await serve(d.http, del(`/api/v2/sessions/${older!.id}/`, { authorization: second }))).status,
    ).toBe(204);
    expectRefusal(await me(first), 401, 'token_revoked');
    expect((await me(second)).status).toBe(200);
    expectRefusal(
      await serve(d.http, del(`/api/v2/sessions/${older!.id}/`, { authorization: second })),
      404,
      'not_found',
    );
  });

  it('ends the others, then all', async () => {
    const a = await jwtOf(ethan);
    const b = await jwtOf(ethan);
    const c = await jwtOf(ethan);
    const others = await serve(d.http, post('/api/v2/sessions/revoke-others/', {}, { authorization: c }));
    expect(bodyOf(others)).toEqual({ revoked: 2 });
    expectRefusal(await me(a), 401, 'token_revoked');
    expectRefusal(await me(b), 401, 'token_revoked');
    expect((await me(c)).status).toBe(200);
    const all = await serve(d.http, post('/api/v2/sessions/revoke-all/', {}, { authorization: c }));
    expect(bodyOf(all)).toEqual({ revoked: 1 });
    expectRefusal(await me(c), 401, 'token_revoked');
  });

  it('ends a delegated session from its own cookie: the cookie is cleared and /me is 401', async () => {
    const admin = await serve(d.http, post('/api/v2/auth/token', login(root)));
    const adminToken = (bodyOf(admin) as { content: [{ token: string }] }).content[0].token;
    const issued = await serve(
      d.http,
      post('/API3/authentication/authenticateUserByToken', {
        token: adminToken,
        domain: 'datastore',
        userIdentity: ethan.username,
        customData: null,
      }),
    );
    expect(issued.status).toBe(200);
    const cookie = `tollgate_session=${issued.body}`;
    const listed = bodyOf(await serve(d.http, get('/api/v2/sessions/', { cookie }))) as SessionBody[];
    expect(listed[0]).toMatchObject({ kind: 'delegated', current: true, actor: { username: root.username } });
    const ended = await serve(
      d.http,
      del('/api/v2/sessions/current/', { cookie, origin: 'http://localhost', host: 'localhost' }),
    );
    expect(ended.status).toBe(204);
    expect(ended.headers['set-cookie']).toMatch(
      /^tollgate_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expectRefusal(await serve(d.http, get('/api/v2/me/', { cookie })), 401, 'token_revoked');
  });

  it('refuses a query parameter a route does not take (400, named), and changes nothing', async () => {
    const a = await jwtOf(ethan);
    const c = await jwtOf(ethan);
    const listed = await serve(d.http, get('/api/v2/sessions/?include=revoked', { authorization: c }));
    expectRefusal(listed, 400, 'malformed_request');
    expect(bodyOf(listed)).toMatchObject({
      code: 'malformed_request',
      fields: { include: ['Unknown parameter: this endpoint takes no query parameters.'] },
    });
    // A misspelt or unsupported option never runs the route with it dropped.
    const others = await serve(
      d.http,
      post('/api/v2/sessions/revoke-others/?keep=all', {}, { authorization: c }),
    );
    expectRefusal(others, 400, 'malformed_request');
    expect((await me(a)).status).toBe(200);
    expect((await me(c)).status).toBe(200);
    // Credentials come first: without them the answer is 401, whatever the query.
    expectRefusal(await serve(d.http, get('/api/v2/sessions/?include=revoked')), 401, 'credentials_missing');
  });

  it('refuses missing and bad credentials (401)', async () => {
    expectRefusal(await serve(d.http, get('/api/v2/sessions/')), 401, 'credentials_missing');
    expectRefusal(
      await serve(d.http, get('/api/v2/sessions/', { authorization: 'JWT nope' })),
      401,
      'invalid_token',
    );
  });
});

describe('administrators', () => {
  it('list and end a user’s sessions within reach; a domain admin cannot reach another domain', async () => {
    const user = await jwtOf(ethan);
    const admin = await jwtOf(root);
    const path = `/api/v2/admin/users/${encodeURIComponent(ethan.username)}/sessions/`;
    const listed = bodyOf(await serve(d.http, get(path, { authorization: admin }))) as SessionBody[];
    expect(listed).toHaveLength(1);
    expect(listed[0]!.current).toBe(false);
    const ended = await serve(d.http, del(path, { authorization: admin }));
    expect(bodyOf(ended)).toEqual({ revoked: 1 });
    expectRefusal(await me(user), 401, 'token_revoked');

    const domain = await jwtOf(domainAdmin);
    const bobPath = `/api/v2/admin/users/${encodeURIComponent(bob.username)}/sessions/`;
    expectRefusal(await serve(d.http, get(bobPath, { authorization: domain })), 404, 'unknown_user');
    expectRefusal(await serve(d.http, get(path, { authorization: user })), 401, 'token_revoked');
    expectRefusal(
      await serve(d.http, get(path, { authorization: await jwtOf(ethan) })),
      403,
      'not_an_administrator',
    );
  });

  it('disable revokes every credential and refuses logins; enable lets the user in again', async () => {
    const user = await jwtOf(ethan);
    const admin = await jwtOf(root);
    const base = `/api/v2/admin/users/${encodeURIComponent(ethan.username)}`;
    expect((await serve(d.http, post(`${base}/disable/`, {}, { authorization: admin }))).status).toBe(204);
    expectRefusal(await me(user), 401, 'token_revoked');
    const refused = await serve(
      d.http,
      post('/api/v2/auth/jwt/', { email: ethan.username, password: ethan.password }),
    );
    expect(refused.status).toBe(400);
    expect((await serve(d.http, post(`${base}/enable/`, {}, { authorization: admin }))).status).toBe(204);
    // A user revocation refuses what was created up to its millisecond, inclusive (fail closed).
    d.clock.advance(1);
    expect((await me(await jwtOf(ethan))).status).toBe(200);
    expectRefusal(await me(user), 401, 'token_revoked');
  });

  it('read the audit trail, filtered; bad filters are 400', async () => {
    await jwtOf(ethan);
    await serve(d.http, post('/api/v2/auth/jwt/', { email: ethan.username, password: 'wrong-password' }));
    const admin = await jwtOf(root);
    const url = `/api/v2/admin/audit/?username=${encodeURIComponent(ethan.username)}&type=login.succeeded`;
    const events = bodyOf(await serve(d.http, get(url, { authorization: admin }))) as {
      type: string;
      user_id: string;
    }[];
    expect(events.map((e) => [e.type, e.user_id])).toEqual([['login.succeeded', ethan.id]]);
    const failed = bodyOf(
      await serve(d.http, get('/api/v2/admin/audit/?type=login.failed', { authorization: admin })),
    ) as { details: Record<string, unknown> }[];
    expect(failed[0]!.details).toEqual({ username: ethan.username, reason: 'invalid_credentials' });
    expect(JSON.stringify(failed)).not.toContain('wrong-password');
    expectRefusal(
      await serve(d.http, get('/api/v2/admin/audit/?type=nope', { authorization: admin })),
      400,
      'malformed_request',
    );
    expectRefusal(
      await serve(d.http, get('/api/v2/admin/audit/?limit=5000', { authorization: admin })),
      400,
      'malformed_request',
    );
    expectRefusal(
      await serve(d.http, get('/api/v2/admin/audit/?extra=1', { authorization: admin })),
      400,
      'malformed_request',
    );
    const domain = await jwtOf(domainAdmin);
    expectRefusal(
      await serve(d.http, get('/api/v2/admin/audit/', { authorization: domain })),
      400,
      'malformed_request',
    );
  });
});
