/**
 * Scheme A over HTTP (CONTRACT.md "user tokens and environments"): every route of the `user-tokens`
 * profile, its success and each documented refusal, driven through `handle()` with plain requests.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIFETIMES } from '../helpers/internals.js';
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
  JSON_TYPE,
  login,
  MESSAGES,
  plain,
  post,
  postParsed,
  serve,
  tampered,
} from './fixtures.js';

const { ethan, ava, bob, domainAdmin, root } = ACCOUNTS;

let d: HttpDemo;
beforeAll(async () => {
  d = await httpDemo({ profiles: ['user-tokens'] });
});

const q = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

interface UserTokenBody {
  token: string;
  environment: string | null;
  expiresAt: string;
}

async function userToken(account: DemoAccount = ethan, environment?: string): Promise<string> {
  const response = await serve(d.http, post('/Authentication', { ...login(account), environment }));
  expect(response.status).toBe(200);
  return (bodyOf(response) as UserTokenBody).token;
}

const adminAccess = async (account: DemoAccount = root) => (await d.tg.tokenPair.login(login(account))).token;

describe('GET /Authentication (password login in the query)', () => {
  it('200: a user token bound to no environment, never cached', async () => {
    const response = await serve(d.http, get(`/Authentication?${q(login(ethan))}`));
    expect(response.status).toBe(200);
    expectNoStore(response);
    expect(bodyOf(response)).toEqual({
      token: expect.any(String),
      environment: null,
      expiresAt: new Date(d.clock.now() + DEFAULT_LIFETIMES.userToken * 1000).toISOString(),
    });
  });

  it('200: bound to the environment asked for', async () => {
    const response = await serve(
      d.http,
      get(`/Authentication?${q({ ...login(ethan), environment: 'staging' })}`),
    );
    expect(bodyOf(response)).toMatchObject({ environment: 'staging' });
    const token = (bodyOf(response) as UserTokenBody).token;
    const principal = await d.tg.requirePrincipal({ authorization: `Bearer ${token}` });
    expect(principal).toMatchObject({ username: ethan.username, environment: 'staging', tokenKind: 'user' });
  });

  it('401: a wrong password and an unknown user get the same answer', async () => {
    const wrong = await serve(
      d.http,
      get(`/Authentication?${q({ username: ethan.username, password: 'nope' })}`),
    );
    const unknown = await serve(
      d.http,
      get(`/Authentication?${q({ username: 'nobody@datastoreltd.biz', password: 'nope' })}`),
    );
    expectRefusal(
      wrong,
      401,
      'invalid_credentials',
      plain('invalid_credentials', MESSAGES.invalid_credentials),
    );
    expect(unknown).toEqual(wrong);
    expectNoStore(wrong);
  });

  it('403: an administrator, and an environment the user may not use', async () => {
    expectRefusal(
      await serve(d.http, get(`/Authentication?${q(login(root))}`)),
      403,
      'administrator_not_allowed',
      plain(
        'administrator_not_allowed',
        'This is for customer-associated users only, not for administrators.',
      ),
    );
    expectRefusal(
      await serve(d.http, get(`/Authentication?${q({ ...login(ava), environment: 'production' })}`)),
      403,
      'environment_not_allowed',
      plain('environment_not_allowed', 'The user may not use this environment.'),
    );
  });

  it('400: a missing field, an empty environment, a repeated parameter', async () => {
    expectRefusal(
      await serve(d.http, get(`/Authentication?${q({ username: ethan.username })}`)),
      400,
      'malformed_request',
      {
        code: 'malformed_request',
        message: 'The request query is invalid.',
        fields: { password: ['This field is required.'] },
      },
    );
    const empty = await serve(d.http, get(`/Authentication?${q({ ...login(ethan), environment: '' })}`));
    expectRefusal(empty, 400, 'malformed_request');
    expect(bodyOf(empty)).toMatchObject({ fields: { environment: [expect.any(String)] } });
    const repeated = await serve(
      d.http,
      get(`/Authentication?${q(login(ethan))}&environment=staging&environment=production`),
    );
    expectRefusal(repeated, 400, 'malformed_request', {
      code: 'malformed_request',
      message: 'A query parameter is repeated.',
      fields: { environment: ['This parameter may appear only once.'] },
    });
  });
});

describe('POST /Authentication (password login in a JSON body)', () => {
  it('200: the same body as the GET, never cached; environment may be null', async () => {
    const response = await serve(
      d.http,
      post('/Authentication', { ...login(bob), environment: 'production' }),
    );
    expect(response.status).toBe(200);
    expectNoStore(response);
    expect(bodyOf(response)).toMatchObject({ environment: 'production', token: expect.any(String) });
    const none = await serve(d.http, post('/Authentication', { ...login(bob), environment: null }));
    expect(bodyOf(none)).toMatchObject({ environment: null });
  });

  it('takes the body an app parser already parsed', async () => {
    const response = await serve(d.http, postParsed('/Authentication', login(ava)));
    expect(response.status).toBe(200);
  });

  it('401, 403 and 400 as the GET', async () => {
    expectRefusal(
      await serve(d.http, post('/Authentication', { ...login(ethan), password: 'nope' })),
      401,
      'invalid_credentials',
    );
    expectRefusal(
      await serve(d.http, post('/Authentication', login(root))),
      403,
      'administrator_not_allowed',
    );
    expectRefusal(await serve(d.http, post('/Authentication', {})), 400, 'malformed_request', {
      code: 'malformed_request',
      message: 'The request body is invalid.',
      fields: { username: ['This field is required.'], password: ['This field is required.'] },
    });
  });
});

describe('GET /Authentication/UserToken (an administrator issues a user token)', () => {
  const issue = (fields: Record<string, string>, authorization?: string) =>
    serve(
      d.http,
      get(`/Authentication/UserToken?${q(fields)}`, authorization === undefined ? {} : { authorization }),
    );

  it('200: a user token for the named user', async () => {
    const response = await issue(
      { username: ethan.username, environment: 'production' },
      `Bearer ${await adminAccess()}`,
    );
    expect(response.status).toBe(200);
    expectNoStore(response);
    const body = bodyOf(response) as UserTokenBody;
    expect(body.environment).toBe('production');
    const principal = await d.tg.requirePrincipal({ authorization: `Bearer ${body.token}` });
    expect(principal).toMatchObject({
      username: ethan.username,
      tokenKind: 'user',
      environment: 'production',
    });
  });

  it('401: no token, a bad token (with their challenges); a scheme other than Bearer', async () => {
    const missing = await issue({ username: ethan.username });
    expectRefusal(
      missing,
      401,
      'credentials_missing',
      plain('credentials_missing', MESSAGES.credentials_missing),
    );
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="tollgate"');
    const bad = await issue({ username: ethan.username }, `Bearer ${tampered(await adminAccess())}`);
    expectRefusal(bad, 401, 'invalid_token');
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer realm="tollgate", error="invalid_token"/);
    const jwt = (await d.tg.accessTokens.login(login(root))).token;
    expectRefusal(await issue({ username: ethan.username }, `JWT ${jwt}`), 401, 'unsupported_scheme');
  });

  it('403: the caller is not an administrator; the user is an administrator', async () => {
    const customer = (await d.tg.tokenPair.login(login(ethan))).token;
    expectRefusal(await issue({ username: ava.username }, `Bearer ${customer}`), 403, 'not_an_administrator');
    expectRefusal(
      await issue({ username: domainAdmin.username }, `Bearer ${await adminAccess()}`),
      403,
      'administrator_not_allowed',
    );
  });

  it('404: an unknown user', async () => {
    const unknown = await issue({ username: 'ghost@datastoreltd.biz' }, `Bearer ${await adminAccess()}`);
    expectRefusal(unknown, 404, 'unknown_user', plain('unknown_user', 'No such user.'));
  });

  // CONTRACT.md: a user outside a domain admin's domain gets the unknown user's answer.
  it('404: a user outside a domain admin’s domain, as an unknown one; inside it, 200', async () => {
    const domain = `Bearer ${await adminAccess(domainAdmin)}`;
    expectRefusal(await issue({ username: bob.username }, domain), 404, 'unknown_user');
    expect((await issue({ username: ava.username }, domain)).status).toBe(200);
  });

  it('400: no username', async () => {
    expectRefusal(await issue({}, `Bearer ${await adminAccess()}`), 400, 'malformed_request');
  });
});

describe('GET /Authentication/refresh/{token}', () => {
  it('200: a new token keeping the environment, or moving to the one asked for', async () => {
    const token = await userToken(ethan, 'staging');
    const kept = await serve(d.http, get(`/Authentication/refresh/${token}`));
    expect(kept.status).toBe(200);
    expectNoStore(kept);
    const keptBody = bodyOf(kept) as UserTokenBody;
    expect(keptBody).toMatchObject({ environment: 'staging' });
    expect(keptBody.token).not.toBe(token);
    const moved = await serve(
      d.http,
      get(`/Authentication/refresh/${keptBody.token}?environment=production`),
    );
    expect(bodyOf(moved)).toMatchObject({ environment: 'production' });
  });

  it('403: an environment the user may not use', async () => {
    const token = await userToken(ava);
    expectRefusal(
      await serve(d.http, get(`/Authentication/refresh/${token}?environment=production`)),
      403,
      'environment_not_allowed',
    );
  });

  it('401: an invalid, an expired token', async () => {
    const token = await userToken(bob);
    expectRefusal(
      await serve(d.http, get(`/Authentication/refresh/${tampered(token)}`)),
      401,
      'invalid_token',
    );
    const start = d.clock.now();
    d.clock.advance((DEFAULT_LIFETIMES.userToken + 1) * 1000);
    try {
      expectRefusal(await serve(d.http, get(`/Authentication/refresh/${token}`)), 401, 'token_expired');
    } finally {
      d.clock.set(start);
    }
  });

  it('400: a path token that is not valid percent-encoding', async () => {
    const response = await serve(d.http, get('/Authentication/refresh/%zz'));
    expectRefusal(response, 400, 'malformed_request', {
      code: 'malformed_request',
      message: 'A path segment is not valid percent-encoding.',
    });
  });
});

describe('GET /Authentication/token/{token}/Environments', () => {
  it("200: the token user's environments, for a token with no environment too; cacheable", async () => {
    const response = await serve(d.http, get(`/Authentication/token/${await userToken(ethan)}/Environments`));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(JSON_TYPE);
    expectCacheable(response);
    expect(bodyOf(response)).toEqual([
      { id: 'production', name: 'Production' },
      { id: 'staging', name: 'Staging' },
    ]);
  });

  it('401: a bad token', async () => {
    expectRefusal(
      await serve(d.http, get('/Authentication/token/not-a-token/Environments')),
      401,
      'invalid_token',
      plain('invalid_token', MESSAGES.invalid_token),
    );
  });
});

describe('GET /Environment/current', () => {
  it('200: the environment and user of a Bearer user token', async () => {
    const token = await userToken(ethan, 'staging');
    const response = await serve(d.http, get('/Environment/current', { authorization: `Bearer ${token}` }));
    expect(response.status).toBe(200);
    expectCacheable(response);
    expect(bodyOf(response)).toEqual({ environment: 'staging', user: ethan.username });
  });

  it('403: a token without an environment', async () => {
    const token = await userToken(ethan);
    expectRefusal(
      await serve(d.http, get('/Environment/current', { authorization: `Bearer ${token}` })),
      403,
      'environment_required',
      plain('environment_required', 'This action needs a token with an environment.'),
    );
  });

  it('401: no credentials, a bad token, another scheme', async () => {
    expectRefusal(await serve(d.http, get('/Environment/current')), 401, 'credentials_missing');
    expectRefusal(
      await serve(d.http, get('/Environment/current', { authorization: 'Bearer garbage' })),
      401,
      'invalid_token',
    );
    const jwt = (await d.tg.accessTokens.login(login(ethan))).token;
    expectRefusal(
      await serve(d.http, get('/Environment/current', { authorization: `JWT ${jwt}` })),
      401,
      'unsupported_scheme',
    );
  });
});
