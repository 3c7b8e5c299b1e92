/**
 * A credential refused as `invalid_token` for what it is is remembered; `cachedRefusal` (and through
 * it `guardCached`) answers it again synchronously, exactly as `authenticate` and `guard` would.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHttpHandler, generateUat, type HttpRequest, type TollgateHttp } from '../src/index.js';
import {
  createHarness,
  expectRejects,
  type Harness,
  type IssuedTokens,
  issueAll,
} from './security-fixtures.js';

let h: Harness;
let t: IssuedTokens;
let http: TollgateHttp;

beforeAll(async () => {
  h = await createHarness();
  t = await issueAll(h);
  http = createHttpHandler(h.tg);
});

/** One signature character changed. */
const tampered = (token: string) => `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;

const get = (authorization: string, cookie?: string): HttpRequest => ({
  method: 'GET',
  url: '/api/v2/me/',
  headers: cookie === undefined ? { authorization } : { authorization, cookie },
});

describe('cachedRefusal', () => {
  it('knows nothing before authenticate refused; then the same code and message, without a stack', async () => {
    const header = `JWT ${tampered(t.access)}`;
    expect(h.tg.cachedRefusal({ authorization: header })).toBeUndefined();
    const first = await expectRejects(h.tg.authenticate({ authorization: header }), 'invalid_token');
    const again = h.tg.cachedRefusal({ authorization: header });
    expect(again?.code).toBe('invalid_token');
    expect(again?.message).toBe(first.message);
    expect(again?.stack ?? '').not.toContain('\n    at ');
    // And authenticate still refuses it the same way.
    const second = await expectRejects(h.tg.authenticate({ authorization: header }), 'invalid_token');
    expect(second.message).toBe(first.message);
  });

  it('leaves to authenticate: a cookie beside the header, a scheme the route does not take, a repeated header', async () => {
    const header = `Bearer ${tampered(t.pairAccess)}`;
    await expectRejects(h.tg.authenticate({ authorization: header }), 'invalid_token');
    expect(h.tg.cachedRefusal({ authorization: header })).toBeDefined();
    expect(h.tg.cachedRefusal({ authorization: header, cookie: 'tollgate_session=x' })).toBeUndefined();
    expect(h.tg.cachedRefusal({ authorization: [header, header] })).toBeUndefined();
    expect(h.tg.cachedRefusal({ authorization: header }, { sources: ['UAT'] })).toBeUndefined();
    await expectRejects(
      h.tg.authenticate({ authorization: header }, { sources: ['UAT'] }),
      'unsupported_scheme',
    );
    expect(h.tg.cachedRefusal({ authorization: header }, { sources: ['Bearer'] })?.code).toBe(
      'invalid_token',
    );
  });

  it('remembers nothing that may change: an expired token, a well-formed UAT the store lacks', async () => {
    const expired = `JWT ${t.access}`;
    const start = h.clock.now();
    h.clock.advance((h.tg.options.lifetimes.accessToken + 60) * 1000);
    try {
      await expectRejects(h.tg.authenticate({ authorization: expired }), 'token_expired');
      expect(h.tg.cachedRefusal({ authorization: expired })).toBeUndefined();
    } finally {
      h.clock.set(start);
    }
    // Unknown today, it may be created tomorrow: never remembered.
    const unknownUat = `UAT ${generateUat().token}`;
    await expectRejects(h.tg.authenticate({ authorization: unknownUat }), 'invalid_token');
    expect(h.tg.cachedRefusal({ authorization: unknownUat })).toBeUndefined();
    // A bad checksum can never become valid: remembered.
    const badChecksum = `UAT ${tampered(t.uat)}`;
    await expectRejects(h.tg.authenticate({ authorization: badChecksum }), 'invalid_token');
    expect(h.tg.cachedRefusal({ authorization: badChecksum })?.code).toBe('invalid_token');
  });
});

describe('guardCached answers a remembered refusal as guard does', () => {
  for (const shape of ['default', 'detail', 'envelope'] as const) {
    it(`byte for byte, shape ${shape}`, async () => {
      const request = get(`JWT ${tampered(t.access)}`);
      const fromGuard = await http.guard(request, { shape });
      expect(fromGuard.ok).toBe(false);
      const known = http.guardCached(request, { shape });
      expect(known).toEqual(fromGuard);
      expect(known?.ok === false && known.response.status).toBe(401);
    });
  }

  it('optional routes too: a bad credential is refused, only a missing one is let through', async () => {
    const request = get(`JWT ${tampered(t.access)}`);
    await http.guard(request, { optional: true });
    expect(http.guardCached(request, { optional: true })).toMatchObject({ ok: false });
    expect(http.guardCached({ method: 'GET', url: '/', headers: {} }, { optional: true })).toBeUndefined();
  });

  it('never answers from a request with a cookie (its CSRF and ambiguity rules are guard’s)', async () => {
    const request = get(`JWT ${tampered(t.access)}`);
    await http.guard(request);
    expect(http.guardCached(get(`JWT ${tampered(t.access)}`, 'tollgate_session=abc'))).toBeUndefined();
  });
});
