/**
 * Token-kind substitution: no kind of token stands in for another, whichever source carries it
 * and whichever operation receives it. Real tokens issued by a real Tollgate; re-typed tokens are
 * re-signed with the Tollgate's own key, so only the `typ` marker differs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CredentialSource,
  DEFAULT_SOURCE_KINDS,
  JWT_TYP,
  type JwtKind,
  type RequestCredentials,
  type TokenKind,
} from './helpers/internals.js';
import {
  createHarness,
  decodeSegment,
  expectRejects,
  expectThrows,
  type Harness,
  headerFor,
  type IssuedTokens,
  issueAll,
  signToken,
} from './security-fixtures.js';

type HeaderSource = Exclude<CredentialSource, 'path'>;
const SOURCES: readonly HeaderSource[] = ['Bearer', 'JWT', 'UAT', 'cookie'];
const JWT_KINDS: readonly JwtKind[] = ['access', 'user', 'delegated'];

function present(source: HeaderSource, token: string): RequestCredentials {
  return source === 'cookie'
    ? { cookie: `tollgate_session=${token}` }
    : { authorization: `${source} ${token}` };
}

let h: Harness;
let t: IssuedTokens;

beforeAll(async () => {
  h = await createHarness();
  t = await issueAll(h);
});

describe('token kinds through every credential source', () => {
  // Each form a client may hold, with the kind it is. The delegated token is tried both as issued
  // (base64url of the JWS, CONTRACT.md) and as the bare JWS.
  const forms: readonly { name: string; kind: TokenKind; token: () => string }[] = [
    { name: 'access token (scheme D)', kind: 'access', token: () => t.access },
    { name: 'access token (scheme C pair)', kind: 'access', token: () => t.pairAccess },
    { name: 'user token', kind: 'user', token: () => t.user },
    { name: 'delegated token as issued', kind: 'delegated', token: () => t.delegated },
    { name: 'delegated token as a bare JWS', kind: 'delegated', token: () => t.delegatedJws },
    { name: 'UAT', kind: 'uat', token: () => t.uat },
    { name: 'refresh token', kind: 'refresh', token: () => t.refresh },
  ];
  for (const form of forms) {
    for (const source of SOURCES) {
      const allowed = DEFAULT_SOURCE_KINDS[source].includes(form.kind);
      it(`${form.name} via ${source}: ${allowed ? 'accepted as its own kind' : 'wrong_token_kind'}`, async () => {
        const request = present(source, form.token());
        if (allowed) {
          const principal = await h.tg.requirePrincipal(request);
          expect(principal.tokenKind).toBe(form.kind);
          expect(principal.source).toBe(source);
        } else {
          await expectRejects(h.tg.requirePrincipal(request), 'wrong_token_kind');
        }
      });
    }
  }

  it('a route restricted to some sources refuses the others with unsupported_scheme, cached or not', async () => {
    await expectRejects(
      h.tg.requirePrincipal({ authorization: `Bearer ${t.access}` }, { sources: ['JWT'] }),
      'unsupported_scheme',
    );
    // Now cached as a Bearer principal: the cache hit must apply the same rule.
    await h.tg.requirePrincipal({ authorization: `Bearer ${t.access}` });
    await expectRejects(
      h.tg.requirePrincipal({ authorization: `Bearer ${t.access}` }, { sources: ['JWT'] }),
      'unsupported_scheme',
    );
    await expectRejects(
      h.tg.requirePrincipal({ cookie: `tollgate_session=${t.delegated}` }, { sources: ['Bearer'] }),
      'unsupported_scheme',
    );
    await expectRejects(
      h.tg.requirePrincipal({ authorization: `UAT ${t.uat}` }, { sources: ['JWT', 'Bearer'] }),
      'unsupported_scheme',
    );
  });

  it('unknown schemes are refused with unsupported_scheme', async () => {
    for (const scheme of ['Basic', 'Digest', 'Token', 'DPoP', 'Bearer2', 'JWTs', 'Negotiate']) {
      await expectRejects(
        h.tg.requirePrincipal({ authorization: `${scheme} ${t.access}` }),
        'unsupported_scheme',
      );
    }
  });
});

describe('base64url wrapping: only the delegated security token has that second spelling', () => {
  const wrap = (jws: string) => Buffer.from(jws, 'latin1').toString('base64url');
  const others = (): readonly [string, string][] => [
    ['access token (scheme D)', t.access],
    ['access token (scheme C pair)', t.pairAccess],
    ['user token', t.user],
    ['admin access token', t.adminAccess],
  ];

  it('a wrapped access or user token is refused as invalid_token through every source, twice (cached)', async () => {
    for (const [, jws] of others()) {
      for (const source of SOURCES) {
        for (let attempt = 0; attempt < 2; attempt++) {
          const result = await h.tg.authenticate(present(source, wrap(jws)));
          expect(result.ok).toBe(false);
          if (!result.ok) {
            expect(result.error.code).toBe('invalid_token');
            expect(result.error.message).toMatch(/only a delegated security token may be base64url-wrapped/);
          }
        }
      }
    }
  });

  it('the same tokens unwrapped still verify, and the delegated token is accepted in both spellings', async () => {
    expect((await h.tg.requirePrincipal({ authorization: `JWT ${t.access}` })).tokenKind).toBe('access');
    expect((await h.tg.requirePrincipal({ authorization: `Bearer ${t.user}` })).tokenKind).toBe('user');
    expect(t.delegated).toBe(wrap(t.delegatedJws));
    for (const token of [t.delegated, t.delegatedJws]) {
      expect((await h.tg.requirePrincipal({ authorization: `Bearer ${token}` })).tokenKind).toBe('delegated');
    }
  });

  it('a wrapped user token is refused by refresh and environments (invalid_token)', async () => {
    await expectRejects(h.tg.userTokens.refresh({ token: wrap(t.user) }), 'invalid_token');
    await expectRejects(h.tg.userTokens.environments({ token: wrap(t.user) }), 'invalid_token');
  });
});

describe('token kinds where another kind is expected', () => {
  it('refreshUserToken and listEnvironments refuse access and delegated tokens with wrong_token_kind', async () => {
    for (const token of [t.access, t.pairAccess, t.adminAccess, t.delegatedJws, t.delegated]) {
      await expectRejects(h.tg.userTokens.refresh({ token }), 'wrong_token_kind');
      await expectRejects(h.tg.userTokens.environments({ token }), 'wrong_token_kind');
    }
    // Sanity: the user token itself works on both.
    expect((await h.tg.userTokens.refresh({ token: t.user })).environment).toBe('staging');
    expect((await h.tg.userTokens.environments({ token: t.user })).length).toBeGreaterThan(0);
  });

  it('refreshUserToken and listEnvironments refuse opaque tokens (not a JWT at all: invalid_token)', async () => {
    for (const token of [t.uat, t.refresh]) {
      await expectRejects(h.tg.userTokens.refresh({ token }), 'invalid_token');
      await expectRejects(h.tg.userTokens.environments({ token }), 'invalid_token');
    }
  });

  it('refreshTokenPair refuses JWTs and UATs with wrong_token_kind, before any store call', async () => {
    const before = h.probe.count('rotateRefreshToken');
    for (const refreshToken of [t.access, t.pairAccess, t.user, t.delegatedJws, t.uat]) {
      await expectRejects(h.tg.tokenPair.refresh({ refreshToken }), 'wrong_token_kind');
    }
    // The delegated token as issued has no dot and no prefix: by shape it is just not a refresh token.
    await expectRejects(h.tg.tokenPair.refresh({ refreshToken: t.delegated }), [
      'invalid_token',
      'wrong_token_kind',
    ]);
    expect(h.probe.count('rotateRefreshToken')).toBe(before);
  });

  it('revokeTokenPair given a JWT or a UAT revokes nothing and asks the store nothing', async () => {
    const before = h.probe.count('revokeRefreshFamilyByToken');
    for (const refreshToken of [t.access, t.pairAccess, t.user, t.delegated, t.delegatedJws, t.uat]) {
      expect(await h.tg.tokenPair.revoke({ refreshToken })).toBe(false);
    }
    expect(h.probe.count('revokeRefreshFamilyByToken')).toBe(before);
    // The family of the pair is untouched.
    expect((await h.tg.requirePrincipal({ authorization: `Bearer ${t.pairAccess}` })).tokenKind).toBe(
      'access',
    );
  });

  it('delegate refuses a user token as adminToken with wrong_token_kind', async () => {
    const input = { domain: 'datastore', userIdentity: 'ava.reader@datastoreltd.biz' };
    await expectRejects(h.tg.delegatedLogin.issue({ ...input, adminToken: t.user }), 'wrong_token_kind');
  });

  it('delegate refuses a delegated token as adminToken with delegated_token_not_allowed', async () => {
    const input = { domain: 'datastore', userIdentity: 'ava.reader@datastoreltd.biz' };
    await expectRejects(
      h.tg.delegatedLogin.issue({ ...input, adminToken: t.delegated }),
      'delegated_token_not_allowed',
    );
    await expectRejects(
      h.tg.delegatedLogin.issue({ ...input, adminToken: t.delegatedJws }),
      'delegated_token_not_allowed',
    );
  });

  it('delegate refuses opaque tokens as adminToken with wrong_token_kind', async () => {
    const input = { domain: 'datastore', userIdentity: 'ava.reader@datastoreltd.biz' };
    await expectRejects(h.tg.delegatedLogin.issue({ ...input, adminToken: t.uat }), 'wrong_token_kind');
    await expectRejects(h.tg.delegatedLogin.issue({ ...input, adminToken: t.refresh }), 'wrong_token_kind');
    // Sanity: the administrator's access token works, a customer's is not an administrator's.
    expect(
      (await h.tg.delegatedLogin.issue({ ...input, adminToken: t.adminAccess })).token.length,
    ).toBeGreaterThan(0);
    await expectRejects(
      h.tg.delegatedLogin.issue({ ...input, adminToken: t.access }),
      'not_an_administrator',
    );
  });

  it('createUat, listUats and revokeUat refuse a UAT principal (wrong_token_kind) and a delegated one', async () => {
    const expiresAt = new Date(h.clock.now() + 86_400_000);
    const uatCaller = t.principals.uat;
    const delegatedCaller = t.principals.delegated;
    expect(uatCaller.roles).toContain('company_admin'); // the refusal is about the kind, not the role
    await expectRejects(
      h.tg.uats.create({ caller: uatCaller, name: 'x', expiresAt, permissions: ['brand_create'] }),
      'wrong_token_kind',
    );
    await expectRejects(h.tg.uats.list({ caller: uatCaller }), 'wrong_token_kind');
    await expectRejects(h.tg.uats.revoke({ caller: uatCaller, id: t.uatId }), 'wrong_token_kind');
    await expectRejects(
      h.tg.uats.create({ caller: delegatedCaller, name: 'x', expiresAt, permissions: ['scans_download'] }),
      'delegated_token_not_allowed',
    );
    await expectRejects(h.tg.uats.list({ caller: delegatedCaller }), 'delegated_token_not_allowed');
    // The UAT still works: the refused revocation did nothing.
    expect((await h.tg.requirePrincipal({ authorization: `UAT ${t.uat}` })).tokenKind).toBe('uat');
  });

  it('issueUserToken refuses user, UAT and delegated principals', async () => {
    const input = { username: 'ava.reader@datastoreltd.biz' };
    await expectRejects(h.tg.userTokens.issue({ ...input, caller: t.principals.user }), 'wrong_token_kind');
    await expectRejects(h.tg.userTokens.issue({ ...input, caller: t.principals.uat }), 'wrong_token_kind');
    await expectRejects(
      h.tg.userTokens.issue({ ...input, caller: t.principals.delegated }),
      'delegated_token_not_allowed',
    );
  });
});

describe('a re-typed token is accepted only as the kind its typ names', () => {
  const originals: readonly { kind: JwtKind; token: () => string }[] = [
    { kind: 'access', token: () => t.access },
    { kind: 'user', token: () => t.user },
    { kind: 'delegated', token: () => t.delegatedJws },
  ];
  for (const original of originals) {
    for (const typKind of JWT_KINDS) {
      it(`${original.kind} claims re-signed with typ ${JWT_TYP[typKind]}`, async () => {
        const signed = decodeSegment(original.token(), 1);
        if (typKind !== original.kind) {
          // Each kind's audience pins it too: re-typed alone, keeping its own `aud`, it is refused.
          const retyped = signToken(h.key, headerFor(h.key, JWT_TYP[typKind]), signed);
          expectThrows(() => h.codec.verify(retyped, h.clock.now()), 'invalid_token');
        }
        // Re-typed with the audience of the kind it claims to be: only its typ (and aud) differ.
        const claims: Record<string, unknown> = { ...signed, aud: h.tg.options.audiences[typKind] };
        const token = signToken(h.key, headerFor(h.key, JWT_TYP[typKind]), claims);
        expect(h.codec.verify(token, h.clock.now()).kind).toBe(typKind);
        // Claims a delegated principal cannot do without.
        const wellFormedFor = typKind !== 'delegated' || claims.act !== undefined;
        for (const source of SOURCES) {
          const request = present(source, token);
          if (!DEFAULT_SOURCE_KINDS[source].includes(typKind)) {
            await expectRejects(h.tg.requirePrincipal(request), 'wrong_token_kind');
          } else if (!wellFormedFor) {
            await expectRejects(h.tg.requirePrincipal(request), 'invalid_token');
          } else {
            expect((await h.tg.requirePrincipal(request)).tokenKind).toBe(typKind);
          }
        }
        if (typKind !== 'user') {
          await expectRejects(h.tg.userTokens.refresh({ token }), 'wrong_token_kind');
        } else if (typeof claims.auth_time !== 'number') {
          await expectRejects(h.tg.userTokens.refresh({ token }), 'invalid_token');
        } else {
          expect((await h.tg.userTokens.refresh({ token })).token).not.toBe(token);
        }
      });
    }
  }

  it('a typ naming no Tollgate kind is refused everywhere with invalid_token', async () => {
    const claims = decodeSegment(t.access, 1);
    for (const typ of [
      'JWT',
      'jwt',
      'AT+JWT',
      'application/at+jwt',
      'at+jwt ',
      'tollgate-refresh+jwt',
      'uat',
      '',
    ]) {
      const token = signToken(h.key, headerFor(h.key, typ), claims);
      for (const source of SOURCES)
        await expectRejects(h.tg.requirePrincipal(present(source, token)), 'invalid_token');
      await expectRejects(h.tg.userTokens.refresh({ token }), 'invalid_token');
    }
  });
});
