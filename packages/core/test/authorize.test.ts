/**
 * authorize: principal × requirement. Every permission required, any one of the roles,
 * an environment-bound token when asked; each refusal a 403 with its own code.
 */
import { describe, expect, it } from 'vitest';
import { ACCOUNTS, buildDemo, DAY, jwtPrincipal, throwsWith } from './helpers/operation-rules.js';

const { ethan, ava, bob } = ACCOUNTS;

describe('authorize: permissions (all of them are required)', () => {
  it('passes when the principal has every required permission', async () => {
    const { tg } = await buildDemo();
    const principal = await jwtPrincipal(tg, ethan);
    expect(() =>
      tg.authorize(principal, { permissions: ['brand_create', 'product_create', 'scm_code_edit'] }),
    ).not.toThrow();
  });

  it('refuses with insufficient_permission (403) when one of them is missing', async () => {
    const { tg } = await buildDemo();
    const principal = await jwtPrincipal(tg, ava);
    expect(() => tg.authorize(principal, { permissions: ['scans_download'] })).not.toThrow();
    throwsWith(
      () => tg.authorize(principal, { permissions: ['scans_download', 'brand_create'] }),
      'insufficient_permission',
      403,
    );
    throwsWith(
      () => tg.authorize(principal, { permissions: ['brand_create'] }),
      'insufficient_permission',
      403,
    );
  });

  it('serves each protected demo route’s permission to exactly the users holding it', async () => {
    const { tg } = await buildDemo();
    const ethanP = await jwtPrincipal(tg, ethan);
    const avaP = await jwtPrincipal(tg, ava);
    const bobP = await jwtPrincipal(tg, bob);
    const holders = (permission: string) =>
      [ethanP, avaP, bobP]
        .filter((p) => {
          try {
            tg.authorize(p, { permissions: [permission] });
            return true;
          } catch {
            return false;
          }
        })
        .map((p) => p.username);
    expect(holders('brand_create')).toEqual([ethan.username, bob.username]);
    expect(holders('product_create')).toEqual([ethan.username, bob.username]);
    expect(holders('scans_download')).toEqual([ethan.username, ava.username]);
    expect(holders('scm_bulk_edit')).toEqual([ethan.username]);
    expect(holders('scm_code_edit')).toEqual([ethan.username]);
  });

  it('uses a UAT’s own permissions, not all of its user’s', async () => {
    const { tg, clock } = await buildDemo();
    const caller = await jwtPrincipal(tg, ethan);
    const uat = await tg.uats.create({
      caller,
      name: 'ro',
      expiresAt: new Date(clock.now() + DAY),
      permissions: ['scans_download'],
    });
    const principal = await tg.requirePrincipal({ authorization: `UAT ${uat.token}` });
    expect(() => tg.authorize(principal, { permissions: ['scans_download'] })).not.toThrow();
    throwsWith(
      () => tg.authorize(principal, { permissions: ['brand_create'] }),
      'insufficient_permission',
      403,
    );
  });

  it('passes an empty requirement', async () => {
    const { tg } = await buildDemo();
    const principal = await jwtPrincipal(tg, ava);
    expect(() => tg.authorize(principal, {})).not.toThrow();
    expect(() => tg.authorize(principal, { permissions: [], roles: [] })).not.toThrow();
  });
});

describe('authorize: roles (any one of them)', () => {
  it('passes when the principal has one of the roles', async () => {
    const { tg } = await buildDemo();
    const principal = await jwtPrincipal(tg, ethan);
    expect(() => tg.authorize(principal, { roles: ['company_admin'] })).not.toThrow();
    expect(() => tg.authorize(principal, { roles: ['auditor', 'company_admin'] })).not.toThrow();
  });

  it('refuses with role_required (403) when the principal has none of them', async () => {
    const { tg } = await buildDemo();
    const principal = await jwtPrincipal(tg, ava);
    throwsWith(() => tg.authorize(principal, { roles: ['company_admin'] }), 'role_required', 403);
    throwsWith(() => tg.authorize(principal, { roles: ['auditor', 'company_admin'] }), 'role_required', 403);
  });
});

describe('authorize: environment', () => {
  it('refuses a token with no environment with environment_required (403)', async () => {
    const { tg } = await buildDemo();
    const { token } = await tg.userTokens.login({ username: ethan.username, password: ethan.password });
    const principal = await tg.requirePrincipal({ authorization: `Bearer ${token}` });
    throwsWith(() => tg.authorize(principal, { environment: true }), 'environment_required', 403);
  });

  it('passes a token bound to an environment', async () => {
    const { tg } = await buildDemo();
    const { token } = await tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
      environment: 'production',
    });
    const principal = await tg.requirePrincipal({ authorization: `Bearer ${token}` });
    expect(() => tg.authorize(principal, { environment: true })).not.toThrow();
    expect(principal.environment).toBe('production');
  });

  it('refuses an access token (never bound to an environment) with environment_required (403)', async () => {
    const { tg } = await buildDemo();
    const principal = await jwtPrincipal(tg, ethan);
    throwsWith(() => tg.authorize(principal, { environment: true }), 'environment_required', 403);
  });

  it('does not ask for an environment unless required', async () => {
    const { tg } = await buildDemo();
    const principal = await jwtPrincipal(tg, ava);
    expect(() => tg.authorize(principal, { environment: false })).not.toThrow();
  });
});

describe('authorize: several requirements at once', () => {
  it('passes only when every requirement holds', async () => {
    const { tg } = await buildDemo();
    const { token } = await tg.userTokens.login({
      username: ethan.username,
      password: ethan.password,
      environment: 'staging',
    });
    const principal = await tg.requirePrincipal({ authorization: `Bearer ${token}` });
    expect(() =>
      tg.authorize(principal, {
        environment: true,
        roles: ['company_admin'],
        permissions: ['scm_bulk_edit'],
      }),
    ).not.toThrow();
    throwsWith(
      () => tg.authorize(principal, { environment: true, roles: ['company_admin'], permissions: ['launch'] }),
      'insufficient_permission',
      403,
    );
    throwsWith(
      () =>
        tg.authorize(principal, { environment: true, roles: ['auditor'], permissions: ['scm_bulk_edit'] }),
      'role_required',
      403,
    );
  });
});
