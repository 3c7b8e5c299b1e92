/**
 * Scheme D over HTTP (CONTRACT.md "UAT and JWT"): JWT login, `/api/v2/me/`, and UAT management, in
 * the API's Django REST framework shapes, with every documented refusal.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { demoSeed, seedUser } from '../helpers/operation-rules.js';
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
  MESSAGES,
  post,
  serve,
  tampered,
} from './fixtures.js';

const { ethan, ava, bob, root } = ACCOUNTS;
const DAY = 86_400_000;

let d: HttpDemo;
beforeAll(async () => {
  d = await httpDemo({ profiles: ['uat-jwt'] });
});

async function jwt(account: DemoAccount = ethan): Promise<string> {
  const response = await serve(
    d.http,
    post('/api/v2/auth/jwt/', { email: account.username, password: account.password }),
  );
  expect(response.status).toBe(200);
  return (bodyOf(response) as { token: string }).token;
}

const inDays = (days: number) => new Date(d.clock.now() + days * DAY).toISOString();

interface CreatedUat {
  id: string;
  token: string;
}

async function createUat(
  authorization: string,
  fields: { name?: string; expires_at?: string; permissions?: string[] } = {},
) {
  return serve(
    d.http,
    post(
      '/api/v2/me/tokens/',
      { name: 'ci', expires_at: inDays(30), permissions: ['brand_create'], ...fields },
      { authorization },
    ),
  );
}

describe('POST /api/v2/auth/jwt/', () => {
  it('200 {"token"}, never cached; the token is a JWT credential with all the user’s rights', async () => {
    const response = await serve(
      d.http,
      post('/api/v2/auth/jwt/', { email: bob.username, password: bob.password }),
    );
    expect(response.status).toBe(200);
    expectNoStore(response);
    const { token } = bodyOf(response) as { token: string };
    const me = await serve(d.http, get('/api/v2/me/', { authorization: `JWT ${token}` }));
    expect(bodyOf(me)).toMatchObject({
      email: bob.username,
      permissions: ['brand_create', 'product_create'],
    });
  });

  it('400 non_field_errors for bad credentials (with the code header, never cached)', async () => {
    const response = await serve(
      d.http,
      post('/api/v2/auth/jwt/', { email: ethan.username, password: 'nope' }),
    );
    expectRefusal(response, 400, 'invalid_credentials', {
      non_field_errors: ['Unable to login with provided credentials.'],
    });
    expectNoStore(response);
  });

  it('400 per field for a missing field', async () => {
    expectRefusal(
      await serve(d.http, post('/api/v2/auth/jwt/', { email: ethan.username })),
      400,
      'malformed_request',
      {
        password: ['This field is required.'],
      },
    );
  });
});

describe('GET /api/v2/me/', () => {
  it('200 for every accepted scheme: JWT, UAT, Bearer (the session cookie: delegated-login.test.ts)', async () => {
    const token = await jwt(ethan);
    const viaJwt = await serve(d.http, get('/api/v2/me/', { authorization: `JWT ${token}` }));
    expect(viaJwt.status).toBe(200);
    expectCacheable(viaJwt);
    expect(bodyOf(viaJwt)).toEqual({
      id: expect.any(String),
      email: ethan.username,
      customerId: 'e7fcef24-5c03-41dd-9e33-995b7d6f47a7',
      roles: ['company_admin'],
      permissions: ['brand_create', 'product_create', 'scans_download', 'scm_bulk_edit', 'scm_code_edit'],
      environment: null,
      authenticatedBy: 'JWT',
      actor: null,
      customData: null,
    });
    const uat = bodyOf(await createUat(`JWT ${token}`)) as CreatedUat;
    const viaUat = await serve(d.http, get('/api/v2/me/', { authorization: `UAT ${uat.token}` }));
    expect(bodyOf(viaUat)).toMatchObject({ authenticatedBy: 'UAT', permissions: ['brand_create'] });
    const pair = await d.tg.tokenPair.login(login(ava));
    const viaBearer = await serve(d.http, get('/api/v2/me/', { authorization: `Bearer ${pair.token}` }));
    expect(bodyOf(viaBearer)).toMatchObject({ authenticatedBy: 'Bearer', email: ava.username });
  });

  it('401 {"detail"}: no credentials, bad ones, an unknown scheme', async () => {
    const missing = await serve(d.http, get('/api/v2/me/'));
    expectRefusal(missing, 401, 'credentials_missing', { detail: MESSAGES.credentials_missing });
    expect(missing.headers['www-authenticate']).toBe(
      'JWT realm="tollgate", UAT realm="tollgate", Bearer realm="tollgate"',
    );
    const bad = await serve(d.http, get('/api/v2/me/', { authorization: `JWT ${tampered(await jwt())}` }));
    expectRefusal(bad, 401, 'invalid_token', { detail: MESSAGES.invalid_token });
    expect(bad.headers['www-authenticate']).toBe(
      ['JWT', 'UAT', 'Bearer']
        .map(
          (scheme) =>
            `${scheme} realm="tollgate", error="invalid_token", error_description="${MESSAGES.invalid_token}"`,
        )
        .join(', '),
    );
    expectRefusal(
      await serve(d.http, get('/api/v2/me/', { authorization: 'Basic dTpw' })),
      401,
      'unsupported_scheme',
    );
  });

  it('400: a repeated Authorization header, even when both lines agree', async () => {
    const token = `JWT ${await jwt()}`;
    expectRefusal(
      await serve(d.http, get('/api/v2/me/', { authorization: [token, token] })),
      400,
      'ambiguous_credentials',
      {
        detail: 'The request carries more than one credential; send exactly one.',
      },
    );
  });
});

describe('POST /api/v2/me/tokens/', () => {
  it('201: the token, shown once; never cached', async () => {
    const response = await createUat(`JWT ${await jwt()}`, {
      name: 'deploy',
      permissions: ['brand_create', 'scans_download'],
    });
    expect(response.status).toBe(201);
    expectNoStore(response);
    expect(bodyOf(response)).toEqual({
      id: expect.any(String),
      name: 'deploy',
      token: expect.any(String),
      prefix: expect.any(String),
      expires_at: inDays(30),
      permissions: ['brand_create', 'scans_download'],
      created_at: new Date(d.clock.now()).toISOString(),
    });
  });

  it('a Bearer access token may manage UATs too', async () => {
    const pair = await d.tg.tokenPair.login(login(ethan));
    expect((await createUat(`Bearer ${pair.token}`)).status).toBe(201);
  });

  it('400: a permission outside the catalogue, an expiry in the past or beyond 365 days', async () => {
    const auth = `JWT ${await jwt()}`;
    expectRefusal(await createUat(auth, { permissions: ['x'] }), 400, 'invalid_permission', {
      permissions: ['"x" is not a valid permission.'],
    });
    for (const expires_at of [inDays(-1), inDays(366)]) {
      const response = await createUat(auth, { expires_at });
      expectRefusal(response, 400, 'invalid_expiry');
      expect(bodyOf(response)).toEqual({ expires_at: [expect.any(String)] });
    }
    const missing = await serve(d.http, post('/api/v2/me/tokens/', {}, { authorization: auth }));
    expectRefusal(missing, 400, 'malformed_request', {
      name: ['This field is required.'],
      expires_at: ['This field is required.'],
      permissions: ['This field is required.'],
    });
  });

  it('403: a permission the creator lacks; a caller without company_admin', async () => {
    const forbidden = { detail: MESSAGES.forbidden };
    // Bob has brand_create but no company_admin role; ethan has the role.
    expectRefusal(await createUat(`JWT ${await jwt(bob)}`), 403, 'role_required', forbidden);
    const demo = await httpDemo(
      { profiles: ['uat-jwt'] },
      {
        seed: demoSeed((seed) => {
          const user = seedUser(seed, ethan.username);
          user.permissions = user.permissions.filter((p) => p !== 'scm_code_edit');
        }),
      },
    );
    const token = (await demo.tg.accessTokens.login(login(ethan))).token;
    const response = await serve(
      demo.http,
      post(
        '/api/v2/me/tokens/',
        {
          name: 'x',
          expires_at: new Date(demo.clock.now() + DAY).toISOString(),
          permissions: ['scm_code_edit'],
        },
        { authorization: `JWT ${token}` },
      ),
    );
    expectRefusal(response, 403, 'insufficient_permission', forbidden);
  });

  it('401: by a UAT (not a managing credential); 401 without credentials', async () => {
    const uat = bodyOf(await createUat(`JWT ${await jwt()}`)) as CreatedUat;
    expectRefusal(await createUat(`UAT ${uat.token}`), 401, 'unsupported_scheme');
    expectRefusal(
      await serve(
        d.http,
        post('/api/v2/me/tokens/', { name: 'x', expires_at: inDays(1), permissions: ['brand_create'] }),
      ),
      401,
      'credentials_missing',
      { detail: MESSAGES.credentials_missing },
    );
  });

  it('403: by a delegated security token (it cannot mint further tokens)', async () => {
    const admin = (await d.tg.tokenPair.login(login(root))).token;
    const { token } = await d.tg.delegatedLogin.issue({
      adminToken: admin,
      domain: 'datastore',
      userIdentity: ethan.username,
    });
    expectRefusal(await createUat(`Bearer ${token}`), 403, 'delegated_token_not_allowed');
  });
});

describe('GET /api/v2/me/tokens/', () => {
  it("200: the caller's tokens, newest first, without their values", async () => {
    const demo = await httpDemo({ profiles: ['uat-jwt'] });
    const token = (await demo.tg.accessTokens.login(login(ethan))).token;
    const auth = { authorization: `JWT ${token}` };
    const body = (name: string) => ({
      name,
      expires_at: new Date(demo.clock.now() + DAY).toISOString(),
      permissions: ['brand_create'],
    });
    await serve(demo.http, post('/api/v2/me/tokens/', body('first'), auth));
    demo.clock.advance(1000);
    await serve(demo.http, post('/api/v2/me/tokens/', body('second'), auth));
    const response = await serve(demo.http, get('/api/v2/me/tokens/', auth));
    expect(response.status).toBe(200);
    expectCacheable(response);
    const list = bodyOf(response) as Record<string, unknown>[];
    expect(list.map((item) => item.name)).toEqual(['second', 'first']);
    expect(Object.keys(list[0]!).sort()).toEqual(
      [
        'created_at',
        'expires_at',
        'id',
        'last_used_at',
        'name',
        'permissions',
        'prefix',
        'revoked_at',
      ].sort(),
    );
  });

  it('401 without credentials', async () => {
    expectRefusal(await serve(d.http, get('/api/v2/me/tokens/')), 401, 'credentials_missing');
  });
});

describe('DELETE /api/v2/me/tokens/{id}/', () => {
  it('204: revoked; the UAT stops working at once', async () => {
    const auth = `JWT ${await jwt()}`;
    const uat = bodyOf(await createUat(auth)) as CreatedUat;
    const me = () => serve(d.http, get('/api/v2/me/', { authorization: `UAT ${uat.token}` }));
    expect((await me()).status).toBe(200);
    const response = await serve(d.http, {
      method: 'DELETE',
      url: `/api/v2/me/tokens/${uat.id}/`,
      headers: { authorization: auth },
    });
    expect(response).toEqual({ status: 204, headers: {}, body: null });
    expectRefusal(await me(), 401, 'token_revoked');
  });

  it("404: someone else's id", async () => {
    // Two company admins: bob gets the role in this seed.
    const demo = await httpDemo(
      { profiles: ['uat-jwt'] },
      { seed: demoSeed((seed) => seedUser(seed, bob.username).roles.push('company_admin')) },
    );
    const auth = async (account: DemoAccount) =>
      `JWT ${(await demo.tg.accessTokens.login(login(account))).token}`;
    const created = await serve(
      demo.http,
      post(
        '/api/v2/me/tokens/',
        {
          name: 'x',
          expires_at: new Date(demo.clock.now() + DAY).toISOString(),
          permissions: ['brand_create'],
        },
        { authorization: await auth(ethan) },
      ),
    );
    const uat = bodyOf(created) as CreatedUat;
    const other = await auth(bob);
    expectRefusal(
      await serve(demo.http, {
        method: 'DELETE',
        url: `/api/v2/me/tokens/${uat.id}/`,
        headers: { authorization: other },
      }),
      404,
      'not_found',
      { detail: 'Not found.' },
    );
  });

  it('401 without credentials', async () => {
    expectRefusal(
      await serve(d.http, { method: 'DELETE', url: '/api/v2/me/tokens/x/', headers: {} }),
      401,
      'credentials_missing',
    );
  });
});
