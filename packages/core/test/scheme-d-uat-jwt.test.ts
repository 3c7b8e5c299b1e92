/**
 * Scheme D (CONTRACT.md "UAT and JWT"): loginForAccessToken, createUat, listUats, revokeUat,
 * and authenticating with a UAT (its permissions intersected with the user's current ones).
 */
import { describe, expect, it } from 'vitest';
import { generateUat, type Principal, type Tollgate } from './helpers/internals.js';
import {
  ACCOUNTS,
  ALL_PERMISSIONS,
  buildDemo,
  buildMutableDemo,
  DAY,
  type Demo,
  demoSeed,
  HOUR,
  jwtPrincipal,
  MINUTE,
  rejectsWith,
  SECOND,
  secondInstance,
  seedUser,
  settle,
} from './helpers/operation-rules.js';

const { ethan, ava, bob, root } = ACCOUNTS;

const uatHeader = (token: string) => ({ authorization: `UAT ${token}` });

async function createUat(
  demo: Demo,
  caller: Principal,
  permissions: readonly string[] = ['brand_create'],
  expiresInMs = 30 * DAY,
) {
  return demo.tg.uats.create({
    caller,
    name: 'ci',
    expiresAt: new Date(demo.clock.now() + expiresInMs),
    permissions,
  });
}

describe('scheme D: loginForAccessToken (JWT)', () => {
  it('returns a token accepted with Authorization: JWT, carrying all the user’s rights', async () => {
    const demo = await buildDemo();
    const { token, expiresAt } = await demo.tg.accessTokens.login({
      username: ethan.username,
      password: ethan.password,
    });
    expect(expiresAt.getTime()).toBe(demo.clock.now() + HOUR);
    const principal = await demo.tg.requirePrincipal({ authorization: `JWT ${token}` });
    expect(principal).toMatchObject({
      userId: ethan.id,
      email: ethan.username,
      source: 'JWT',
      tokenKind: 'access',
      roles: ['company_admin'],
      permissions: ALL_PERMISSIONS,
      environment: null,
      actor: null,
      customData: null,
    });
  });

  it('returns a token accepted with Authorization: Bearer too', async () => {
    const demo = await buildDemo();
    const { token } = await demo.tg.accessTokens.login({ username: ava.username, password: ava.password });
    const principal = await demo.tg.requirePrincipal({ authorization: `Bearer ${token}` });
    expect([principal.source, principal.permissions]).toEqual(['Bearer', ['scans_download']]);
  });

  it('accepts the scheme name in any case (jwt, JWT)', async () => {
    const demo = await buildDemo();
    const { token } = await demo.tg.accessTokens.login({ username: ava.username, password: ava.password });
    expect((await demo.tg.requirePrincipal({ authorization: `jwt ${token}` })).source).toBe('JWT');
  });

  it('refuses bad credentials with invalid_credentials (401) and a missing field with malformed_request (400)', async () => {
    const demo = await buildDemo();
    await rejectsWith(
      demo.tg.accessTokens.login({ username: ethan.username, password: 'bad' }),
      'invalid_credentials',
      401,
    );
    await rejectsWith(
      demo.tg.accessTokens.login({ username: 'who@example.test', password: 'bad' }),
      'invalid_credentials',
      401,
    );
    await rejectsWith(
      demo.tg.accessTokens.login({ username: '', password: 'bad' }),
      'malformed_request',
      400,
    );
  });

  it('expires after the access-token lifetime (token_expired, 401)', async () => {
    const demo = await buildDemo();
    const { token } = await demo.tg.accessTokens.login({ username: ava.username, password: ava.password });
    await demo.tg.requirePrincipal({ authorization: `JWT ${token}` });
    demo.clock.advance(HOUR);
    await rejectsWith(demo.tg.requirePrincipal({ authorization: `JWT ${token}` }), 'token_expired', 401);
  });

  it('refuses no credentials with credentials_missing (401)', async () => {
    const demo = await buildDemo();
    await rejectsWith(demo.tg.requirePrincipal({}), 'credentials_missing', 401);
  });
});

describe('scheme D: createUat', () => {
  it('lets a company_admin create a UAT and returns id, name, token, prefix, expiry, permissions, createdAt', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    const expiresAt = new Date(demo.clock.now() + 30 * DAY);
    const created = await demo.tg.uats.create({
      caller,
      name: 'ci',
      expiresAt,
      permissions: ['brand_create', 'scans_download'],
    });
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(created.name).toBe('ci');
    expect(created.token).toMatch(/^tgu_[A-Za-z0-9]{38}$/);
    expect(created.token.startsWith(created.prefix)).toBe(true);
    expect(created.prefix.length).toBeLessThan(created.token.length);
    expect(created.expiresAt).toEqual(expiresAt);
    expect(created.permissions).toEqual(['brand_create', 'scans_download']);
    expect(created.createdAt).toEqual(new Date(demo.clock.now()));
    expect(created.lastUsedAt).toBeNull();
    expect(created.revokedAt).toBeNull();
  });

  it('accepts expires_at as an ISO 8601 string with an offset', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    const iso = new Date(demo.clock.now() + 7 * DAY).toISOString();
    const created = await demo.tg.uats.create({
      caller,
      name: 'iso',
      expiresAt: iso,
      permissions: ['scans_download'],
    });
    expect(created.expiresAt.toISOString()).toBe(iso);
    const withOffset = await demo.tg.uats.create({
      caller,
      name: 'offset',
      expiresAt: '2026-01-08T02:00:00+02:00',
      permissions: ['scans_download'],
    });
    expect(withOffset.expiresAt.toISOString()).toBe('2026-01-08T00:00:00.000Z');
  });

  it('accepts a caller authenticated by Bearer (token pair) as well as by JWT', async () => {
    const demo = await buildDemo();
    const pair = await demo.tg.tokenPair.login({ username: ethan.username, password: ethan.password });
    const caller = await demo.tg.requirePrincipal({ authorization: `Bearer ${pair.token}` });
    const created = await createUat(demo, caller);
    expect(created.permissions).toEqual(['brand_create']);
  });

  it('shows the token value only once: listUats never includes it', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    const first = await createUat(demo, caller, ['brand_create']);
    demo.clock.advance(MINUTE);
    const second = await createUat(demo, caller, ['product_create', 'scm_bulk_edit']);
    const listed = await demo.tg.uats.list({ caller });
    expect(listed.map((u) => u.id)).toEqual([second.id, first.id]);
    for (const summary of listed) expect(summary).not.toHaveProperty('token');
    const text = JSON.stringify(listed);
    expect(text).not.toContain(first.token);
    expect(text).not.toContain(second.token);
    const { token: _token, ...summary } = second;
    expect(listed[0]).toEqual(summary);
  });

  it('lists only the caller’s own tokens', async () => {
    const seed = demoSeed((s) => {
      seedUser(s, bob.username).roles.push('company_admin');
    });
    const demo = await buildDemo({ seed });
    const ethanCaller = await jwtPrincipal(demo.tg, ethan);
    const bobCaller = await jwtPrincipal(demo.tg, bob);
    await createUat(demo, ethanCaller);
    const bobs = await createUat(demo, bobCaller, ['product_create']);
    expect((await demo.tg.uats.list({ caller: bobCaller })).map((u) => u.id)).toEqual([bobs.id]);
  });

  it('refuses a permission outside the catalogue with invalid_permission (400)', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    await rejectsWith(createUat(demo, caller, ['brand_create', 'launch_rockets']), 'invalid_permission', 400);
  });

  it('refuses a permission the creator lacks with insufficient_permission (403)', async () => {
    const seed = demoSeed((s) => {
      const user = seedUser(s, ethan.username);
      user.permissions = user.permissions.filter((p) => p !== 'scm_code_edit');
    });
    const demo = await buildDemo({ seed });
    const caller = await jwtPrincipal(demo.tg, ethan);
    await rejectsWith(
      createUat(demo, caller, ['brand_create', 'scm_code_edit']),
      'insufficient_permission',
      403,
    );
    expect((await createUat(demo, caller, ['brand_create'])).permissions).toEqual(['brand_create']);
  });

  it('checks the creator’s current permissions, not the ones in its (older) token', async () => {
    const demo = await buildMutableDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    expect(caller.permissions).toContain('scm_bulk_edit');
    demo.users.update(ethan.id, { permissions: ['brand_create'] });
    await rejectsWith(createUat(demo, caller, ['scm_bulk_edit']), 'insufficient_permission', 403);
  });

  it('refuses a caller without company_admin with role_required (403)', async () => {
    const demo = await buildDemo();
    await rejectsWith(
      createUat(demo, await jwtPrincipal(demo.tg, ava), ['scans_download']),
      'role_required',
      403,
    );
    await rejectsWith(
      createUat(demo, await jwtPrincipal(demo.tg, bob), ['brand_create']),
      'role_required',
      403,
    );
    await rejectsWith(
      createUat(demo, await jwtPrincipal(demo.tg, root), ['brand_create']),
      'role_required',
      403,
    );
  });

  it('refuses a caller authenticated by a UAT (UATs cannot mint UATs) with wrong_token_kind (401)', async () => {
    const demo = await buildDemo();
    const created = await createUat(demo, await jwtPrincipal(demo.tg, ethan));
    const uatCaller = await demo.tg.requirePrincipal(uatHeader(created.token));
    await rejectsWith(createUat(demo, uatCaller), 'wrong_token_kind', 401);
    await rejectsWith(demo.tg.uats.list({ caller: uatCaller }), 'wrong_token_kind', 401);
    await rejectsWith(demo.tg.uats.revoke({ caller: uatCaller, id: created.id }), 'wrong_token_kind', 401);
  });

  it('refuses expires_at in the past (or now) with invalid_expiry (400)', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    await rejectsWith(createUat(demo, caller, ['brand_create'], -SECOND), 'invalid_expiry', 400);
    await rejectsWith(createUat(demo, caller, ['brand_create'], 0), 'invalid_expiry', 400);
  });

  it('refuses expires_at more than 365 days ahead with invalid_expiry (400); exactly 365 days is allowed', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    await rejectsWith(createUat(demo, caller, ['brand_create'], 365 * DAY + 1), 'invalid_expiry', 400);
    expect((await createUat(demo, caller, ['brand_create'], 365 * DAY)).expiresAt.getTime()).toBe(
      demo.clock.now() + 365 * DAY,
    );
  });

  it('refuses a malformed expires_at with malformed_request (400)', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    for (const expiresAt of ['next week', '2026-02-30', '2026-03-01T00:00:00', '', new Date(Number.NaN)]) {
      await rejectsWith(
        demo.tg.uats.create({ caller, name: 'x', expiresAt, permissions: ['brand_create'] }),
        'malformed_request',
        400,
      );
    }
  });

  it('refuses an empty name and an empty or repeated permission list with malformed_request (400)', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    const expiresAt = new Date(demo.clock.now() + DAY);
    await rejectsWith(
      demo.tg.uats.create({ caller, name: '', expiresAt, permissions: ['brand_create'] }),
      'malformed_request',
      400,
    );
    await rejectsWith(
      demo.tg.uats.create({ caller, name: 'x', expiresAt, permissions: [] }),
      'malformed_request',
      400,
    );
    await rejectsWith(
      demo.tg.uats.create({ caller, name: 'x', expiresAt, permissions: ['brand_create', 'brand_create'] }),
      'malformed_request',
      400,
    );
  });
});

describe('scheme D: authenticating with a UAT', () => {
  it('acts with only the token’s permissions', async () => {
    const demo = await buildDemo();
    const created = await createUat(demo, await jwtPrincipal(demo.tg, ethan), [
      'brand_create',
      'scans_download',
    ]);
    const principal = await demo.tg.requirePrincipal(uatHeader(created.token));
    expect(principal).toMatchObject({
      userId: ethan.id,
      username: ethan.username,
      source: 'UAT',
      tokenKind: 'uat',
      tokenId: created.id,
      permissions: ['brand_create', 'scans_download'],
      environment: null,
      actor: null,
      expiresAt: created.expiresAt.getTime(),
    });
    demo.tg.authorize(principal, { permissions: ['brand_create'] });
    expect(() => demo.tg.authorize(principal, { permissions: ['product_create'] })).toThrow(
      expect.objectContaining({ code: 'insufficient_permission', status: 403 }),
    );
  });

  it('intersects the token’s permissions with the user’s current ones', async () => {
    const demo = await buildMutableDemo();
    const created = await createUat(demo, await jwtPrincipal(demo.tg, ethan), [
      'brand_create',
      'scans_download',
    ]);
    demo.users.update(ethan.id, { permissions: ['scans_download', 'scm_code_edit'] });
    const principal = await demo.tg.requirePrincipal(uatHeader(created.token));
    expect(principal.permissions).toEqual(['scans_download']);
  });

  it('picks up a change of the user’s permissions once its cache entry lapses', async () => {
    const demo = await buildMutableDemo({ options: { cache: { opaqueTtlMs: MINUTE } } });
    const created = await createUat(demo, await jwtPrincipal(demo.tg, ethan), [
      'brand_create',
      'scans_download',
    ]);
    expect((await demo.tg.requirePrincipal(uatHeader(created.token))).permissions).toEqual([
      'brand_create',
      'scans_download',
    ]);
    demo.users.update(ethan.id, { permissions: ['brand_create'] });
    demo.clock.advance(MINUTE);
    expect((await demo.tg.requirePrincipal(uatHeader(created.token))).permissions).toEqual(['brand_create']);
  });

  it('is refused with token_expired (401) from its expiry on, cached or not', async () => {
    const demo = await buildDemo();
    const created = await createUat(demo, await jwtPrincipal(demo.tg, ethan), ['brand_create'], 2 * HOUR);
    demo.clock.advance(2 * HOUR - SECOND);
    await demo.tg.requirePrincipal(uatHeader(created.token));
    demo.clock.advance(SECOND);
    await rejectsWith(demo.tg.requirePrincipal(uatHeader(created.token)), 'token_expired', 401);
    const fresh = secondInstance(demo);
    await rejectsWith(fresh.requirePrincipal(uatHeader(created.token)), 'token_expired', 401);
  });

  it('is refused with token_revoked (401) at once after revokeUat, even when it was cached', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    const created = await createUat(demo, caller);
    await demo.tg.requirePrincipal(uatHeader(created.token));
    await demo.tg.uats.revoke({ caller, id: created.id });
    await rejectsWith(demo.tg.requirePrincipal(uatHeader(created.token)), 'token_revoked', 401);
    const listed = await demo.tg.uats.list({ caller });
    expect(listed[0]?.revokedAt).toEqual(new Date(demo.clock.now()));
  });

  it('is refused with token_revoked (401) at once by another instance that looks it up after the revocation', async () => {
    const demo = await buildDemo();
    const other = secondInstance(demo);
    const caller = await jwtPrincipal(demo.tg, ethan);
    const created = await createUat(demo, caller);
    await demo.tg.uats.revoke({ caller, id: created.id });
    await rejectsWith(other.requirePrincipal(uatHeader(created.token)), 'token_revoked', 401);
  });

  it('is refused by another instance that had it cached once its revocation sync has run', async () => {
    const demo = await buildDemo();
    const other = secondInstance(demo, { revocations: { syncIntervalMs: 0, maxStalenessMs: 0 } });
    const caller = await jwtPrincipal(demo.tg, ethan);
    const created = await createUat(demo, caller);
    await other.requirePrincipal(uatHeader(created.token));
    await demo.tg.uats.revoke({ caller, id: created.id });
    await rejectsWith(other.requirePrincipal(uatHeader(created.token)), 'token_revoked', 401);
  });

  it('answers not_found (404) for someone else’s id, and that token keeps working', async () => {
    const seed = demoSeed((s) => {
      seedUser(s, bob.username).roles.push('company_admin');
    });
    const demo = await buildDemo({ seed });
    const ethanCaller = await jwtPrincipal(demo.tg, ethan);
    const bobCaller = await jwtPrincipal(demo.tg, bob);
    const created = await createUat(demo, ethanCaller);
    await rejectsWith(demo.tg.uats.revoke({ caller: bobCaller, id: created.id }), 'not_found', 404);
    expect((await demo.tg.requirePrincipal(uatHeader(created.token))).userId).toBe(ethan.id);
  });

  it('answers not_found (404) for an unknown id', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    await rejectsWith(
      demo.tg.uats.revoke({ caller, id: '00000000-0000-4000-8000-00000000abcd' }),
      'not_found',
      404,
    );
  });

  it('lets revokeUat by a caller without company_admin be refused with role_required (403)', async () => {
    const demo = await buildDemo();
    const created = await createUat(demo, await jwtPrincipal(demo.tg, ethan));
    await rejectsWith(
      demo.tg.uats.revoke({ caller: await jwtPrincipal(demo.tg, ava), id: created.id }),
      'role_required',
      403,
    );
    await rejectsWith(demo.tg.uats.list({ caller: await jwtPrincipal(demo.tg, ava) }), 'role_required', 403);
  });

  it('refuses an unknown well-formed UAT with invalid_token (401)', async () => {
    const demo = await buildDemo();
    await rejectsWith(demo.tg.requirePrincipal(uatHeader(generateUat().token)), 'invalid_token', 401);
  });

  it('refuses a UAT whose checksum does not match (tampered) with invalid_token (401)', async () => {
    const demo = await buildDemo();
    const created = await createUat(demo, await jwtPrincipal(demo.tg, ethan));
    const last = created.token.at(-1);
    const tampered = `${created.token.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
    await rejectsWith(demo.tg.requirePrincipal(uatHeader(tampered)), 'invalid_token', 401);
    const middle = created.token.length >> 1;
    const swapped = `${created.token.slice(0, middle)}${created.token[middle] === 'x' ? 'y' : 'x'}${created.token.slice(middle + 1)}`;
    await rejectsWith(demo.tg.requirePrincipal(uatHeader(swapped)), 'invalid_token', 401);
    await rejectsWith(demo.tg.requirePrincipal(uatHeader('tgu_short')), 'invalid_token', 401);
  });

  it('never echoes the token in the refusal', async () => {
    const demo = await buildDemo();
    const unknown = generateUat().token;
    const error = await rejectsWith(demo.tg.requirePrincipal(uatHeader(unknown)), 'invalid_token');
    expect(error.message).not.toContain(unknown);
  });

  it('is only accepted with Authorization: UAT, never as Bearer or JWT', async () => {
    const demo = await buildDemo();
    const created = await createUat(demo, await jwtPrincipal(demo.tg, ethan));
    await rejectsWith(
      demo.tg.requirePrincipal({ authorization: `Bearer ${created.token}` }),
      'wrong_token_kind',
      401,
    );
    await rejectsWith(
      demo.tg.requirePrincipal({ authorization: `JWT ${created.token}` }),
      'wrong_token_kind',
      401,
    );
  });

  it('records its last-used time', async () => {
    const demo = await buildDemo();
    const caller = await jwtPrincipal(demo.tg, ethan);
    const created = await createUat(demo, caller);
    demo.clock.advance(5 * MINUTE);
    const usedAt = demo.clock.now();
    await demo.tg.requirePrincipal(uatHeader(created.token));
    await settle();
    expect((await demo.tg.uats.list({ caller }))[0]?.lastUsedAt).toEqual(new Date(usedAt));
    // Used again later (after its cache entry lapsed): the time moves on.
    demo.clock.advance(2 * MINUTE);
    const laterAt = demo.clock.now();
    await demo.tg.requirePrincipal(uatHeader(created.token));
    await settle();
    expect((await demo.tg.uats.list({ caller }))[0]?.lastUsedAt).toEqual(new Date(laterAt));
  });

  it('refuses a UAT whose user no longer exists with invalid_token (401)', async () => {
    const demo = await buildMutableDemo();
    const created = await createUat(demo, await jwtPrincipal(demo.tg, ethan));
    demo.users.remove(ethan.id);
    await rejectsWith(demo.tg.requirePrincipal(uatHeader(created.token)), 'invalid_token', 401);
  });
});

describe('scheme D: UAT management through two instances', () => {
  it('lets a UAT created on one instance work on another sharing the store', async () => {
    const demo = await buildDemo();
    const other: Tollgate = secondInstance(demo);
    const created = await createUat(demo, await jwtPrincipal(demo.tg, ethan), ['product_create']);
    expect((await other.requirePrincipal(uatHeader(created.token))).permissions).toEqual(['product_create']);
  });
});
