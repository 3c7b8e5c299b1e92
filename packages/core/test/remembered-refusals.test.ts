/**
 * A credential refused as `invalid_token` for what it is is remembered: `authenticate` (and through it
 * `guard`) answers it again synchronously, with the same refusal value, never verifying it again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AuthResult,
  createHttpHandler,
  generateUat,
  type HttpRequest,
  type TollgateHttp,
} from './helpers/internals.js';
import { createHarness, type Harness, type IssuedTokens, issueAll } from './security-fixtures.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

let h: Harness;
let t: IssuedTokens;
let http: TollgateHttp;

beforeAll(async () => {
  h = await createHarness();
  t = await issueAll(h);
  http = createHttpHandler(h.tg, { profiles: DOCUMENTED_PROFILES });
});

/** One signature character changed. */
const tampered = (token: string) => `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;

const get = (authorization: string, cookie?: string): HttpRequest => ({
  method: 'GET',
  url: '/api/v2/me/',
  headers: cookie === undefined ? { authorization } : { authorization, cookie },
});

/** The synchronous answer, failing the test if `authenticate` returned a promise. */
function sync(result: AuthResult | Promise<AuthResult>): AuthResult {
  expect(result).not.toBeInstanceOf(Promise);
  return result as AuthResult;
}

describe('remembered refusals', () => {
  it('the same refusal value every time, synchronously, with the first refusal’s message', () => {
    const header = `JWT ${tampered(t.access)}`;
    const first = sync(h.tg.authenticate({ authorization: header }));
    expect(first).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
    const again = sync(h.tg.authenticate({ authorization: header }));
    expect(again).toBe(first);
  });

  it('a scheme the route does not take is refused as such, the remembered one otherwise', () => {
    const header = `Bearer ${tampered(t.pairAccess)}`;
    const first = sync(h.tg.authenticate({ authorization: header }));
    expect(sync(h.tg.authenticate({ authorization: header }, { sources: ['UAT'] }))).toMatchObject({
      ok: false,
      error: { code: 'unsupported_scheme' },
    });
    expect(sync(h.tg.authenticate({ authorization: header }, { sources: ['Bearer'] }))).toBe(first);
  });

  it('a repeated header or a cookie beside it is judged afresh', () => {
    const header = `Bearer ${tampered(t.pairAccess)}`;
    const first = sync(h.tg.authenticate({ authorization: header }));
    expect(sync(h.tg.authenticate({ authorization: [header, header] }))).toMatchObject({
      ok: false,
      error: { code: 'ambiguous_credentials' },
    });
    const withCookie = sync(h.tg.authenticate({ authorization: header, cookie: 'tollgate_session=x' }));
    expect(withCookie).not.toBe(first);
    expect(withCookie).toMatchObject({ ok: false, error: { code: 'ambiguous_credentials' } });
  });

  it('remembers nothing that may change: an expired token, a well-formed UAT the store lacks', async () => {
    const expired = `JWT ${t.access}`;
    const start = h.clock.now();
    h.clock.advance((h.tg.options.lifetimes.accessToken + 60) * 1000);
    try {
      const first = sync(h.tg.authenticate({ authorization: expired }));
      expect(first).toMatchObject({ ok: false, error: { code: 'token_expired' } });
      expect(sync(h.tg.authenticate({ authorization: expired }))).not.toBe(first);
    } finally {
      h.clock.set(start);
    }
    // Unknown today, it may be created tomorrow: the store is asked every time.
    const unknownUat = `UAT ${generateUat().token}`;
    for (let i = 0; i < 2; i++) {
      const pending = h.tg.authenticate({ authorization: unknownUat });
      expect(pending).toBeInstanceOf(Promise);
      expect(await pending).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
    }
    // A bad checksum can never become valid: refused without a lookup, and remembered.
    const badChecksum = `UAT ${tampered(t.uat)}`;
    const first = sync(h.tg.authenticate({ authorization: badChecksum }));
    expect(first).toMatchObject({ ok: false, error: { code: 'invalid_token' } });
    expect(sync(h.tg.authenticate({ authorization: badChecksum }))).toBe(first);
  });
});

describe('guard answers a remembered refusal synchronously', () => {
  for (const shape of ['default', 'detail', 'envelope'] as const) {
    it(`the same response each time, shape ${shape}`, () => {
      const request = get(`JWT ${tampered(t.access)}`);
      const first = http.guard(request, { shape });
      expect(first).not.toBeInstanceOf(Promise);
      const again = http.guard(request, { shape });
      expect(again).toEqual(first);
      expect(again).toMatchObject({ ok: false, response: { status: 401 } });
    });
  }

  it('optional routes too: a bad credential is refused, only a missing one is let through', () => {
    const request = get(`JWT ${tampered(t.access)}`);
    expect(http.guard(request, { optional: true })).toMatchObject({ ok: false });
    expect(http.guard({ method: 'GET', url: '/', headers: {} }, { optional: true })).toEqual({
      ok: true,
      principal: null,
    });
  });
});
