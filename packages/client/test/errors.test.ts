import { ERROR_CATALOGUE } from '@tollgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CATALOGUE_CODES,
  type CatalogueCode,
  createTollgateClient,
  raiseForStatus,
  type TollgateClient,
  TollgateClientError,
} from '../src/index.js';
import {
  AVA,
  BOB,
  DOMAIN_ADMIN,
  ETHAN,
  ROOT,
  sleepUntil,
  startTestServer,
  type TestServer,
} from './helpers.js';

// Every code of the catalogue the contract can produce, provoked on the real example and
// surfaced as a typed TollgateClientError — through the client's own calls where it makes them,
// through `raiseForStatus` on a plain `fetch` for requests a client would never build.

let server: TestServer;
let short: TestServer; // 1-second user and access tokens, for server-side expiry
let client: TollgateClient;
beforeAll(async () => {
  [server, short] = await Promise.all([startTestServer(), startTestServer({ userToken: 1, accessToken: 1 })]);
  client = createTollgateClient({ baseUrl: server.url });
});
afterAll(async () => {
  await Promise.all([server.close(), short.close()]);
});

async function refused(promise: Promise<unknown>): Promise<TollgateClientError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TollgateClientError);
  return error as TollgateClientError;
}

const raw = async (path: string, init?: RequestInit) =>
  refused(raiseForStatus(await fetch(`${server.url}${path}`, init)));
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);
const jwt = (account: { username: string; password: string }) =>
  client.uatJwt.login({ email: account.username, password: account.password });

type Producer = () => Promise<TollgateClientError>;

/** For each code: how to provoke it, the status, and the scheme C `errorCode` when it comes from there. */
const PRODUCERS: Record<CatalogueCode, [Producer, number, string?] | { readonly notProducible: string }> = {
  credentials_missing: [() => raw('/api/v2/me/'), 401],
  invalid_credentials: [
    () => refused(client.tokenPair.login({ ...ETHAN, password: 'wrong' })),
    401,
    'AUTH_1001',
  ],
  invalid_token: [
    async () => refused(client.uatJwt.me(await client.uatJwt.useUat(`tgu_${'A'.repeat(38)}`))),
    401,
  ],
  token_expired: [
    async () => {
      const own = createTollgateClient({ baseUrl: short.url });
      const session = await own.userTokens.login(ETHAN);
      await sleepUntil(session.expiresAt?.getTime());
      return refused(own.userTokens.refresh(session.state.token));
    },
    401,
  ],
  token_not_yet_valid: { notProducible: 'the server never issues a token with a future nbf' },
  token_revoked: [
    async () => {
      const session = await client.tokenPair.login(ETHAN);
      const { refreshToken } = session.state;
      await session.logout();
      return refused(client.tokenPair.refresh(refreshToken));
    },
    401,
    'AUTH_1004',
  ],
  refresh_token_reused: [
    async () => {
      const session = await client.tokenPair.login(ETHAN);
      const { refreshToken } = session.state;
      await session.refresh();
      return refused(client.tokenPair.refresh(refreshToken));
    },
    401,
    'AUTH_1005',
  ],
  session_expired: {
    notProducible:
      'tokens are capped at the session end, so an expired session answers token_expired first (see report)',
  },
  wrong_token_kind: [
    async () => refused(client.tokenPair.refresh((await client.tokenPair.login(ETHAN)).state.token)),
    401,
    'AUTH_1003',
  ],
  unsupported_scheme: [
    async () => {
      const pair = await client.tokenPair.login(ETHAN);
      const created = await client.uatJwt.createToken(pair, {
        name: 'u',
        expiresAt: inDays(1),
        permissions: ['brand_create'],
      });
      return refused(client.uatJwt.listTokens(await client.uatJwt.useUat(created.token)));
    },
    401,
  ],
  ambiguous_credentials: [
    async () => {
      const a = await client.tokenPair.login(ETHAN);
      const b = await client.tokenPair.login(AVA);
      return raw('/api/v2/me/', {
        headers: { authorization: `Bearer ${a.state.token}`, cookie: `tollgate_session=${b.state.token}` },
      });
    },
    400,
  ],
  malformed_request: [
    () => refused(client.tokenPair.login({ username: '', password: '' })),
    400,
    'AUTH_1002',
  ],
  payload_too_large: [
    () =>
      raw('/api/v2/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'x'.repeat(70_000), password: 'y' }),
      }),
    413,
    'AUTH_1006',
  ],
  unsupported_media_type: [
    () =>
      raw('/api/v2/auth/jwt/', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'email=x',
      }),
    415,
  ],
  method_not_allowed: [() => raw('/API3/authentication/authenticateUserByToken'), 405],
  csrf_origin_mismatch: [
    async () => {
      const root = await client.tokenPair.login(ROOT);
      const token = await client.delegatedLogin.authenticateUserByToken({
        admin: root,
        domain: 'datastore',
        userIdentity: ETHAN.username,
      });
      return raw('/api/v2/brands/', {
        method: 'POST',
        headers: { cookie: `tollgate_session=${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
    },
    403,
  ],
  invalid_permission: [
    async () =>
      refused(
        client.uatJwt.createToken(await jwt(ETHAN), {
          name: 'x',
          expiresAt: inDays(1),
          permissions: ['nope'],
        }),
      ),
    400,
  ],
  invalid_expiry: [
    async () =>
      refused(
        client.uatJwt.createToken(await jwt(ETHAN), {
          name: 'x',
          expiresAt: inDays(-1),
          permissions: ['brand_create'],
        }),
      ),
    400,
  ],
  insufficient_permission: [
    async () => refused((await jwt(AVA)).json('/api/v2/brands/', { method: 'POST', json: {} })),
    403,
  ],
  role_required: [
    async () =>
      refused(
        client.uatJwt.createToken(await jwt(AVA), {
          name: 'x',
          expiresAt: inDays(1),
          permissions: ['scans_download'],
        }),
      ),
    403,
  ],
  environment_required: [
    async () => refused((await client.userTokens.login(ETHAN)).currentEnvironment()),
    403,
  ],
  environment_not_allowed: [
    async () => refused((await client.userTokens.login(AVA)).selectEnvironment(() => 'production')),
    403,
  ],
  administrator_not_allowed: [() => refused(client.userTokens.login(ROOT)), 403],
  not_an_administrator: [
    async () =>
      refused(client.userTokens.issue(await client.tokenPair.login(ETHAN), { username: AVA.username })),
    403,
  ],
  outside_domain: [
    async () =>
      refused(
        client.delegatedLogin.authenticateUserByToken({
          admin: await client.tokenPair.login(DOMAIN_ADMIN),
          domain: 'acme',
          userIdentity: BOB.username,
        }),
      ),
    403,
  ],
  delegated_token_not_allowed: [
    async () => {
      const root = await client.tokenPair.login(ROOT);
      const delegated = await client.delegatedLogin.login({
        admin: root,
        domain: 'datastore',
        userIdentity: ETHAN.username,
      });
      return refused(
        client.uatJwt.createToken(delegated, {
          name: 'x',
          expiresAt: inDays(1),
          permissions: ['brand_create'],
        }),
      );
    },
    403,
  ],
  unknown_user: [
    async () =>
      refused(
        client.userTokens.issue(await client.tokenPair.login(ROOT), { username: 'ghost@datastoreltd.biz' }),
      ),
    404,
  ],
  not_found: [
    async () => refused(client.uatJwt.revokeToken(await jwt(ETHAN), '00000000-0000-4000-8000-00000000beef')),
    404,
  ],
  user_exists: { notProducible: 'no HTTP route creates users (the CLI reports it: cli-users.test.ts)' },
  not_supported: {
    notProducible: 'the example serves no sessions profile (sessions-client.test.ts provokes it)',
  },
  rate_limited: { notProducible: 'the examples mount no rate limiter' },
  login_overloaded: {
    notProducible:
      'needs more concurrent logins than hashing slots and queue (examples/express login-overload test)',
  },
  store_unavailable: { notProducible: 'needs a store that cannot be reached' },
  internal_error: { notProducible: 'an unexpected server failure; none is reachable on purpose' },
};

describe('the error catalogue', () => {
  it('the client knows exactly the server catalogue', () => {
    expect([...CATALOGUE_CODES].sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
  });

  const producible = Object.entries(PRODUCERS).flatMap(([code, entry]) =>
    Array.isArray(entry) ? [[code, ...entry] as [string, Producer, number, string?]] : [],
  );

  it.concurrent.each(producible)(
    '%s: typed, with status and (scheme C) errorCode',
    async (code, produce, status, errorCode) => {
      const error = await produce();
      expect(error.code).toBe(code);
      expect(error.status).toBe(status);
      expect(error.errorCode).toBe(errorCode);
      expect(error.local).toBe(false);
      expect(error.body).not.toBeNull();
      if (errorCode) expect(error.body).toMatchObject({ errorCode, content: '', pageable: '' });
    },
  );

  it('lists what the contract cannot produce on the example', () => {
    const unproducible = Object.entries(PRODUCERS)
      .filter(([, entry]) => !Array.isArray(entry))
      .map(([code]) => code);
    expect(unproducible.sort()).toEqual(
      [
        'internal_error',
        'login_overloaded',
        'not_supported',
        'rate_limited',
        'session_expired',
        'store_unavailable',
        'token_not_yet_valid',
        'user_exists',
      ].sort(),
    );
  });

  it('past the absolute session lifetime a pair refresh answers token_expired (AUTH_1003)', async () => {
    const own = await startTestServer({ accessToken: 1, session: 1 });
    try {
      const pairs = createTollgateClient({ baseUrl: own.url });
      const session = await pairs.tokenPair.login(ETHAN);
      // The family's absolute end is the server's login time + 1 s: before this answer + 1 s.
      await sleepUntil(Math.max(Date.now() + 1000, session.expiresAt!.getTime()));
      const error = await refused(session.refresh());
      expect(error).toMatchObject({ status: 401, code: 'token_expired', errorCode: 'AUTH_1003' });
      expect(session.ended).toBe(true);
    } finally {
      await own.close();
    }
  });
});

describe('reading errors without the Tollgate-Error-Code header (a proxy dropped it)', () => {
  const response = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it.each([
    [401, { code: 'token_revoked', message: 'The token has been revoked.' }, 'token_revoked'],
    [
      401,
      { errorCode: 'AUTH_1005', errorMessage: 'Refresh token reused', content: '', pageable: '' },
      'refresh_token_reused',
    ],
    [
      401,
      { errorCode: 'AUTH_1001', errorMessage: 'Invalid credentials', content: '', pageable: '' },
      'invalid_credentials',
    ],
    [401, { detail: 'Authentication credentials were not provided.' }, 'credentials_missing'],
    [403, { detail: 'You do not have permission to perform this action.' }, 'insufficient_permission'],
    [400, { non_field_errors: ['Unable to login with provided credentials.'] }, 'invalid_credentials'],
    [400, { email: ['This field is required.'] }, 'malformed_request'],
    [503, { detail: 'down' }, 'store_unavailable'],
    [418, 'short and stout', 'unknown_error'],
  ] as const)('%i %j → %s', async (status, body, code) => {
    const error = await TollgateClientError.fromResponse(response(status, body));
    expect(error).toMatchObject({ status, code, body });
  });

  it('prefers the header, and keeps the AUTH code and field messages', async () => {
    const error = await TollgateClientError.fromResponse(
      new Response(JSON.stringify({ email: ['This field is required.'] }), {
        status: 400,
        headers: { 'content-type': 'application/json', 'tollgate-error-code': 'malformed_request' },
      }),
    );
    expect(error).toMatchObject({
      code: 'malformed_request',
      fields: { email: ['This field is required.'] },
    });
    expect(error.message).toBe('email: This field is required.');
  });
});
