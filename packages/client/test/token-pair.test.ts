import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryStorage,
  createTollgateClient,
  type Me,
  type TokenPairSession,
  TollgateClientError,
} from '../src/index.js';
import { countingFetch, DATASTORE, ETHAN, sleepUntil, startTestServer, type TestServer } from './helpers.js';

// Scheme C sessions against the real example with 2-second access tokens: refresh ahead of
// expiry, single flight under concurrency, the 401 → refresh once → retry once path, rotation
// without ever presenting a refresh token twice.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ accessToken: 2, userToken: 2 });
});
afterAll(() => server.close());

const REFRESH = '/api/v2/auth/token/refresh';
const ME = '/api/v2/me/';

async function expectRefused(promise: Promise<unknown>): Promise<TollgateClientError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TollgateClientError);
  return error as TollgateClientError;
}

describe.concurrent('token pair sessions', () => {
  it('logs in and sends the access token as Bearer', async () => {
    const counter = countingFetch();
    const client = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch });
    const session = await client.tokenPair.login(ETHAN);
    expect(session.scheme).toBe('pair');
    expect(session.customerId).toBe(DATASTORE);
    expect(session.state.refreshToken).toMatch(/^tgr_/);
    const me = await session.json<Me>(ME);
    expect(me).toMatchObject({ email: ETHAN.username, authenticatedBy: 'Bearer', customerId: DATASTORE });
    expect(counter.calls.map((call) => call.scheme)).toEqual([null, 'Bearer']);
  });

  it('refreshes across expiry, with rotation, and stores every new pair', async () => {
    const counter = countingFetch();
    const storage = createMemoryStorage();
    const client = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch, storage });
    const session = await client.tokenPair.login(ETHAN);
    const first = session.state;
    expect(await storage.get()).toEqual(first);
    await sleepUntil(session.expiresAt?.getTime());
    const response = await session.fetch(ME);
    expect(response.status).toBe(200);
    await response.body?.cancel();
    expect(counter.count('POST', REFRESH)).toBe(1);
    expect(session.state.token).not.toBe(first.token);
    expect(session.state.refreshToken).not.toBe(first.refreshToken);
    expect(await storage.get()).toEqual(session.state);
    // No request went out with the expired token: the refresh came first.
    expect(counter.calls.filter((call) => call.path === ME).map((call) => call.status)).toEqual([200]);
  });

  it('20 concurrent calls at expiry share ONE refresh, and the family stays alive', async () => {
    const counter = countingFetch();
    const client = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch });
    const session = await client.tokenPair.login(ETHAN);
    const before = session.state.refreshToken;
    await sleepUntil(session.expiresAt?.getTime());
    const responses = await Promise.all(Array.from({ length: 20 }, () => session.fetch(ME)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    await Promise.all(responses.map((response) => response.body?.cancel()));
    expect(counter.count('POST', REFRESH)).toBe(1);
    expect(session.state.refreshToken).not.toBe(before);
    // Reuse detection was never triggered: no refusal at all, and the family refreshes again.
    expect(counter.calls.filter((call) => call.status !== 200)).toEqual([]);
    await session.refresh();
    expect(counter.count('POST', REFRESH)).toBe(2);
    expect((await session.json<Me>(ME)).email).toBe(ETHAN.username);
  });

  it('a 401 token_expired is refreshed once and retried once; concurrent 401s share one refresh', async () => {
    // A clock 10 s slow: the client believes the token valid, the server says it expired.
    const counter = countingFetch();
    const client = createTollgateClient({
      baseUrl: server.url,
      fetch: counter.fetch,
      clock: () => Date.now() - 10_000,
    });
    const session = await client.tokenPair.login(ETHAN);
    await sleepUntil(session.expiresAt?.getTime());
    // 19 GETs and one POST with a JSON body (replayed on the retry).
    const post = () =>
      session.fetch('/api/v2/brands/', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'retried' }),
      });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i === 7 ? post() : session.fetch(ME))),
    );
    expect(responses.map((response) => response.status)).toEqual(
      Array.from({ length: 20 }, (_, i) => (i === 7 ? 201 : 200)),
    );
    expect(await responses[7]?.json()).toMatchObject({ created: 'brand' });
    await Promise.all(responses.map((response) => (response.bodyUsed ? undefined : response.body?.cancel())));
    expect(counter.count('POST', REFRESH)).toBe(1);
    const meCalls = counter.calls.filter((call) => call.path === ME);
    expect(meCalls).toHaveLength(38); // each call once with the old token, once retried
    expect(meCalls.filter((call) => call.status === 401)).toHaveLength(19);
    expect(
      counter.calls.filter((call) => call.path === '/api/v2/brands/').map((call) => call.status),
    ).toEqual([401, 201]);
    await session.refresh(); // the family is alive
  });

  it('two sessions sharing one storage (two tabs) never present the same refresh token', async () => {
    const counter = countingFetch();
    const storage = createMemoryStorage();
    const tabA = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch, storage });
    const tabB = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch, storage });
    const a = await tabA.tokenPair.login(ETHAN);
    const b = (await tabB.resume()) as TokenPairSession;
    expect(b.state).toEqual(a.state);
    await sleepUntil(a.expiresAt?.getTime());
    expect((await a.fetch(ME)).status).toBe(200);
    expect((await b.fetch(ME)).status).toBe(200); // adopts the pair tab A stored
    expect(counter.count('POST', REFRESH)).toBe(1);
    expect(b.state).toEqual(a.state);
  });

  it('presenting a rotated refresh token revokes the family: refresh_token_reused, then token_revoked', async () => {
    const client = createTollgateClient({ baseUrl: server.url });
    const session = await client.tokenPair.login(ETHAN);
    const rotated = session.state.refreshToken;
    await session.refresh();
    const reused = await expectRefused(client.tokenPair.refresh(rotated));
    expect(reused).toMatchObject({
      status: 401,
      code: 'refresh_token_reused',
      errorCode: 'AUTH_1005',
      body: {
        errorCode: 'AUTH_1005',
        errorMessage: 'Refresh token reused; the session has been revoked',
        content: '',
        pageable: '',
      },
      route: 'POST /api/v2/auth/token/refresh',
    });
    const revoked = await expectRefused(session.refresh());
    expect(revoked).toMatchObject({ status: 401, code: 'token_revoked', errorCode: 'AUTH_1004' });
    expect(session.ended).toBe(true);
    const ended = await expectRefused(session.fetch(ME));
    expect(ended).toMatchObject({ code: 'session_ended', local: true });
    expect((ended.cause as TollgateClientError).code).toBe('token_revoked');
  });

  it('logout revokes the family on the server and clears the storage', async () => {
    const storage = createMemoryStorage();
    const client = createTollgateClient({ baseUrl: server.url, storage });
    const session = await client.tokenPair.login(ETHAN);
    const { refreshToken } = session.state;
    await session.logout();
    expect(await storage.get()).toBeNull();
    expect(await client.resume()).toBeNull();
    expect(await expectRefused(client.tokenPair.refresh(refreshToken))).toMatchObject({
      code: 'token_revoked',
    });
    expect(await expectRefused(session.fetch(ME))).toMatchObject({ code: 'session_ended' });
  });

  it('sends credentials only to the server origin', async () => {
    const client = createTollgateClient({ baseUrl: server.url });
    const session = await client.tokenPair.login(ETHAN);
    await expect(session.fetch('https://elsewhere.example/api')).rejects.toThrow(TypeError);
  });
});

describe.concurrent('JWT sessions (no refresh)', () => {
  it('send `Authorization: JWT`, and report expiry as a typed, local token_expired', async () => {
    const counter = countingFetch();
    const client = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch });
    const session = await client.uatJwt.login({ email: ETHAN.username, password: ETHAN.password });
    expect((await client.uatJwt.me(session)).authenticatedBy).toBe('JWT');
    expect(counter.calls.at(-1)?.scheme).toBe('JWT');
    await sleepUntil(session.expiresAt?.getTime());
    const sent = counter.calls.length;
    const expired = await expectRefused(session.fetch(ME));
    expect(expired).toMatchObject({ code: 'token_expired', status: 401, local: true });
    expect(counter.calls).toHaveLength(sent); // refused before sending
    expect('refresh' in session).toBe(false);
  });
});
