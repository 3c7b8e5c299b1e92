import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMemoryStorage,
  createTollgateClient,
  type Environment,
  TollgateClientError,
} from '../src/index.js';
import {
  AVA,
  BOB,
  countingFetch,
  DOMAIN_ADMIN,
  ETHAN,
  ROOT,
  sleepUntil,
  startTestServer,
  type TestServer,
} from './helpers.js';

// Scheme A against the real example. Tokens live for the default hour: when a session refreshes is
// decided by the client's clock, which the refresh tests move (no test races the server's clock).
// Only the expiry test needs the server itself to find a token expired: a second server with
// 2-second tokens, waited out in full.

let server: TestServer;
let shortLived: TestServer;
beforeAll(async () => {
  [server, shortLived] = await Promise.all([
    startTestServer(),
    startTestServer({ accessToken: 2, userToken: 2 }),
  ]);
});
afterAll(() => Promise.all([server.close(), shortLived.close()]));

/** A client clock that stands still until moved. */
function manualClock() {
  let now = Date.now();
  return {
    clock: () => now,
    /**
     * Into the refresh window of a token expiring at `expiresAt`, `msBefore` it (the window is 30 s
     * before expiry, or half the lifetime the client saw, whichever is shorter).
     */
    dueFor(expiresAt: Date | null, msBefore: number) {
      if (expiresAt === null) throw new Error('no expiry');
      now = expiresAt.getTime() - msBefore;
    },
  };
}

const REFRESH = /^\/Authentication\/refresh\//;

async function refused(promise: Promise<unknown>): Promise<TollgateClientError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TollgateClientError);
  return error as TollgateClientError;
}

describe.concurrent('environments', () => {
  it('selectEnvironment: temporary token → its environments → refresh into the chosen one', async () => {
    const counter = countingFetch();
    const client = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch });
    let offered: readonly Environment[] = [];
    const session = await client.userTokens.selectEnvironment(ETHAN, (environments) => {
      offered = environments;
      return 'staging';
    });
    expect(offered).toEqual([
      { id: 'production', name: 'Production' },
      { id: 'staging', name: 'Staging' },
    ]);
    expect(session.environment).toBe('staging');
    expect(
      counter.calls.map(
        (call) =>
          `${call.method} ${call.path.replace(/^(\/Authentication\/(?:refresh|token)\/)[^/]+/, '$1…')}`,
      ),
    ).toEqual([
      'POST /Authentication',
      'GET /Authentication/token/…/Environments',
      'GET /Authentication/refresh/…',
    ]);
    expect(await session.currentEnvironment()).toEqual({ environment: 'staging', user: ETHAN.username });
    expect(counter.calls.at(-1)?.scheme).toBe('Bearer');
  });

  it('switchEnvironment moves the session, and session.environment follows', async () => {
    const storage = createMemoryStorage();
    const client = createTollgateClient({ baseUrl: server.url, storage });
    const session = await client.userTokens.login({ ...ETHAN, environment: 'production' });
    expect(session.environment).toBe('production');
    expect((await session.currentEnvironment()).environment).toBe('production');
    await session.switchEnvironment('staging');
    expect(session.environment).toBe('staging');
    expect((await session.currentEnvironment()).environment).toBe('staging');
    expect(await storage.get()).toMatchObject({ scheme: 'user', environment: 'staging' });
  });

  it('ava may use staging only: production surfaces environment_not_allowed and the session keeps its token', async () => {
    const client = createTollgateClient({ baseUrl: server.url });
    const session = await client.userTokens.login(AVA);
    expect(session.environment).toBeNull();
    expect(await session.environments()).toEqual([{ id: 'staging', name: 'Staging' }]);
    const error = await refused(session.selectEnvironment(() => 'production'));
    expect(error).toMatchObject({
      status: 403,
      code: 'environment_not_allowed',
      body: { code: 'environment_not_allowed', message: 'The user may not use this environment.' },
    });
    expect(session.ended).toBe(false);
    expect(session.environment).toBeNull();
    expect(await refused(session.currentEnvironment())).toMatchObject({
      status: 403,
      code: 'environment_required',
    });
    expect(await session.selectEnvironment((environments) => environments[0]!)).toBe('staging');
    expect(session.environment).toBe('staging');
    expect(await refused(client.userTokens.login({ ...AVA, environment: 'production' }))).toMatchObject({
      code: 'environment_not_allowed',
    });
  });
});

describe.concurrent('refresh', () => {
  it('refreshes ahead of expiry on use, keeping the environment', async () => {
    const counter = countingFetch();
    const time = manualClock();
    const client = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch, clock: time.clock });
    const session = await client.userTokens.login({ ...ETHAN, environment: 'production' });
    const first = session.state.token;
    expect((await session.currentEnvironment()).environment).toBe('production');
    expect(counter.count('GET', REFRESH)).toBe(0);

    // 10 s before expiry: due. The new token's lifetime, seen from there, is about 10 s.
    time.dueFor(session.expiresAt, 10_000);
    expect((await session.currentEnvironment()).environment).toBe('production');
    expect(counter.count('GET', REFRESH)).toBe(1);
    const second = session.state.token;
    expect(second).not.toBe(first);
    // Not due again until the clock reaches the new token's window.
    await session.currentEnvironment();
    expect(counter.count('GET', REFRESH)).toBe(1);

    time.dueFor(session.expiresAt, 1000);
    expect((await session.currentEnvironment()).environment).toBe('production');
    expect(counter.count('GET', REFRESH)).toBe(2);
    expect(session.state.token).not.toBe(second);
    expect(counter.calls.filter((call) => call.status !== 200)).toEqual([]);
    expect(session.environment).toBe('production');
  });

  it('20 concurrent calls when the token is due share ONE refresh', async () => {
    const counter = countingFetch();
    const time = manualClock();
    const client = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch, clock: time.clock });
    const session = await client.userTokens.login({ ...ETHAN, environment: 'staging' });
    time.dueFor(session.expiresAt, 10_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => session.currentEnvironment()));
    expect(results.every((result) => result.environment === 'staging')).toBe(true);
    expect(counter.count('GET', REFRESH)).toBe(1);
  });

  it('an idle session past expiry cannot refresh (the API refuses expired user tokens): typed token_expired', async () => {
    const storage = createMemoryStorage();
    const client = createTollgateClient({ baseUrl: shortLived.url, storage });
    const session = await client.userTokens.login({ ...ETHAN, environment: 'production' });
    await sleepUntil(session.expiresAt?.getTime());
    const error = await refused(session.currentEnvironment());
    expect(error).toMatchObject({
      status: 401,
      code: 'token_expired',
      route: 'GET /Authentication/refresh/{token}',
    });
    expect(error.message).not.toContain(session.state.token);
    expect(session.ended).toBe(true);
    expect(await storage.get()).toBeNull();
  });
});

describe.concurrent('logins and issued tokens', () => {
  it('password login refusals: invalid_credentials (same for an unknown user), administrator_not_allowed', async () => {
    const client = createTollgateClient({ baseUrl: server.url });
    const wrong = await refused(client.userTokens.login({ ...ETHAN, password: 'nope' }));
    expect(wrong).toMatchObject({
      status: 401,
      code: 'invalid_credentials',
      body: { code: 'invalid_credentials', message: 'Invalid credentials.' },
    });
    const unknown = await refused(client.userTokens.login({ username: 'who@nowhere.test', password: 'x' }));
    expect(unknown).toMatchObject({ status: 401, code: 'invalid_credentials', body: wrong.body });
    expect(await refused(client.userTokens.login(ROOT))).toMatchObject({
      status: 403,
      code: 'administrator_not_allowed',
    });
  });

  it('an administrator issues user tokens through its token-pair session', async () => {
    const client = createTollgateClient({ baseUrl: server.url });
    const root = await client.tokenPair.login(ROOT);
    const issued = await client.userTokens.issue(root, {
      username: ETHAN.username,
      environment: 'production',
    });
    expect(issued.environment).toBe('production');
    expect(await issued.currentEnvironment()).toEqual({ environment: 'production', user: ETHAN.username });
    // The issued session has its own storage: the admin's stays where it was.
    expect(issued.state.token).not.toBe(root.state.token);

    // A JWT login's access token works too (sent as Bearer, the only scheme this route takes).
    const rootJwt = await client.uatJwt.login({ email: ROOT.username, password: ROOT.password });
    expect(
      (await client.userTokens.issue(rootJwt, { username: AVA.username, environment: 'staging' }))
        .environment,
    ).toBe('staging');
    expect(
      (await client.userTokens.issue(rootJwt.state.token, { username: AVA.username })).environment,
    ).toBeNull();

    const domainAdmin = await client.tokenPair.login(DOMAIN_ADMIN);
    expect((await client.userTokens.issue(domainAdmin, { username: AVA.username })).environment).toBeNull();
    // Outside its domain, a user is answered as unknown: the domain admin learns nothing about them.
    expect(await refused(client.userTokens.issue(domainAdmin, { username: BOB.username }))).toMatchObject({
      status: 404,
      code: 'unknown_user',
    });
    expect(
      await refused(client.userTokens.issue(root, { username: 'ghost@datastoreltd.biz' })),
    ).toMatchObject({
      status: 404,
      code: 'unknown_user',
    });
    expect(await refused(client.userTokens.issue(root, { username: DOMAIN_ADMIN.username }))).toMatchObject({
      status: 403,
      code: 'administrator_not_allowed',
    });
    const ethan = await client.tokenPair.login(ETHAN);
    expect(await refused(client.userTokens.issue(ethan, { username: AVA.username }))).toMatchObject({
      status: 403,
      code: 'not_an_administrator',
    });
    expect(
      await refused(client.userTokens.issue(root, { username: AVA.username, environment: 'production' })),
    ).toMatchObject({
      code: 'environment_not_allowed',
    });
  });

  it('raw refresh and environments calls, and their refusals', async () => {
    const client = createTollgateClient({ baseUrl: server.url });
    const session = await client.userTokens.login(BOB);
    const refreshed = await client.userTokens.refresh(session.state.token, 'production');
    expect(refreshed.environment).toBe('production');
    expect(await client.userTokens.environments(refreshed.token)).toEqual([
      { id: 'production', name: 'Production' },
    ]);
    expect(await refused(client.userTokens.environments('not-a-token'))).toMatchObject({
      status: 401,
      code: 'invalid_token',
    });
  });
});
