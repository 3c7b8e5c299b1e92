import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CookieSession,
  createTollgateClient,
  type FetchLike,
  type RequestCredentialsMode,
  TollgateClientError,
} from '../src/index.js';
import { AVA, ROOT, startTestServer, type TestServer } from './helpers.js';

// A cookie session (the HttpOnly cookie the auto-login landing sets) and the `credentials` option,
// against the real Express example. Node's fetch keeps no cookies: `browserFetch` plays the browser
// for one origin (a cookie jar honouring `credentials`, and `Origin` on state-changing requests).

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
  readonly credentials: RequestCredentialsMode;
  readonly cookie: boolean;
}

function browserFetch(origin: string) {
  const jar = new Map<string, string>();
  const sent: Sent[] = [];
  const fetchImpl: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    const withCookies = request.credentials !== 'omit' && jar.size > 0;
    if (withCookies) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    if (request.method !== 'GET' && request.method !== 'HEAD') headers.set('origin', origin);
    sent.push({
      method: request.method,
      path: new URL(request.url).pathname,
      authorization: request.headers.get('authorization'),
      credentials: request.credentials as RequestCredentialsMode,
      cookie: withCookies,
    });
    const response = await fetch(request.url, {
      method: request.method,
      headers,
      body: request.body,
      redirect: 'manual',
      ...(request.body === null ? {} : { duplex: 'half' }),
    } as RequestInit);
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (attributes.some((attribute) => /^max-age=0$/i.test(attribute)) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  };
  return { fetch: fetchImpl, jar, sent };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

async function refused(promise: Promise<unknown>): Promise<TollgateClientError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TollgateClientError);
  return error as TollgateClientError;
}

/** A browser that went through the auto-login landing: its jar holds AVA's session cookie. */
async function landed() {
  const admin = await createTollgateClient({ baseUrl: server.url }).tokenPair.login(ROOT);
  const securityToken = await createTollgateClient({
    baseUrl: server.url,
  }).delegatedLogin.authenticateUserByToken({
    admin,
    domain: 'datastore',
    userIdentity: AVA.username,
    customData: 'ticket 7',
  });
  const browser = browserFetch(server.url);
  const landing = await browser.fetch(
    `${server.url}/auth/auto-login?token=${encodeURIComponent(securityToken)}&next=/portal/`,
  );
  expect([landing.status, landing.headers.get('location')]).toEqual([303, '/portal/']);
  expect(browser.jar.has('tollgate_session')).toBe(true);
  browser.sent.length = 0;
  return browser;
}

describe('cookie sessions', () => {
  it('sends no Authorization header, credentials same-origin: the cookie signs it in', async () => {
    const browser = await landed();
    const client = createTollgateClient({ baseUrl: server.url, fetch: browser.fetch, credentials: 'omit' });
    const session = client.delegatedLogin.cookieSession();
    expect(session).toBeInstanceOf(CookieSession);
    expect(session.state).toMatchObject({ scheme: 'cookie', token: '', expiresAt: null });
    const me = await client.uatJwt.me(session);
    expect(me).toMatchObject({
      email: AVA.username,
      actor: { username: ROOT.username },
      customData: 'ticket 7',
    });
    const listed = await client.sessions.list(session);
    expect(listed.find((entry) => entry.current)).toMatchObject({
      kind: 'delegated',
      actor: { username: ROOT.username },
    });
    // The client's `credentials: 'omit'` is for token sessions: a cookie session sends its cookie.
    expect(browser.sent).toEqual([
      { method: 'GET', path: '/api/v2/me/', authorization: null, credentials: 'same-origin', cookie: true },
      {
        method: 'GET',
        path: '/api/v2/sessions/',
        authorization: null,
        credentials: 'same-origin',
        cookie: true,
      },
    ]);
    await expect(session.token()).rejects.toThrow(TypeError);
  });

  it('revokeCurrent ends it on the server, which clears the cookie; the old value is refused', async () => {
    const browser = await landed();
    const value = browser.jar.get('tollgate_session')!;
    const client = createTollgateClient({ baseUrl: server.url, fetch: browser.fetch });
    const session = client.delegatedLogin.cookieSession();
    await client.sessions.revokeCurrent(session);
    expect(browser.jar.has('tollgate_session')).toBe(false);
    expect(session.ended).toBe(true);
    expect(await refused(client.uatJwt.me(session))).toMatchObject({ code: 'session_ended', local: true });
    const replayed = await fetch(`${server.url}/api/v2/me/`, {
      headers: { cookie: `tollgate_session=${value}` },
    });
    expect(replayed.status).toBe(401);
  });

  it('logout() ends it on the server too; without a cookie it ends here (credentials_missing)', async () => {
    const browser = await landed();
    const client = createTollgateClient({ baseUrl: server.url, fetch: browser.fetch });
    const session = client.delegatedLogin.cookieSession();
    await session.logout();
    expect(browser.sent.map((sent) => `${sent.method} ${sent.path}`)).toEqual([
      'DELETE /api/v2/sessions/current/',
    ]);
    expect(browser.jar.size).toBe(0);
    expect(session.ended).toBe(true);

    const none = client.delegatedLogin.cookieSession();
    expect(await refused(client.uatJwt.me(none))).toMatchObject({ status: 401, code: 'credentials_missing' });
    await none.logout(); // the server's 401 ends it here
    expect(none.ended).toBe(true);
  });

  it("credentials: 'omit' keeps a stale session cookie off token sessions (else ambiguous_credentials)", async () => {
    const browser = await landed();
    // The cookie's session is ended elsewhere (its cookie stays in the browser).
    const value = browser.jar.get('tollgate_session')!;
    const ended = await fetch(`${server.url}/api/v2/sessions/current/`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${value}` },
    });
    expect(ended.status).toBe(204);
    expect(browser.jar.has('tollgate_session')).toBe(true);

    const sameOrigin = createTollgateClient({ baseUrl: server.url, fetch: browser.fetch });
    const mixed = await sameOrigin.uatJwt.login({ email: AVA.username, password: AVA.password });
    expect(await refused(sameOrigin.uatJwt.me(mixed))).toMatchObject({
      status: 400,
      code: 'ambiguous_credentials',
    });

    const omitting = createTollgateClient({ baseUrl: server.url, fetch: browser.fetch, credentials: 'omit' });
    browser.sent.length = 0;
    const jwt = await omitting.uatJwt.login({ email: AVA.username, password: AVA.password });
    expect((await omitting.uatJwt.me(jwt)).email).toBe(AVA.username);
    expect(browser.sent.map((sent) => [sent.path, sent.credentials, sent.cookie])).toEqual([
      ['/api/v2/auth/jwt/', 'omit', false],
      ['/api/v2/me/', 'omit', false],
    ]);
  });

  it('refuses a credentials mode fetch does not know', () => {
    expect(() =>
      createTollgateClient({ baseUrl: server.url, credentials: 'always' as unknown as 'omit' }),
    ).toThrow(TypeError);
  });
});
