/**
 * The role policy (`createTollgate({ roles })`): which role names grant UAT management and the
 * administrators' powers. Custom names replace the defaults entirely (the default names then grant
 * nothing); the policy is checked when the Tollgate is created.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROLE_POLICY, type RolePolicy } from './helpers/internals.js';
import {
  ACCOUNTS,
  buildDemo,
  DAY,
  type Demo,
  demoSeed,
  jwtPrincipal,
  rejectsWith,
  seedUser,
} from './helpers/operation-rules.js';

const { ethan, ava, bob, domainAdmin, root } = ACCOUNTS;

const CUSTOM: RolePolicy = {
  uatManager: ['token_admin', 'owner'],
  enterpriseAdmin: ['superuser'],
  domainAdmin: ['org_admin'],
};

/** The demo directory with the custom names: ethan `owner`, root `superuser`, the domain admin `org_admin`. */
async function customDemo(): Promise<Demo> {
  const seed = demoSeed((s) => {
    seedUser(s, ethan.username).roles = ['owner'];
    seedUser(s, root.username).roles = ['superuser'];
    seedUser(s, domainAdmin.username).roles = ['org_admin'];
    // The default names, on others: they grant nothing under this policy.
    seedUser(s, ava.username).roles = ['company_admin'];
  });
  return buildDemo({ seed, options: { roles: CUSTOM } });
}

const adminToken = async (demo: Demo, account: { username: string; password: string }) =>
  (await demo.tg.tokenPair.login({ username: account.username, password: account.password })).token;

const uatInput = (demo: Demo) => ({
  name: 'ci',
  expiresAt: new Date(demo.clock.now() + 30 * DAY),
  permissions: ['brand_create'],
});

describe('a custom role policy', () => {
  it('the default is the seeds’ names, and tg.options.roles says what is in force', async () => {
    expect(DEFAULT_ROLE_POLICY).toEqual({
      uatManager: ['company_admin'],
      enterpriseAdmin: ['enterprise_admin'],
      domainAdmin: ['domain_admin'],
    });
    expect((await buildDemo()).tg.options.roles).toEqual(DEFAULT_ROLE_POLICY);
    const demo = await customDemo();
    expect(demo.tg.options.roles).toEqual(CUSTOM);
    // One list given: the others keep their defaults.
    const partial = await buildDemo({ options: { roles: { uatManager: ['owner'] } } });
    expect(partial.tg.options.roles).toEqual({ ...DEFAULT_ROLE_POLICY, uatManager: ['owner'] });
  });

  it('uatManager: a user with any one of its roles manages UATs; company_admin alone no longer does', async () => {
    const demo = await customDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    const created = await demo.tg.uats.create({ caller, ...uatInput(demo) });
    expect((await demo.tg.uats.list({ caller })).map((uat) => uat.id)).toEqual([created.id]);
    await demo.tg.uats.revoke({ caller, id: created.id });

    const ava_ = await jwtPrincipal(demo.tg, ava);
    await rejectsWith(demo.tg.uats.create({ caller: ava_, ...uatInput(demo) }), 'role_required', 403);
    await rejectsWith(demo.tg.uats.list({ caller: ava_ }), 'role_required', 403);
  });

  it('enterpriseAdmin acts in every domain, domainAdmin in its own only', async () => {
    const demo = await customDemo();
    const anywhere = await demo.tg.delegatedLogin.issue({
      adminToken: await adminToken(demo, root),
      domain: 'acme',
      userIdentity: bob.username,
    });
    expect((await demo.tg.requirePrincipal({ authorization: `Bearer ${anywhere.token}` })).username).toBe(
      bob.username,
    );
    const scoped = await adminToken(demo, domainAdmin);
    const own = await demo.tg.delegatedLogin.issue({
      adminToken: scoped,
      domain: 'datastore',
      userIdentity: ava.username,
    });
    expect((await demo.tg.requirePrincipal({ authorization: `Bearer ${own.token}` })).username).toBe(
      ava.username,
    );
    await rejectsWith(
      demo.tg.delegatedLogin.issue({ adminToken: scoped, domain: 'acme', userIdentity: bob.username }),
      'outside_domain',
      403,
    );
    // User tokens and user management follow the same reach.
    const rootCaller = await demo.tg.requirePrincipal({
      authorization: `Bearer ${await adminToken(demo, root)}`,
    });
    expect(
      (await demo.tg.userTokens.issue({ caller: rootCaller, username: bob.username })).token,
    ).toBeTruthy();
  });

  it('an administrator holding only the default names is no administrator under it', async () => {
    const seed = demoSeed((s) => {
      seedUser(s, root.username).roles = ['enterprise_admin'];
      seedUser(s, domainAdmin.username).roles = ['domain_admin'];
    });
    const demo = await buildDemo({ seed, options: { roles: CUSTOM } });
    for (const account of [root, domainAdmin]) {
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
});

describe('the role policy is checked at creation', () => {
  it.each([
    ['an empty list', { uatManager: [] }, /roles\.uatManager must be a list of one or more role names/],
    ['a blank name', { domainAdmin: [' '] }, /roles\.domainAdmin must be/],
    ['not a list', { enterpriseAdmin: 'superuser' }, /roles\.enterpriseAdmin must be/],
    ['a name that is no string', { uatManager: [42] }, /roles\.uatManager must be/],
    ['an unknown list', { companyAdmin: ['x'] }, /roles\.companyAdmin is not a role list/],
    [
      'one role in both administrator lists',
      { enterpriseAdmin: ['admin'], domainAdmin: ['admin', 'org_admin'] },
      /"admin" is both an enterpriseAdmin and a domainAdmin role/,
    ],
  ])('%s: a TypeError', async (_what, roles, message) => {
    const build = buildDemo({ options: { roles: roles as unknown as Partial<RolePolicy> } });
    await expect(build).rejects.toThrow(TypeError);
    await expect(buildDemo({ options: { roles: roles as unknown as Partial<RolePolicy> } })).rejects.toThrow(
      message,
    );
  });
});
