/**
 * The delegated auto-login landing, `GET /auth/auto-login?token=…&next=…`: a security token is used
 * once for a new session cookie on this origin and the browser is sent on, the token stripped from the
 * URL; every misuse gets a readable HTML page and changes nothing.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNTS,
  DOCUMENTED_PROFILES,
  get,
  type HttpDemo,
  httpDemo,
  login,
  post,
  serve,
  tampered,
} from './fixtures.js';

const { ava, root } = ACCOUNTS;

let d: HttpDemo;
beforeEach(async () => {
  d = await httpDemo({
    profiles: ['delegated-login', 'uat-jwt', 'sessions'],
    cookie: { secure: false },
    autoLogin: { redirects: ['/portal/', '/'] },
  });
});

async function link(): Promise<string> {
  const adminToken = (await d.tg.tokenPair.login(login(root))).token;
  const issued = await serve(
    d.http,
    post('/API3/authentication/authenticateUserByToken', {
      token: adminToken,
      domain: 'datastore',
      userIdentity: ava.username,
      customData: 'ticket-7',
    }),
  );
  expect(issued.status).toBe(200);
  return issued.body!;
}
const land = (query: string) =>
  serve(d.http, get(`/auth/auto-login?${query}`, { 'user-agent': 'browser/1' }));
const cookieOf = (setCookie: string | undefined) => setCookie!.split(';')[0]!;

describe('GET /auth/auto-login', () => {
  it('sets the session cookie (HttpOnly, SameSite=Lax) and redirects to the allowed path without the token', async () => {
    const token = await link();
    const landed = await land(`token=${token}&next=/portal/`);
    expect(landed.status).toBe(303);
    expect(landed.headers.location).toBe('/portal/');
    expect(landed.headers['referrer-policy']).toBe('no-referrer');
    expect(landed.headers['cache-control']).toBe('no-store');
    const setCookie = landed.headers['set-cookie']!;
    expect(setCookie).toMatch(
      /^tollgate_session=[A-Za-z0-9_-]+; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    // A new token in a new session, not the link's.
    expect(cookieOf(setCookie)).not.toBe(`tollgate_session=${token}`);
    const me = await serve(d.http, get('/api/v2/me/', { cookie: cookieOf(setCookie) }));
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body!)).toMatchObject({
      id: ava.id,
      authenticatedBy: 'cookie',
      actor: { username: root.username },
      customData: 'ticket-7',
    });
  });

  it('goes to the first allowed path without next', async () => {
    const landed = await land(`token=${await link()}`);
    expect(landed.headers.location).toBe('/portal/');
  });

  it('refuses a replayed link with a page, and the link itself no longer signs in', async () => {
    const token = await link();
    expect((await land(`token=${token}`)).status).toBe(303);
    const replay = await land(`token=${token}`);
    expect(replay.status).toBe(401);
    expect(replay.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(replay.body).toContain('used already');
    expect(replay.headers['set-cookie']).toBeUndefined();
    expect((await serve(d.http, get('/api/v2/me/', { cookie: `tollgate_session=${token}` }))).status).toBe(
      401,
    );
  });

  it('lets exactly one of several concurrent landings with one link through', async () => {
    const token = await link();
    const results = await Promise.all(Array.from({ length: 8 }, () => land(`token=${token}`)));
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(7);
  });

  it('refuses a target off the allowlist before using the link (400), which still works after', async () => {
    const token = await link();
    for (const next of ['https://evil.test/', '//evil.test/', '/admin/', '/%2F%2Fevil.test']) {
      const refused = await land(`token=${token}&next=${encodeURIComponent(next)}`);
      expect(refused.status).toBe(400);
      expect(refused.headers.location).toBeUndefined();
      expect(refused.body).not.toContain('<script');
    }
    expect((await land(`token=${token}&next=/`)).status).toBe(303);
  });

  it('answers a forged, expired, missing or wrong-kind token with a page, never a stack trace', async () => {
    const token = await link();
    const forged = await land(`token=${tampered(token)}`);
    expect(forged.status).toBe(401);
    expect(forged.body).toContain('not valid');
    const missing = await land('next=/');
    expect(missing.status).toBe(400);
    const access = (await d.tg.accessTokens.login(login(ava))).token;
    expect((await land(`token=${access}`)).status).toBe(401);
    d.clock.advance(3601 * 1000);
    const expired = await land(`token=${token}`);
    expect(expired.status).toBe(401);
    expect(expired.body).toContain('expired');
    for (const page of [forged, missing, expired]) {
      expect(page.body).not.toMatch(/at .+\.(ts|js):\d+/);
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    }
  });

  it('changes nothing stored when it refuses: no session starts, ends or is touched', async () => {
    const used = await link();
    expect((await land(`token=${used}`)).status).toBe(303);
    const unspent = await link();
    // ava's sessions as the store holds them (the landed one, the unspent link's), written touches included.
    const sessions = async () => {
      await new Promise((resolve) => setImmediate(resolve)); // session touches are written on the next turn
      return d.store.listSessionsByUser({ userId: ava.id, now: d.clock.now() });
    };
    const before = await sessions();
    expect(before).toHaveLength(2);
    const access = (await d.tg.accessTokens.login(login(ava))).token;
    const withAccess = await sessions();
    const refusals = [
      [`token=${used}`, 401],
      [`token=${tampered(unspent)}`, 401],
      [`token=${access}`, 401],
      ['next=/', 400],
      [`token=${unspent}&next=${encodeURIComponent('https://evil.test/')}`, 400],
      [`token=${unspent}&next=/portal/&next=/`, 400],
      [`token=${'A'.repeat(20_000)}`, 400],
    ] as const;
    for (const [query, status] of refusals) {
      const refused = await land(query);
      expect([query.slice(0, 40), refused.status]).toEqual([query.slice(0, 40), status]);
      // A page a person can read, a repeated parameter and an over-long token included.
      expect(refused.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    expect(await sessions()).toEqual(withAccess);
    expect(withAccess.filter((session) => session.kind === 'delegated')).toEqual(before);
    // Expired: refused at the same instant as the store is read before and after.
    d.clock.advance(3601 * 1000);
    const live = await sessions();
    expect((await land(`token=${unspent}`)).status).toBe(401);
    expect(await sessions()).toEqual(live);
  });

  it('over HTTPS, sets a __Host- cookie (Secure, Path=/, no Domain) that signs in, and ending the session clears it', async () => {
    d = await httpDemo(
      { profiles: ['delegated-login', 'uat-jwt', 'sessions'], autoLogin: { redirects: ['/portal/'] } },
      { options: { cookieName: '__Host-tollgate_session' } },
    );
    const landed = await land(`token=${await link()}`);
    expect(landed.status).toBe(303);
    expect(landed.headers['set-cookie']).toMatch(
      /^__Host-tollgate_session=[A-Za-z0-9_-]+; Max-Age=3600; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    const cookie = cookieOf(landed.headers['set-cookie']);
    const me = await serve(d.http, get('/api/v2/me/', { cookie }));
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body!)).toMatchObject({
      authenticatedBy: 'cookie',
      actor: { username: root.username },
    });
    // The unprefixed name is another cookie: not read.
    const unprefixed = `tollgate_session=${cookie.slice('__Host-tollgate_session='.length)}`;
    expect((await serve(d.http, get('/api/v2/me/', { cookie: unprefixed }))).status).toBe(401);
    const ended = await serve(d.http, {
      method: 'DELETE',
      url: '/api/v2/sessions/current/',
      headers: { cookie, origin: 'https://app.example', host: 'app.example' },
    });
    expect(ended.status).toBe(204);
    expect(ended.headers['set-cookie']).toBe(
      '__Host-tollgate_session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Lax',
    );
    expect((await serve(d.http, get('/api/v2/me/', { cookie }))).status).toBe(401);
  });

  it('refuses to start with a __Host- cookie that browsers would drop, and with a redirect off this origin', async () => {
    const { createHttpHandler } = await import('../helpers/internals.js');
    const hostCookie = await httpDemo({}, { options: { cookieName: '__Host-tollgate_session' } });
    expect(() =>
      createHttpHandler(hostCookie.tg, { profiles: DOCUMENTED_PROFILES, cookie: { secure: false } }),
    ).toThrow(TypeError);
    expect(() => createHttpHandler(hostCookie.tg, { profiles: DOCUMENTED_PROFILES })).not.toThrow();
    const badName = await httpDemo({ profiles: [] }, { options: { cookieName: 'no good' } }).catch((e) => e);
    expect(badName).toBeInstanceOf(TypeError);
    expect(String(badName)).toMatch(/cookieName "no good" is not a valid cookie name/);
    expect(() =>
      createHttpHandler(d.tg, {
        profiles: DOCUMENTED_PROFILES,
        autoLogin: { redirects: ['https://evil.test/'] },
      }),
    ).toThrow(TypeError);
    expect(() =>
      createHttpHandler(d.tg, { profiles: DOCUMENTED_PROFILES, autoLogin: { redirects: ['//evil.test'] } }),
    ).toThrow(TypeError);
  });
});
