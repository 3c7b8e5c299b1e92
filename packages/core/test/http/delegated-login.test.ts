/**
 * Scheme B over HTTP (CONTRACT.md "admin-delegated login"): `POST /API3/authentication/authenticateUserByToken`,
 * its text/plain answer and session cookie, each documented refusal, and what the security token then does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIFETIMES } from '../helpers/internals.js';
import {
  ACCOUNTS,
  bodyOf,
  type DemoAccount,
  expectNoStore,
  expectRefusal,
  get,
  type HttpDemo,
  httpDemo,
  login,
  plain,
  post,
  serve,
  TEXT_TYPE,
  tampered,
} from './fixtures.js';

const { ethan, ava, bob, domainAdmin, root } = ACCOUNTS;
const PATH = '/API3/authentication/authenticateUserByToken';

let d: HttpDemo;
beforeAll(async () => {
  d = await httpDemo();
});

const adminAccess = async (account: DemoAccount = root) => (await d.tg.tokenPair.login(login(account))).token;
const delegate = async (fields: Record<string, unknown>) => serve(d.http, post(PATH, fields));

describe('POST /API3/authentication/authenticateUserByToken', () => {
  it('200: the security token as text/plain, also set as the session cookie; never cached', async () => {
    const response = await delegate({
      token: await adminAccess(),
      domain: 'datastore',
      userIdentity: ava.username,
      customData: 'ticket-42',
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(TEXT_TYPE);
    expectNoStore(response);
    const token = response.body!;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(response.headers['set-cookie']).toBe(
      `tollgate_session=${token}; Max-Age=${DEFAULT_LIFETIMES.delegatedToken}; Path=/; HttpOnly; Secure; SameSite=Lax`,
    );
  });

  it('the cookie follows the cookie options', async () => {
    const custom = await httpDemo(
      {
        profiles: ['delegated-login'],
        cookie: { secure: false, sameSite: 'Strict', path: '/app', domain: 'example.com' },
      },
      { options: { cookieName: 'sid' } },
    );
    const admin = (await custom.tg.tokenPair.login(login(root))).token;
    const response = await serve(
      custom.http,
      post(PATH, { token: admin, domain: 'datastore', userIdentity: ava.username }),
    );
    expect(response.headers['set-cookie']).toBe(
      `sid=${response.body}; Max-Age=${DEFAULT_LIFETIMES.delegatedToken}; Domain=example.com; Path=/app; HttpOnly; SameSite=Strict`,
    );
  });

  it('the security token signs the user in as cookie or Bearer; /api/v2/me/ shows actor and customData', async () => {
    const token = (
      await delegate({
        token: await adminAccess(),
        domain: 'datastore',
        userIdentity: ava.username,
        customData: 'why',
      })
    ).body!;
    for (const headers of [{ cookie: `tollgate_session=${token}` }, { authorization: `Bearer ${token}` }]) {
      const me = await serve(d.http, get('/api/v2/me/', headers));
      expect(me.status).toBe(200);
      expect(bodyOf(me)).toMatchObject({
        email: ava.username,
        authenticatedBy: 'cookie' in headers ? 'cookie' : 'Bearer',
        actor: { username: root.username },
        customData: 'why',
      });
    }
  });

  it('a domain admin signs in a user of its own domain', async () => {
    const response = await delegate({
      token: await adminAccess(domainAdmin),
      domain: 'datastore',
      userIdentity: ethan.username,
    });
    expect(response.status).toBe(200);
  });

  it('405 with Allow: POST for the other methods, in the default shape', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const response = await serve(d.http, { method, url: PATH, headers: {} });
      expectRefusal(
        response,
        405,
        'method_not_allowed',
        plain('method_not_allowed', 'This method is not allowed on this path.'),
      );
      expect(response.headers.allow).toBe('POST');
    }
  });

  it('400: a malformed body', async () => {
    const response = await delegate({ domain: 'datastore' });
    expectRefusal(response, 400, 'malformed_request', {
      code: 'malformed_request',
      message: 'The request body is invalid.',
      fields: { token: ['This field is required.'], userIdentity: ['This field is required.'] },
    });
    expectNoStore(response);
  });

  it('401: a bad administrator token', async () => {
    expectRefusal(
      await delegate({
        token: tampered(await adminAccess()),
        domain: 'datastore',
        userIdentity: ava.username,
      }),
      401,
      'invalid_token',
    );
  });

  it('403: the caller is not an administrator; a domain admin outside its domain; an administrator target', async () => {
    const customer = (await d.tg.tokenPair.login(login(ethan))).token;
    expectRefusal(
      await delegate({ token: customer, domain: 'datastore', userIdentity: ava.username }),
      403,
      'not_an_administrator',
    );
    expectRefusal(
      await delegate({ token: await adminAccess(domainAdmin), domain: 'acme', userIdentity: bob.username }),
      403,
      'outside_domain',
    );
    expectRefusal(
      await delegate({ token: await adminAccess(), domain: 'datastore', userIdentity: domainAdmin.username }),
      403,
      'administrator_not_allowed',
    );
  });

  it('404: a user unknown in that domain', async () => {
    const admin = await adminAccess();
    expectRefusal(
      await delegate({ token: admin, domain: 'datastore', userIdentity: 'ghost@datastoreltd.biz' }),
      404,
      'unknown_user',
    );
    // Bob exists, but not in datastore.
    expectRefusal(
      await delegate({ token: admin, domain: 'datastore', userIdentity: bob.username }),
      404,
      'unknown_user',
    );
  });
});
