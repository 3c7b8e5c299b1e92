/**
 * Scheme C over HTTP (CONTRACT.md "token pair"): login, refresh (rotation, reuse), revoke, in the
 * token-pair API's envelope, with every documented refusal.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNTS,
  bodyOf,
  type DemoAccount,
  expectCacheable,
  expectNoStore,
  expectRefusal,
  get,
  type HttpDemo,
  httpDemo,
  login,
  post,
  serve,
} from './fixtures.js';

const { ethan, bob, root } = ACCOUNTS;
const ORG_DATASTORE = 'e7fcef24-5c03-41dd-9e33-995b7d6f47a7';

let d: HttpDemo;
beforeAll(async () => {
  d = await httpDemo({ profiles: ['token-pair', 'uat-jwt'] });
});

const envelopeError = (errorCode: string, errorMessage: string) => ({
  errorCode,
  errorMessage,
  content: '',
  pageable: '',
});

interface Pair {
  customerId: string;
  token: string;
  refreshToken: string;
  validityTime: number;
}

async function pairOf(account: DemoAccount = ethan): Promise<Pair> {
  const response = await serve(d.http, post('/api/v2/auth/token', login(account)));
  expect(response.status).toBe(200);
  return (bodyOf(response) as { content: [Pair] }).content[0];
}

const refresh = (refreshToken: unknown) =>
  serve(d.http, post('/api/v2/auth/token/refresh', { refreshToken }));

describe('POST /api/v2/auth/token', () => {
  it('200: the pair in the envelope, never cached', async () => {
    const response = await serve(d.http, post('/api/v2/auth/token', login(ethan)));
    expect(response.status).toBe(200);
    expectNoStore(response);
    expect(bodyOf(response)).toEqual({
      errorCode: '',
      errorMessage: '',
      content: [
        {
          customerId: ORG_DATASTORE,
          token: expect.any(String),
          refreshToken: expect.any(String),
          validityTime: 3600,
        },
      ],
      pageable: { page: 0, size: 10, totalPages: 1, totalElements: 1 },
    });
  });

  it('an administrator may log in here; its access token is a Bearer credential', async () => {
    const pair = await pairOf(root);
    const me = await serve(d.http, get('/api/v2/me/', { authorization: `Bearer ${pair.token}` }));
    expect(bodyOf(me)).toMatchObject({ email: root.username, authenticatedBy: 'Bearer' });
  });

  it('401 AUTH_1001: bad credentials (an unknown user alike)', async () => {
    const wrong = await serve(d.http, post('/api/v2/auth/token', { ...login(ethan), password: 'nope' }));
    expectRefusal(wrong, 401, 'invalid_credentials', envelopeError('AUTH_1001', 'Invalid credentials'));
    expectNoStore(wrong);
    const unknown = await serve(
      d.http,
      post('/api/v2/auth/token', { username: 'who@x.test', password: 'nope' }),
    );
    expect(unknown).toEqual(wrong);
  });

  it('400 AUTH_1002: a malformed body, in the same envelope', async () => {
    expectRefusal(
      await serve(d.http, post('/api/v2/auth/token', { username: ethan.username })),
      400,
      'malformed_request',
      envelopeError('AUTH_1002', 'Malformed request'),
    );
  });

  it('429 AUTH_1029 with Retry-After once the login limit is reached', async () => {
    const limited = await httpDemo(
      { profiles: ['token-pair'] },
      {
        options: {
          loginLimits: { perIp: false, perAccount: { maxFailures: 1, windowSeconds: 60, blockSeconds: 60 } },
        },
      },
    );
    const wrong = post('/api/v2/auth/token', { ...login(bob), password: 'nope' });
    expect((await serve(limited.http, wrong)).status).toBe(401);
    const refused = await serve(
      limited.http,
      post('/api/v2/auth/token', { ...login(bob), password: 'nope' }),
    );
    expectRefusal(refused, 429, 'rate_limited', envelopeError('AUTH_1029', 'Too many attempts'));
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('POST /api/v2/auth/token/refresh', () => {
  it('200: a new pair (rotation), never cached', async () => {
    const first = await pairOf();
    const response = await refresh(first.refreshToken);
    expect(response.status).toBe(200);
    expectNoStore(response);
    const next = (bodyOf(response) as { content: [Pair] }).content[0];
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect(next.token).not.toBe(first.token);
  });

  it('401 AUTH_1005: a rotated refresh token again, which revokes the whole family', async () => {
    const first = await pairOf();
    const second = (bodyOf(await refresh(first.refreshToken)) as { content: [Pair] }).content[0];
    // Past the reuse interval (10 s), in which a second presentation would be taken as a retry.
    d.clock.advance(10_000);
    const reused = await refresh(first.refreshToken);
    expectRefusal(
      reused,
      401,
      'refresh_token_reused',
      envelopeError('AUTH_1005', 'Refresh token reused; the session has been revoked'),
    );
    expectNoStore(reused);
    // The family is gone: the live refresh token and the access tokens descended from the login.
    expectRefusal(
      await refresh(second.refreshToken),
      401,
      'token_revoked',
      envelopeError('AUTH_1004', 'Refresh token revoked'),
    );
    const me = await serve(d.http, get('/api/v2/me/', { authorization: `Bearer ${second.token}` }));
    expect(me.status).toBe(401);
  });

  it('401 AUTH_1003: an unknown refresh token', async () => {
    expectRefusal(
      await refresh('rt_unknown'),
      401,
      'invalid_token',
      envelopeError('AUTH_1003', 'Invalid or expired refresh token'),
    );
  });

  it('400 AUTH_1002: no refresh token', async () => {
    expectRefusal(
      await refresh(undefined),
      400,
      'malformed_request',
      envelopeError('AUTH_1002', 'Malformed request'),
    );
  });
});

describe('POST /api/v2/auth/token/revoke', () => {
  it('204 without a body: the family is logged out; an unknown token is 204 too', async () => {
    const pair = await pairOf();
    const response = await serve(
      d.http,
      post('/api/v2/auth/token/revoke', { refreshToken: pair.refreshToken }),
    );
    expect(response).toEqual({ status: 204, headers: {}, body: null });
    expectCacheable(response);
    expect((await refresh(pair.refreshToken)).status).toBe(401);
    expect(
      (await serve(d.http, post('/api/v2/auth/token/revoke', { refreshToken: 'rt_unknown' }))).status,
    ).toBe(204);
  });

  it('400 AUTH_1002: a malformed body', async () => {
    expectRefusal(
      await serve(d.http, post('/api/v2/auth/token/revoke', {})),
      400,
      'malformed_request',
      envelopeError('AUTH_1002', 'Malformed request'),
    );
  });
});
