/**
 * Scheme B (CONTRACT.md "admin-delegated login"): delegate, and the security token it returns.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFETIMES, JWT_TYP } from './helpers/internals.js';
import {
  ACCOUNTS,
  buildDemo,
  type Demo,
  demoSeed,
  jwtPayload,
  ORG,
  rejectsWith,
  rejectsWithOneOf,
  SECOND,
  seedUser,
} from './helpers/operation-rules.js';

const { ethan, ava, bob, domainAdmin, root } = ACCOUNTS;

async function adminToken(demo: Demo, account: { username: string; password: string }): Promise<string> {
  return (await demo.tg.tokenPair.login({ username: account.username, password: account.password })).token;
}

describe('scheme B: delegate', () => {
  it('lets an enterprise admin sign in a user of any domain', async () => {
    const demo = await buildDemo();
    const token = await adminToken(demo, root);
    const forAva = await demo.tg.delegatedLogin.issue({
      adminToken: token,
      domain: 'datastore',
      userIdentity: ava.username,
      customData: 'a',
    });
    const forBob = await demo.tg.delegatedLogin.issue({
      adminToken: token,
      domain: 'acme',
      userIdentity: bob.username,
    });
    const p1 = await demo.tg.requirePrincipal({ cookie: `tollgate_session=${forAva.token}` });
    const p2 = await demo.tg.requirePrincipal({ cookie: `tollgate_session=${forBob.token}` });
    expect([p1.username, p1.customerId, p1.actor?.username]).toEqual([
      ava.username,
      ORG.datastore,
      root.username,
    ]);
    expect([p2.username, p2.customerId, p2.actor?.username]).toEqual([bob.username, ORG.acme, root.username]);
  });

  it('lets a domain admin sign in a user of its own domain', async () => {
    const demo = await buildDemo();
    const token = await adminToken(demo, domainAdmin);
    const result = await demo.tg.delegatedLogin.issue({
      adminToken: token,
      domain: 'datastore',
      userIdentity: ethan.username,
    });
    const principal = await demo.tg.requirePrincipal({ authorization: `Bearer ${result.token}` });
    expect(principal.username).toBe(ethan.username);
    expect(principal.actor).toEqual({ userId: domainAdmin.id, username: domainAdmin.username });
  });

  it('accepts an admin access token from the JWT login too', async () => {
    const demo = await buildDemo();
    const { token } = await demo.tg.accessTokens.login({ username: root.username, password: root.password });
    const result = await demo.tg.delegatedLogin.issue({
      adminToken: token,
      domain: 'acme',
      userIdentity: bob.username,
    });
    expect((await demo.tg.requirePrincipal({ authorization: `Bearer ${result.token}` })).username).toBe(
      bob.username,
    );
  });

  it('refuses a domain admin acting outside its domain with outside_domain (403)', async () => {
    const demo = await buildDemo();
    const token = await adminToken(demo, domainAdmin);
    await rejectsWith(
      demo.tg.delegatedLogin.issue({ adminToken: token, domain: 'acme', userIdentity: bob.username }),
      'outside_domain',
      403,
    );
  });

  it('refuses a customer’s token with not_an_administrator (403), even a company_admin’s', async () => {
    const demo = await buildDemo();
    const token = await adminToken(demo, ethan);
    await rejectsWith(
      demo.tg.delegatedLogin.issue({ adminToken: token, domain: 'datastore', userIdentity: ava.username }),
      'not_an_administrator',
      403,
    );
  });

  it('refuses an administrator with neither enterprise_admin nor domain_admin with not_an_administrator (403)', async () => {
    const seed = demoSeed((s) => {
      seedUser(s, domainAdmin.username).roles = [];
      // A customer account carrying an admin role name is still not an administrator.
      seedUser(s, ava.username).roles = ['enterprise_admin'];
    });
    const demo = await buildDemo({ seed });
    for (const account of [domainAdmin, ava]) {
      await rejectsWith(
        demo.tg.delegatedLogin.issue({
          adminToken: await adminToken(demo, account),
          domain: 'datastore',
          userIdentity: ethan.username,
        }),
        'not_an_administrator',
        403,
      );
    }
  });

  it('refuses a userIdentity unknown in that domain with unknown_user (404)', async () => {
    const demo = await buildDemo();
    const token = await adminToken(demo, root);
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: token,
        domain: 'datastore',
        userIdentity: 'nobody@datastoreltd.biz',
      }),
      'unknown_user',
      404,
    );
  });

  it('refuses a user who exists in another domain with unknown_user (404)', async () => {
    const demo = await buildDemo();
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: await adminToken(demo, root),
        domain: 'datastore',
        userIdentity: bob.username,
      }),
      'unknown_user',
      404,
    );
    // A domain admin inside its own domain, asking for a user of another domain: unknown in that domain.
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: await adminToken(demo, domainAdmin),
        domain: 'datastore',
        userIdentity: bob.username,
      }),
      'unknown_user',
      404,
    );
  });

  it('refuses an unknown domain with unknown_user (404)', async () => {
    const demo = await buildDemo();
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: await adminToken(demo, root),
        domain: 'nowhere',
        userIdentity: ethan.username,
      }),
      'unknown_user',
      404,
    );
  });

  it('refuses an administrator as the target with administrator_not_allowed (403)', async () => {
    const demo = await buildDemo();
    const rootToken = await adminToken(demo, root);
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: rootToken,
        domain: 'datastore',
        userIdentity: domainAdmin.username,
      }),
      'administrator_not_allowed',
      403,
    );
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: rootToken,
        domain: 'operator',
        userIdentity: root.username,
      }),
      'administrator_not_allowed',
      403,
    );
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: await adminToken(demo, domainAdmin),
        domain: 'datastore',
        userIdentity: domainAdmin.username,
      }),
      'administrator_not_allowed',
      403,
    );
  });

  it('refuses a bad admin token with invalid_token (401)', async () => {
    const demo = await buildDemo();
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: 'not-a-token',
        domain: 'datastore',
        userIdentity: ava.username,
      }),
      'invalid_token',
      401,
    );
    const token = await adminToken(demo, root);
    const tampered = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    await rejectsWith(
      demo.tg.delegatedLogin.issue({ adminToken: tampered, domain: 'datastore', userIdentity: ava.username }),
      'invalid_token',
      401,
    );
  });

  it('refuses an expired admin token with token_expired (401) and a revoked one with token_revoked (401)', async () => {
    const demo = await buildDemo();
    const expired = await adminToken(demo, root);
    demo.clock.advance(DEFAULT_LIFETIMES.accessToken * SECOND);
    await rejectsWith(
      demo.tg.delegatedLogin.issue({ adminToken: expired, domain: 'datastore', userIdentity: ava.username }),
      'token_expired',
      401,
    );
    const pair = await demo.tg.tokenPair.login({ username: root.username, password: root.password });
    await demo.tg.tokenPair.revoke({ refreshToken: pair.refreshToken });
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: pair.token,
        domain: 'datastore',
        userIdentity: ava.username,
      }),
      'token_revoked',
      401,
    );
  });

  it('refuses a refresh token or a UAT as the admin token with wrong_token_kind (401)', async () => {
    const demo = await buildDemo();
    const pair = await demo.tg.tokenPair.login({ username: root.username, password: root.password });
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: pair.refreshToken,
        domain: 'datastore',
        userIdentity: ava.username,
      }),
      'wrong_token_kind',
      401,
    );
    const caller = await demo.tg.requirePrincipal({
      authorization: `JWT ${(await demo.tg.accessTokens.login({ username: ethan.username, password: ethan.password })).token}`,
    });
    const uat = await demo.tg.uats.create({
      caller,
      name: 'ci',
      expiresAt: new Date(demo.clock.now() + 86_400_000),
      permissions: ['brand_create'],
    });
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: uat.token,
        domain: 'datastore',
        userIdentity: ava.username,
      }),
      'wrong_token_kind',
      401,
    );
  });

  it('refuses a malformed request (empty fields, oversized customData) with malformed_request (400)', async () => {
    const demo = await buildDemo();
    const token = await adminToken(demo, root);
    await rejectsWith(
      demo.tg.delegatedLogin.issue({ adminToken: token, domain: '', userIdentity: ava.username }),
      'malformed_request',
      400,
    );
    await rejectsWith(
      demo.tg.delegatedLogin.issue({ adminToken: token, domain: 'datastore', userIdentity: '' }),
      'malformed_request',
      400,
    );
    await rejectsWith(
      demo.tg.delegatedLogin.issue({ adminToken: '', domain: 'datastore', userIdentity: ava.username }),
      'malformed_request',
      400,
    );
    await rejectsWith(
      demo.tg.delegatedLogin.issue({
        adminToken: token,
        domain: 'datastore',
        userIdentity: ava.username,
        customData: 'x'.repeat(4097),
      }),
      'malformed_request',
      400,
    );
  });
});

describe('scheme B: the security token', () => {
  async function delegated(demo: Demo, customData?: string | null) {
    const token = await adminToken(demo, root);
    return demo.tg.delegatedLogin.issue({
      adminToken: token,
      domain: 'datastore',
      userIdentity: ethan.username,
      ...(customData === undefined ? {} : { customData }),
    });
  }

  it('is a canonical base64url string (no dots, no padding) of a signed delegated JWT', async () => {
    const demo = await buildDemo();
    const { token, expiresAt } = await delegated(demo, 'ticket-42');
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('.');
    expect(Buffer.from(token, 'base64url').toString('base64url')).toBe(token);
    const jws = Buffer.from(token, 'base64url').toString('latin1');
    expect(jws.split('.')).toHaveLength(3);
    const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      typ?: string;
    };
    expect(header.typ).toBe(JWT_TYP.delegated);
    expect(jwtPayload(jws)).toMatchObject({
      act: { sub: root.id, preferred_username: root.username },
      custom_data: 'ticket-42',
    });
    expect(expiresAt.getTime()).toBe(demo.clock.now() + DEFAULT_LIFETIMES.delegatedToken * SECOND);
  });

  it('signs the user in as the cookie tollgate_session=<token>', async () => {
    const demo = await buildDemo();
    const { token } = await delegated(demo, 'ticket-42');
    const principal = await demo.tg.requirePrincipal({
      cookie: `theme=dark; tollgate_session=${token}; lang=en`,
    });
    expect(principal).toMatchObject({
      userId: ethan.id,
      username: ethan.username,
      tokenKind: 'delegated',
      source: 'cookie',
      actor: { userId: root.id, username: root.username },
      customData: 'ticket-42',
    });
  });

  it('signs the user in as Authorization: Bearer <token>', async () => {
    const demo = await buildDemo();
    const { token } = await delegated(demo, 'ticket-42');
    const principal = await demo.tg.requirePrincipal({ authorization: `Bearer ${token}` });
    expect(principal).toMatchObject({
      username: ethan.username,
      tokenKind: 'delegated',
      source: 'Bearer',
      actor: { username: root.username },
      customData: 'ticket-42',
    });
  });

  it('carries customData null when none was given, and the user’s rights (not the admin’s)', async () => {
    const demo = await buildDemo();
    const { token } = await delegated(demo);
    const principal = await demo.tg.requirePrincipal({ cookie: `tollgate_session=${token}` });
    expect(principal.customData).toBeNull();
    expect(principal.kind).toBe('customer');
    expect(principal.roles).toEqual(['company_admin']);
    expect(principal.permissions).toEqual([
      'brand_create',
      'product_create',
      'scans_download',
      'scm_bulk_edit',
      'scm_code_edit',
    ]);
    expect(principal.environment).toBeNull();
  });

  it('is not accepted under another cookie name, nor as Authorization: JWT or UAT', async () => {
    const demo = await buildDemo();
    const { token } = await delegated(demo);
    await rejectsWith(demo.tg.requirePrincipal({ cookie: `session=${token}` }), 'credentials_missing', 401);
    await rejectsWith(demo.tg.requirePrincipal({ authorization: `JWT ${token}` }), 'wrong_token_kind', 401);
    await rejectsWith(demo.tg.requirePrincipal({ authorization: `UAT ${token}` }), 'wrong_token_kind', 401);
  });

  it('expires after the delegated-token lifetime (token_expired, 401)', async () => {
    const demo = await buildDemo();
    const { token } = await delegated(demo);
    demo.clock.advance(DEFAULT_LIFETIMES.delegatedToken * SECOND - 1);
    await demo.tg.requirePrincipal({ cookie: `tollgate_session=${token}` });
    demo.clock.advance(1);
    await rejectsWith(
      demo.tg.requirePrincipal({ cookie: `tollgate_session=${token}` }),
      'token_expired',
      401,
    );
  });

  it('is refused when tampered with (invalid_token, 401)', async () => {
    const demo = await buildDemo();
    const { token } = await delegated(demo);
    const jws = Buffer.from(token, 'base64url').toString('latin1');
    const [header, , signature] = jws.split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...jwtPayload(jws), sub: ava.id, preferred_username: ava.username }),
    ).toString('base64url');
    const forgedToken = Buffer.from(`${header}.${forged}.${signature}`, 'latin1').toString('base64url');
    await rejectsWith(
      demo.tg.requirePrincipal({ cookie: `tollgate_session=${forgedToken}` }),
      'invalid_token',
      401,
    );
  });

  it('cannot mint a UAT: createUat with its principal is refused with delegated_token_not_allowed (403)', async () => {
    const demo = await buildDemo();
    const { token } = await delegated(demo);
    const caller = await demo.tg.requirePrincipal({ cookie: `tollgate_session=${token}` });
    expect(caller.roles).toContain('company_admin');
    await rejectsWith(
      demo.tg.uats.create({
        caller,
        name: 'x',
        expiresAt: new Date(demo.clock.now() + 86_400_000),
        permissions: ['brand_create'],
      }),
      'delegated_token_not_allowed',
      403,
    );
    await rejectsWith(demo.tg.uats.list({ caller }), 'delegated_token_not_allowed', 403);
    await rejectsWith(demo.tg.uats.revoke({ caller, id: 'some-id' }), 'delegated_token_not_allowed', 403);
  });

  it('cannot mint a user token: issueUserToken with its principal is refused with delegated_token_not_allowed (403)', async () => {
    const demo = await buildDemo();
    const { token } = await delegated(demo);
    const caller = await demo.tg.requirePrincipal({ authorization: `Bearer ${token}` });
    await rejectsWith(
      demo.tg.userTokens.issue({ caller, username: ava.username }),
      'delegated_token_not_allowed',
      403,
    );
    // Nor refresh itself into a user token.
    await rejectsWithOneOf(demo.tg.userTokens.refresh({ token }), ['invalid_token', 'wrong_token_kind'], 401);
  });

  it('cannot delegate further: used as the admin token it is refused with delegated_token_not_allowed (403)', async () => {
    const demo = await buildDemo();
    const { token } = await delegated(demo);
    await rejectsWith(
      demo.tg.delegatedLogin.issue({ adminToken: token, domain: 'datastore', userIdentity: ava.username }),
      'delegated_token_not_allowed',
      403,
    );
  });
});
