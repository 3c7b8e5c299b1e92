/**
 * `tollgate.introspect` (RFC 7662's answer, without HTTP) on real tokens of every kind from a real
 * Tollgate, and each kind's own audience seen by a verifier that reads no `typ` (jose, as most JWT
 * libraries are used): only access tokens pass one that pins the access audience.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTollgate } from './helpers/internals.js';
import { failingStore } from './helpers/operation-rules.js';
import {
  ACCOUNTS,
  AUDIENCE,
  AUDIENCES,
  createHarness,
  demoDirectory,
  expectRejects,
  type Harness,
  ISSUER,
  type IssuedTokens,
  issueAll,
} from './security-fixtures.js';

let h: Harness;
let t: IssuedTokens;

beforeEach(async () => {
  h = await createHarness();
  t = await issueAll(h);
});

const INACTIVE = { active: false };

describe('introspect: live tokens of each kind', () => {
  it('a JWT-login access token: active, with the registered members and its claims', async () => {
    const result = await h.tg.introspect(t.access);
    expect(result).toMatchObject({
      active: true,
      iss: ISSUER,
      aud: AUDIENCE,
      sub: t.principals.access.userId,
      jti: t.principals.access.tokenId,
      client_id: 'tollgate',
      username: ACCOUNTS.ethan.username,
      preferred_username: ACCOUNTS.ethan.username,
      email: t.principals.access.email,
      token_type: 'Bearer',
      token_kind: 'access',
      sid: t.principals.access.sessionId,
      roles: ['company_admin'],
      entitlements: [...t.principals.access.permissions],
      environment: null,
    });
    if (!result.active) throw new Error('inactive');
    expect(result.exp - result.iat).toBe(3600);
    expect(result.act).toBeUndefined();
  });

  it('a token-pair access token, a user token, a delegated token (both spellings) and a UAT', async () => {
    expect(await h.tg.introspect(t.pairAccess)).toMatchObject({ active: true, token_kind: 'access' });
    expect(await h.tg.introspect(t.user)).toMatchObject({
      active: true,
      token_kind: 'user',
      aud: AUDIENCES.user,
      environment: 'staging',
      auth_time: expect.any(Number),
    });
    const delegated = {
      active: true,
      token_kind: 'delegated',
      aud: AUDIENCES.delegated,
      username: ACCOUNTS.ava.username,
      act: { sub: expect.any(String), preferred_username: ACCOUNTS.root.username },
    };
    expect(await h.tg.introspect(t.delegated)).toMatchObject(delegated);
    expect(await h.tg.introspect(t.delegatedJws)).toMatchObject(delegated);
    expect(await h.tg.introspect(t.uat)).toMatchObject({
      active: true,
      token_type: 'UAT',
      token_kind: 'uat',
      jti: t.uatId,
      aud: AUDIENCE,
      iss: ISSUER,
      username: ACCOUNTS.ethan.username,
      entitlements: ['brand_create'],
    });
  });
});

describe('introspect: anything not live is {active:false} and nothing more', () => {
  it('a refresh token, garbage, an empty string, a wrapped access token, an over-long token', async () => {
    for (const token of [
      t.refresh,
      'nope',
      '',
      Buffer.from(t.access).toString('base64url'),
      'x'.repeat(20_000),
    ]) {
      expect(await h.tg.introspect(token)).toEqual(INACTIVE);
    }
    // One character changed: the signature no longer verifies.
    const tampered = `${t.access.slice(0, -2)}${t.access.endsWith('A') ? 'B' : 'A'}${t.access.slice(-1)}`;
    expect(await h.tg.introspect(tampered)).toEqual(INACTIVE);
    expect(await h.tg.introspect(`${t.uat.slice(0, -1)}x`)).toEqual(INACTIVE);
  });

  it('an expired token', async () => {
    h.clock.advance(3601 * 1000);
    expect(await h.tg.introspect(t.access)).toEqual(INACTIVE);
    expect(await h.tg.introspect(t.user)).toEqual(INACTIVE);
  });

  it('after logout: the token pair revoked, the access token of its family is inactive at once', async () => {
    expect(await h.tg.introspect(t.pairAccess)).toMatchObject({ active: true });
    expect(await h.tg.tokenPair.revoke({ refreshToken: t.refresh })).toBe(true);
    expect(await h.tg.introspect(t.pairAccess)).toEqual(INACTIVE);
    // The JWT login's session is another one: still active.
    expect(await h.tg.introspect(t.access)).toMatchObject({ active: true });
  });

  it('after its session is ended, and after a UAT is revoked', async () => {
    const caller = t.principals.access;
    const sessionId = caller.sessionId;
    if (sessionId === null) throw new Error('no session');
    await h.tg.sessions.revoke({ caller: t.principals.user, sessionId });
    expect(await h.tg.introspect(t.access)).toEqual(INACTIVE);
    await h.tg.uats.revoke({ caller: t.principals.user, id: t.uatId });
    expect(await h.tg.introspect(t.uat)).toEqual(INACTIVE);
  });

  it("after the user's revocation (disabled): every token of theirs is inactive", async () => {
    await h.tg.users.disable({ username: ACCOUNTS.ethan.username });
    try {
      for (const token of [t.access, t.pairAccess, t.user, t.uat]) {
        expect(await h.tg.introspect(token)).toEqual(INACTIVE);
      }
    } finally {
      // The demo directory is shared by the file's harnesses.
      await h.tg.users.enable({ username: ACCOUNTS.ethan.username });
    }
    // Ava's delegated token is hers: still active.
    expect(await h.tg.introspect(t.delegated)).toMatchObject({ active: true });
  });

  it('a store that cannot be read is not an answer: store_unavailable, never active', async () => {
    const store = failingStore();
    const broken = await createHarness({ store });
    const issued = await issueAll(broken);
    store.failing.add('findUatByHash');
    await expectRejects(broken.tg.introspect(issued.uat), 'store_unavailable');
  });
});

describe('each kind has its own audience: a typ-blind verifier pinning the access audience', () => {
  it('accepts access tokens and refuses user and delegated tokens (jose, no typ check)', async () => {
    const jwks = createLocalJWKSet(await h.tg.jwks());
    const verify = (token: string) =>
      jwtVerify(token, jwks, { issuer: ISSUER, audience: AUDIENCE, currentDate: new Date(h.clock.now()) });
    for (const token of [t.access, t.pairAccess]) {
      expect((await verify(token)).payload).toMatchObject({ aud: AUDIENCE, client_id: 'tollgate' });
    }
    await expect(verify(t.user)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'aud',
    });
    await expect(verify(t.delegatedJws)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_VALIDATION_FAILED',
      claim: 'aud',
    });
  });

  it('audiences are configurable, must differ, and the Tollgate reports them', async () => {
    const custom = await createHarness();
    expect(custom.tg.options.audiences).toEqual({
      access: AUDIENCE,
      user: `${AUDIENCE}:user-token`,
      delegated: `${AUDIENCE}:delegated-token`,
    });
    const base = {
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: h.keys,
      store: h.store,
      users: await demoDirectory(),
    };
    const tg = createTollgate({ ...base, audiences: { user: 'https://app.test/user', delegated: 'portal' } });
    expect(tg.options.audiences).toEqual({
      access: AUDIENCE,
      user: 'https://app.test/user',
      delegated: 'portal',
    });
    tg.close();
    expect(() => createTollgate({ ...base, audiences: { user: AUDIENCE } })).toThrow(TypeError);
    expect(() => createTollgate({ ...base, audiences: { user: 'x', delegated: 'x' } })).toThrow(TypeError);
  });
});
