import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTollgateClient, type Me, type TollgateClient, TollgateClientError } from '../src/index.js';
import {
  AVA,
  BOB,
  countingFetch,
  DATASTORE,
  DOMAIN_ADMIN,
  ETHAN,
  ROOT,
  startTestServer,
  type TestServer,
} from './helpers.js';

// Schemes D (JWT and UATs) and B (admin-delegated login) against the real example.

let server: TestServer;
let client: TollgateClient;
beforeAll(async () => {
  server = await startTestServer();
  client = createTollgateClient({ baseUrl: server.url });
});
afterAll(() => server.close());

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);
const jwtLogin = (account: { username: string; password: string }) =>
  client.uatJwt.login({ email: account.username, password: account.password });

async function refused(promise: Promise<unknown>): Promise<TollgateClientError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TollgateClientError);
  return error as TollgateClientError;
}

describe('UATs created with a JWT session', () => {
  it('create → use on /api/v2/scans/download → list → revoke → the next call is a typed token_revoked', async () => {
    const counter = countingFetch();
    const own = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch });
    const jwt = await own.uatJwt.login({ email: ETHAN.username, password: ETHAN.password });
    const created = await own.uatJwt.createToken(jwt, {
      name: 'scans export',
      expiresAt: inDays(30),
      permissions: ['scans_download'],
    });
    expect(created).toMatchObject({ name: 'scans export', permissions: ['scans_download'] });
    expect(created.token).toMatch(/^tgu_/);
    expect(created.token.startsWith(created.prefix)).toBe(true);

    const uat = await own.uatJwt.useUat(created.token, { expiresAt: created.expires_at });
    expect(await uat.json('/api/v2/scans/download')).toEqual({ scans: [] });
    expect(counter.calls.at(-1)).toMatchObject({
      path: '/api/v2/scans/download',
      scheme: 'UAT',
      status: 200,
    });
    const me = await own.uatJwt.me(uat);
    expect(me).toMatchObject({
      email: ETHAN.username,
      authenticatedBy: 'UAT',
      permissions: ['scans_download'],
    });

    // Only the token's permissions: brand_create is refused although ethan has it.
    const denied = await refused(uat.json('/api/v2/brands/', { method: 'POST', json: { name: 'x' } }));
    expect(denied).toMatchObject({
      status: 403,
      code: 'insufficient_permission',
      body: { detail: 'You do not have permission to perform this action.' },
    });

    const listed = await own.uatJwt.listTokens(jwt);
    const mine = listed.find((item) => item.id === created.id);
    expect(mine).toMatchObject({ name: 'scans export', revoked_at: null });
    expect(mine).not.toHaveProperty('token');

    await own.uatJwt.revokeToken(jwt, created.id);
    const revoked = await refused(uat.json('/api/v2/scans/download'));
    expect(revoked).toMatchObject({
      status: 401,
      code: 'token_revoked',
      body: { detail: 'The token has been revoked.' },
    });
    expect((await own.uatJwt.listTokens(jwt)).find((item) => item.id === created.id)?.revoked_at).toEqual(
      expect.any(String),
    );
    expect(
      counter.calls
        .filter((call) => call.path.startsWith('/api/v2/me/tokens'))
        .every((c) => c.scheme === 'JWT'),
    ).toBe(true);
  });

  it('a token-pair (Bearer) session manages UATs too; a UAT session may not', async () => {
    const pair = await client.tokenPair.login(ETHAN);
    const created = await client.uatJwt.createToken(pair, {
      name: 'via bearer',
      expiresAt: inDays(1).toISOString(),
      permissions: ['brand_create', 'product_create'],
    });
    const uat = await client.uatJwt.useUat(created.token);
    expect(await uat.json('/api/v2/brands/', { method: 'POST', json: { name: 'b' } })).toMatchObject({
      created: 'brand',
    });
    const error = await refused(client.uatJwt.listTokens(uat));
    expect(error.status).toBe(401);
    expect(error.code).toBe('unsupported_scheme');
  });

  it('UAT refusals: invalid_permission, invalid_expiry, insufficient_permission / role_required, not_found, malformed_request', async () => {
    const jwt = await jwtLogin(ETHAN);
    const bad = await refused(
      client.uatJwt.createToken(jwt, { name: 'x', expiresAt: inDays(1), permissions: ['launch_rockets'] }),
    );
    expect(bad).toMatchObject({
      status: 400,
      code: 'invalid_permission',
      body: { permissions: [expect.any(String)] },
    });
    expect(bad.fields?.permissions).toHaveLength(1);
    const past = await refused(
      client.uatJwt.createToken(jwt, { name: 'x', expiresAt: inDays(-1), permissions: ['brand_create'] }),
    );
    expect(past).toMatchObject({
      status: 400,
      code: 'invalid_expiry',
      body: { expires_at: [expect.any(String)] },
    });
    const far = await refused(
      client.uatJwt.createToken(jwt, { name: 'x', expiresAt: inDays(400), permissions: ['brand_create'] }),
    );
    expect(far).toMatchObject({ status: 400, code: 'invalid_expiry' });
    const noName = await refused(
      client.uatJwt.createToken(jwt, { name: '', expiresAt: inDays(1), permissions: ['brand_create'] }),
    );
    expect(noName).toMatchObject({ status: 400, code: 'malformed_request' });
    expect(noName.fields?.name).toHaveLength(1);

    const ava = await jwtLogin(AVA);
    const notAdmin = await refused(
      client.uatJwt.createToken(ava, { name: 'x', expiresAt: inDays(1), permissions: ['scans_download'] }),
    );
    expect(notAdmin).toMatchObject({
      status: 403,
      code: 'role_required',
      body: { detail: 'You do not have permission to perform this action.' },
    });
    const forbidden = await refused(ava.json('/api/v2/brands/', { method: 'POST', json: {} }));
    expect(forbidden).toMatchObject({ status: 403, code: 'insufficient_permission' });

    expect(
      await refused(client.uatJwt.revokeToken(jwt, '00000000-0000-4000-8000-000000000000')),
    ).toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });

  it('JWT login refusals in the API’s own shapes', async () => {
    const wrong = await refused(client.uatJwt.login({ email: ETHAN.username, password: 'nope' }));
    expect(wrong).toMatchObject({
      status: 400,
      code: 'invalid_credentials',
      body: { non_field_errors: ['Unable to login with provided credentials.'] },
      message: 'Unable to login with provided credentials.',
    });
    const missing = await refused(client.uatJwt.login({ email: '', password: '' }));
    expect(missing).toMatchObject({ status: 400, code: 'malformed_request' });
    expect(Object.keys(missing.fields ?? {}).sort()).toEqual(['email', 'password']);
  });
});

describe('admin-delegated login (scheme B)', () => {
  it('an enterprise admin signs ethan in; the security token is sent as Bearer and /me shows the actor', async () => {
    const counter = countingFetch();
    const own = createTollgateClient({ baseUrl: server.url, fetch: counter.fetch });
    const root = await own.tokenPair.login(ROOT);
    const session = await own.delegatedLogin.login({
      admin: root,
      domain: 'datastore',
      userIdentity: ETHAN.username,
      customData: 'ticket-42',
    });
    expect(session.scheme).toBe('delegated');
    expect(session.state.token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(session.expiresAt).toBeInstanceOf(Date);
    const me = await session.json<Me>('/api/v2/me/');
    expect(me).toMatchObject({
      email: ETHAN.username,
      customerId: DATASTORE,
      authenticatedBy: 'Bearer',
      actor: { username: ROOT.username },
      customData: 'ticket-42',
    });
    expect(counter.calls.at(-1)?.scheme).toBe('Bearer');
    // It cannot mint further tokens.
    const minted = await refused(
      own.delegatedLogin.authenticateUserByToken({
        admin: session,
        domain: 'datastore',
        userIdentity: AVA.username,
      }),
    );
    expect(minted).toMatchObject({ status: 403, code: 'delegated_token_not_allowed' });
  });

  it('refusals: outside_domain, unknown_user, not_an_administrator, administrator_not_allowed, malformed_request, invalid_token', async () => {
    const domainAdmin = await client.tokenPair.login(DOMAIN_ADMIN);
    const root = await client.tokenPair.login(ROOT);
    const ethan = await client.tokenPair.login(ETHAN);
    const attempt = (admin: typeof root | string, domain: string, userIdentity: string) =>
      refused(client.delegatedLogin.authenticateUserByToken({ admin, domain, userIdentity }));
    expect(await attempt(domainAdmin, 'acme', BOB.username)).toMatchObject({
      status: 403,
      code: 'outside_domain',
    });
    expect(await attempt(root, 'datastore', 'ghost@datastoreltd.biz')).toMatchObject({
      status: 404,
      code: 'unknown_user',
      body: { code: 'unknown_user', message: 'No such user.' },
    });
    expect(await attempt(ethan, 'datastore', AVA.username)).toMatchObject({
      status: 403,
      code: 'not_an_administrator',
    });
    expect(await attempt(root, 'datastore', DOMAIN_ADMIN.username)).toMatchObject({
      status: 403,
      code: 'administrator_not_allowed',
    });
    const malformed = await attempt(root, '', AVA.username);
    expect(malformed).toMatchObject({ status: 400, code: 'malformed_request' });
    expect(malformed.fields?.domain).toBeDefined();
    expect(await attempt('not-a-token', 'datastore', AVA.username)).toMatchObject({
      status: 401,
      code: 'invalid_token',
    });
  });
});
