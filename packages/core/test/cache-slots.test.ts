/**
 * The authenticate cache finds an entry by the credential's last 32 characters and then compares the
 * whole credential: credentials that end alike never share a principal, whichever was cached first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  decodeSegment,
  expectRejects,
  type Harness,
  type IssuedTokens,
  issueAll,
  segment,
} from './security-fixtures.js';

let h: Harness;
let t: IssuedTokens;

beforeAll(async () => {
  h = await createHarness();
  t = await issueAll(h);
});

/** The token with another payload and the same header and signature: it ends like the original. */
function withPayload(token: string, changes: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${segment({ ...decodeSegment(token, 1), ...changes })}.${signature}`;
}

/** The principal `authenticate` accepts synchronously, or undefined. */
function cachedPrincipal(request: { authorization: string }) {
  const result = h.tg.authenticate(request);
  return result instanceof Promise || !result.ok ? undefined : result.principal;
}

describe('cache slots', () => {
  it('an edited payload under a cached token’s signature is refused, before and after the original is cached', async () => {
    const forged = withPayload(t.access, { sub: 'someone-else', permissions: ['scm_bulk_edit'] });
    expect(forged.slice(-32)).toBe(t.access.slice(-32));
    await expectRejects(h.tg.requirePrincipal({ authorization: `JWT ${forged}` }), 'invalid_token');
    const original = await h.tg.requirePrincipal({ authorization: `JWT ${t.access}` });
    expect(cachedPrincipal({ authorization: `JWT ${t.access}` })).toBe(original);
    expect(cachedPrincipal({ authorization: `JWT ${forged}` })).toBeUndefined();
    await expectRejects(h.tg.requirePrincipal({ authorization: `JWT ${forged}` }), 'invalid_token');
    // The refusal evicted nothing: the original is still answered from the cache.
    expect(cachedPrincipal({ authorization: `JWT ${t.access}` })).toBe(original);
  });

  it('the same token under two schemes ends alike: each gets its own principal, alternating', async () => {
    for (let round = 0; round < 3; round++) {
      const viaBearer = await h.tg.requirePrincipal({ authorization: `Bearer ${t.pairAccess}` });
      const viaJwt = await h.tg.requirePrincipal({ authorization: `JWT ${t.pairAccess}` });
      expect(viaBearer.source).toBe('Bearer');
      expect(viaJwt.source).toBe('JWT');
      expect(viaBearer.tokenKind).toBe('access');
    }
  });

  it('a delegated token as a cookie and as Bearer: each answered with its own source', async () => {
    for (let round = 0; round < 3; round++) {
      const viaCookie = await h.tg.requirePrincipal({ cookie: `tollgate_session=${t.delegated}` });
      const viaBearer = await h.tg.requirePrincipal({ authorization: `Bearer ${t.delegated}` });
      expect(viaCookie.source).toBe('cookie');
      expect(viaBearer.source).toBe('Bearer');
      expect(viaBearer.actor).toEqual(viaCookie.actor);
    }
  });

  it('a UAT edited before its last 32 characters is refused, and the cached one still works', async () => {
    const principal = await h.tg.requirePrincipal({ authorization: `UAT ${t.uat}` });
    const at = 6;
    const edited = `${t.uat.slice(0, at)}${t.uat[at] === 'A' ? 'B' : 'A'}${t.uat.slice(at + 1)}`;
    expect(edited.slice(-32)).toBe(t.uat.slice(-32));
    await expectRejects(h.tg.requirePrincipal({ authorization: `UAT ${edited}` }), 'invalid_token');
    expect(cachedPrincipal({ authorization: `UAT ${t.uat}` })).toBe(principal);
  });
});

describe('the doorkeeper: a JWT is cached on its second sighting', () => {
  /** The same access token under a fresh jti each time: a stream of distinct logins. */
  const freshTokens = (count: number) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        h.codec.sign('access', { ...decodeSegment(t.access, 1), jti: `doorkeeper-${i}` } as never),
      ),
    );

  it('the first sighting is verified and not cached; the second is cached; later ones are hits', async () => {
    const [token] = await freshTokens(1);
    const request = { authorization: `JWT ${token}` };
    const first = h.tg.authenticate(request);
    const second = h.tg.authenticate(request);
    const third = h.tg.authenticate(request);
    expect(first).toMatchObject({ ok: true });
    expect(second).toMatchObject({ ok: true });
    if (first instanceof Promise || second instanceof Promise || !first.ok || !second.ok)
      throw new Error('sync');
    expect(second.principal).not.toBe(first.principal); // verified twice
    expect(third).toBe(second); // the cached answer itself
  });

  it('a flood of tokens seen once evicts nothing that was cached', async () => {
    const [kept] = await freshTokens(1);
    const request = { authorization: `JWT ${kept}` };
    h.tg.authenticate(request);
    const cached = h.tg.authenticate(request);
    // Three times as many distinct tokens as a small cache holds, each seen once.
    const small = await createHarness({ keys: h.keys, cacheEntries: 100 });
    const smallRequest = { authorization: `JWT ${kept}` };
    small.tg.authenticate(smallRequest);
    const smallCached = small.tg.authenticate(smallRequest);
    for (const token of await freshTokens(300)) {
      expect(small.tg.authenticate({ authorization: `JWT ${token}` })).toMatchObject({ ok: true });
    }
    expect(small.tg.authenticate(smallRequest)).toBe(smallCached);
    expect(h.tg.authenticate(request)).toBe(cached);
  });

  it('a token seen again only after more first sightings than the cache holds is not admitted yet', async () => {
    const small = await createHarness({ keys: h.keys, cacheEntries: 100 });
    const [kept, ...others] = await freshTokens(151);
    const request = { authorization: `JWT ${kept}` };
    small.tg.authenticate(request);
    for (const token of others) small.tg.authenticate({ authorization: `JWT ${token}` });
    const late = small.tg.authenticate(request); // a first sighting again: verified, not cached
    const soon = small.tg.authenticate(request); // seen just before: cached now
    expect(soon).not.toBe(late);
    expect(small.tg.authenticate(request)).toBe(soon);
  });
});
