/**
 * Where a request carries its credential: the Authorization header (strict RFC 9110 `scheme token68`)
 * and the session cookie. Example-based edge cases, then properties over arbitrary input.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Credential,
  extractCredential,
  MAX_CREDENTIAL_LENGTH,
  parseAuthorizationHeader,
  readCookie,
} from './helpers/internals.js';
import {
  createHarness,
  expectRejects,
  expectThrows,
  type Harness,
  type IssuedTokens,
  issueAll,
  onlyTollgateErrors,
} from './security-fixtures.js';

const COOKIE = 'tollgate_session';
const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln';

describe('parseAuthorizationHeader', () => {
  it('accepts the scheme in any case and maps it to its canonical name', () => {
    for (const [scheme, source] of [
      ['Bearer', 'Bearer'],
      ['bearer', 'Bearer'],
      ['BEARER', 'Bearer'],
      ['bEaReR', 'Bearer'],
      ['JWT', 'JWT'],
      ['jwt', 'JWT'],
      ['Jwt', 'JWT'],
      ['UAT', 'UAT'],
      ['uat', 'UAT'],
      ['uAt', 'UAT'],
    ] as const) {
      expect(parseAuthorizationHeader(`${scheme} ${TOKEN}`)).toEqual({ source, token: TOKEN });
    }
  });

  it('accepts several spaces between scheme and token, and surrounding whitespace', () => {
    expect(parseAuthorizationHeader(`Bearer    ${TOKEN}`)).toEqual({ source: 'Bearer', token: TOKEN });
    expect(parseAuthorizationHeader(`  Bearer ${TOKEN}  `)).toEqual({ source: 'Bearer', token: TOKEN });
  });

  it('refuses a tab, a newline or any other separator between scheme and token', () => {
    for (const sep of ['\t', ' \t', '\t ', '\n', '\r\n', '\u00a0', '\u2003', '', ':', ': ', '=']) {
      expectThrows(() => parseAuthorizationHeader(`Bearer${sep}${TOKEN}`), 'invalid_token');
    }
  });

  it('refuses a missing token, an empty header and characters outside token68', () => {
    for (const value of [
      'Bearer',
      'Bearer ',
      '',
      ' ',
      '\t',
      `Bearer ${TOKEN}\r\nX-Injected: 1`,
      'Bearer a\u0000b',
      'Bearer a"b',
      'Bearer =abc',
      'Bearer é',
    ]) {
      expectThrows(() => parseAuthorizationHeader(value), 'invalid_token');
    }
  });

  it('refuses two credentials in one header: folded repeated headers are ambiguous_credentials', () => {
    // What fetch's Headers.get (and some proxies) make of two Authorization headers.
    for (const value of [
      `Bearer ${TOKEN}, Bearer ${TOKEN}`,
      `Bearer a, JWT b`,
      `UAT tgu_a,Bearer b`,
      'Bearer a==, Basic b',
    ]) {
      expectThrows(() => parseAuthorizationHeader(value), 'ambiguous_credentials');
    }
    // Two tokens after one scheme, or two schemes without a comma: just malformed.
    for (const value of [
      `Bearer ${TOKEN} ${TOKEN}`,
      `Bearer ${TOKEN} Bearer ${TOKEN}`,
      'Bearer a,b',
      'Bearer a,',
    ]) {
      expectThrows(() => parseAuthorizationHeader(value), 'invalid_token');
    }
  });

  it('refuses a repeated header (array of 2 or more) with ambiguous_credentials, even with equal values', () => {
    expectThrows(
      () => parseAuthorizationHeader([`Bearer ${TOKEN}`, `JWT ${TOKEN}`]),
      'ambiguous_credentials',
    );
    expectThrows(
      () => parseAuthorizationHeader([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]),
      'ambiguous_credentials',
    );
    expectThrows(
      () => parseAuthorizationHeader(['Bearer a', 'Bearer b', 'Bearer c']),
      'ambiguous_credentials',
    );
    expect(parseAuthorizationHeader([`JWT ${TOKEN}`])).toEqual({ source: 'JWT', token: TOKEN });
  });

  it('refuses other schemes with unsupported_scheme', () => {
    for (const scheme of [
      'Basic',
      'Digest',
      'Token',
      'DPoP',
      'Negotiate',
      'Bearerx',
      'XBearer',
      'JWTs',
      'UAT1',
      'B',
    ]) {
      expectThrows(() => parseAuthorizationHeader(`${scheme} ${TOKEN}`), 'unsupported_scheme');
    }
  });

  it('bounds the header length (default and custom)', () => {
    const atBound = `Bearer ${'a'.repeat(MAX_CREDENTIAL_LENGTH - 7)}`;
    expect(atBound).toHaveLength(MAX_CREDENTIAL_LENGTH);
    expect(parseAuthorizationHeader(atBound).source).toBe('Bearer');
    expectThrows(() => parseAuthorizationHeader(`${atBound}a`), 'invalid_token');
    expect(parseAuthorizationHeader('Bearer abc', 10).token).toBe('abc');
    expectThrows(() => parseAuthorizationHeader('Bearer abcd', 10), 'invalid_token');
    expectThrows(
      () => parseAuthorizationHeader(`Basic ${'a'.repeat(MAX_CREDENTIAL_LENGTH)}`),
      'invalid_token',
    );
  });
});

describe('readCookie', () => {
  it('finds the named cookie among others, unquoting a quoted value', () => {
    expect(readCookie(`a=1; ${COOKIE}=${TOKEN}; b=2`, COOKIE)).toBe(TOKEN);
    expect(readCookie(`a=1;${COOKIE}="${TOKEN}";b=2`, COOKIE)).toBe(TOKEN);
    expect(readCookie(['a=1', `${COOKIE}=${TOKEN}`], COOKIE)).toBe(TOKEN);
    expect(readCookie(`${COOKIE}=a=b=`, COOKIE)).toBe('a=b=');
  });

  it('ignores cookies whose name only resembles the session cookie, and empty values', () => {
    for (const header of [
      `x${COOKIE}=v`,
      `${COOKIE}x=v`,
      `${COOKIE.toUpperCase()}=v`,
      `${COOKIE}=`,
      `${COOKIE}=""`,
      COOKIE,
      '',
    ]) {
      expect(readCookie(header, COOKIE)).toBeUndefined();
    }
  });

  it('refuses two session cookies with different values, accepts the same value twice', () => {
    expectThrows(() => readCookie(`${COOKIE}=a; ${COOKIE}=b`, COOKIE), 'ambiguous_credentials');
    expectThrows(() => readCookie([`${COOKIE}=a`, `${COOKIE}=b`], COOKIE), 'ambiguous_credentials');
    expectThrows(() => readCookie(`${COOKIE}=a; ${COOKIE}="b"`, COOKIE), 'ambiguous_credentials');
    expect(readCookie(`${COOKIE}=a; ${COOKIE}=a`, COOKIE)).toBe('a');
    expect(readCookie(`${COOKIE}=a; ${COOKIE}="a"`, COOKIE)).toBe('a');
  });

  it('reads the name exactly where it is mentioned more than once; keeps the value as sent', () => {
    expect(readCookie(`${COOKIE}=; ${COOKIE}=${TOKEN}`, COOKIE)).toBe(TOKEN);
    expect(readCookie(`${COOKIE}_pref=dark; ${COOKIE}=${TOKEN}`, COOKIE)).toBe(TOKEN);
    expect(readCookie(`a=${COOKIE}; ${COOKIE}=${TOKEN}; b=${COOKIE}`, COOKIE)).toBe(TOKEN);
    expect(readCookie(`${COOKIE}_pref=dark`, COOKIE)).toBeUndefined();
    // No percent-decoding: a token has no `%`, so such a value is passed on as it is and refused later.
    expect(readCookie(`${COOKIE}=ab%63`, COOKIE)).toBe('ab%63');
  });

  it('bounds the cookie value length', () => {
    expect(readCookie(`${COOKIE}=${'a'.repeat(MAX_CREDENTIAL_LENGTH)}`, COOKIE)).toHaveLength(
      MAX_CREDENTIAL_LENGTH,
    );
    expectThrows(
      () => readCookie(`${COOKIE}=${'a'.repeat(MAX_CREDENTIAL_LENGTH + 1)}`, COOKIE),
      'invalid_token',
    );
    expectThrows(() => readCookie(`${COOKIE}=abcd`, COOKIE, 3), 'invalid_token');
  });
});

describe('extractCredential', () => {
  const options = { cookieName: COOKIE };

  it('header and cookie naming different tokens: ambiguous_credentials; the same token: accepted', () => {
    expectThrows(
      () => extractCredential({ authorization: `Bearer ${TOKEN}`, cookie: `${COOKIE}=other` }, options),
      'ambiguous_credentials',
    );
    expect(
      extractCredential({ authorization: `Bearer ${TOKEN}`, cookie: `${COOKIE}=${TOKEN}` }, options),
    ).toEqual({
      source: 'Bearer',
      token: TOKEN,
    });
  });

  it('one source alone, or none', () => {
    expect(extractCredential({ cookie: `${COOKIE}=${TOKEN}` }, options)).toEqual({
      source: 'cookie',
      token: TOKEN,
    });
    expect(extractCredential({ authorization: [], cookie: `${COOKIE}=${TOKEN}` }, options)?.source).toBe(
      'cookie',
    );
    expect(extractCredential({ authorization: `JWT ${TOKEN}`, cookie: 'other=1' }, options)?.source).toBe(
      'JWT',
    );
    expect(extractCredential({}, options)).toBeNull();
    expect(extractCredential({ cookie: 'other=1' }, options)).toBeNull();
  });

  it('a bad header is not rescued by a good cookie', () => {
    const cookie = `${COOKIE}=${TOKEN}`;
    expectThrows(
      () => extractCredential({ authorization: `Basic ${TOKEN}`, cookie }, options),
      'unsupported_scheme',
    );
    expectThrows(() => extractCredential({ authorization: 'Bearer\tx', cookie }, options), 'invalid_token');
    expectThrows(
      () => extractCredential({ authorization: ['Bearer a', 'Bearer b'], cookie }, options),
      'ambiguous_credentials',
    );
  });

  it('honours a custom length bound on both sources', () => {
    expectThrows(
      () => extractCredential({ authorization: 'Bearer abcdef' }, { ...options, maxLength: 8 }),
      'invalid_token',
    );
    expectThrows(
      () => extractCredential({ cookie: `${COOKIE}=abcdefghi` }, { ...options, maxLength: 8 }),
      'invalid_token',
    );
  });
});

describe('authenticate with several credentials', () => {
  let h: Harness;
  let t: IssuedTokens;
  beforeAll(async () => {
    h = await createHarness();
    t = await issueAll(h);
  });

  it('header and cookie carrying different valid tokens are refused; the same token is accepted', async () => {
    await expectRejects(
      h.tg.requirePrincipal({ authorization: `Bearer ${t.access}`, cookie: `${COOKIE}=${t.delegated}` }),
      'ambiguous_credentials',
    );
    const principal = await h.tg.requirePrincipal({
      authorization: `Bearer ${t.delegated}`,
      cookie: `${COOKIE}=${t.delegated}`,
    });
    expect(principal.tokenKind).toBe('delegated');
    expect(principal.source).toBe('Bearer');
  });

  it('two Authorization headers or two session cookies are refused, even when each is valid', async () => {
    await expectRejects(
      h.tg.requirePrincipal({ authorization: [`JWT ${t.access}`, `Bearer ${t.user}`] }),
      'ambiguous_credentials',
    );
    await expectRejects(
      h.tg.requirePrincipal({ authorization: `JWT ${t.access}, Bearer ${t.user}` }),
      'ambiguous_credentials',
    );
    await expectRejects(
      h.tg.requirePrincipal({ cookie: [`${COOKIE}=${t.delegated}`, `${COOKIE}=${t.access}`] }),
      'ambiguous_credentials',
    );
    // Cached first, then presented together with another credential: still refused.
    await h.tg.requirePrincipal({ authorization: `JWT ${t.access}` });
    await expectRejects(
      h.tg.requirePrincipal({ authorization: `JWT ${t.access}`, cookie: `${COOKIE}=${t.delegated}` }),
      'ambiguous_credentials',
    );
  });

  it('no credentials at all is credentials_missing', async () => {
    await expectRejects(h.tg.requirePrincipal({}), 'credentials_missing');
    await expectRejects(
      h.tg.requirePrincipal({ authorization: [], cookie: 'other=1' }),
      'credentials_missing',
    );
  });
});

// ---- properties -----------------------------------------------------------------------------------

/** Strings that often look like credentials, mixed with arbitrary ones (lone surrogates included). */
const fragment = fc.oneof(
  fc.constantFrom(
    'Bearer',
    'bearer',
    'JWT',
    'UAT',
    'Basic',
    ' ',
    '  ',
    '\t',
    '\n',
    ',',
    ', ',
    '=',
    '==',
    'abc',
    'a.b.c',
    COOKIE,
    ';',
    '"',
  ),
  fc.string({ maxLength: 8 }),
  fc.string({ maxLength: 4, unit: 'binary' }),
  fc.string({ maxLength: 4, unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
);
const headerish = fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(''));
const headerValue = fc.oneof(headerish, fc.array(headerish, { maxLength: 3 }));

function isCredentialFrom(credential: Credential, inputs: readonly string[]): boolean {
  return credential.token.length > 0 && inputs.some((input) => input.includes(credential.token));
}

const asList = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

describe('credential parsing properties', () => {
  it('parseAuthorizationHeader returns a credential cut from its input, or throws a TollgateError', () => {
    fc.assert(
      fc.property(headerValue, (value) => {
        try {
          const credential = parseAuthorizationHeader(value);
          expect(['Bearer', 'JWT', 'UAT']).toContain(credential.source);
          expect(isCredentialFrom(credential, asList(value))).toBe(true);
        } catch (error) {
          onlyTollgateErrors(error);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('readCookie returns undefined, a value cut from its input, or throws a TollgateError', () => {
    fc.assert(
      fc.property(headerValue, (value) => {
        try {
          const found = readCookie(value, COOKIE);
          if (found !== undefined)
            expect(
              asList(value).some((v) => v.includes(found)) || asList(value).join('; ').includes(found),
            ).toBe(true);
        } catch (error) {
          onlyTollgateErrors(error);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('extractCredential returns null, a credential cut from the header or the cookie, or throws a TollgateError', () => {
    const optional = fc.option(headerValue, { nil: undefined });
    fc.assert(
      fc.property(optional, optional, (authorization, cookie) => {
        try {
          const credential = extractCredential({ authorization, cookie }, { cookieName: COOKIE });
          if (credential !== null) {
            const from =
              credential.source === 'cookie'
                ? [...asList(cookie), asList(cookie).join('; ')]
                : asList(authorization);
            expect(isCredentialFrom(credential, from)).toBe(true);
          }
        } catch (error) {
          onlyTollgateErrors(error);
        }
      }),
      { numRuns: 2000 },
    );
  });

  const schemeArb = fc
    .constantFrom(['Bearer', 'Bearer'], ['JWT', 'JWT'], ['UAT', 'UAT'] as const)
    .chain(([name, source]) =>
      fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((upper) => ({
        written: [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''),
        source,
      })),
    );
  const token68 = fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,200}$/), fc.integer({ min: 0, max: 3 }))
    .map(([body, pad]) => body + '='.repeat(pad));

  it('a generated `scheme token68` round-trips (any case, any number of spaces)', () => {
    fc.assert(
      fc.property(
        schemeArb,
        fc.integer({ min: 1, max: 5 }),
        token68,
        ({ written, source }, spaces, token) => {
          expect(parseAuthorizationHeader(`${written}${' '.repeat(spaces)}${token}`)).toEqual({
            source,
            token,
          });
          expect(parseAuthorizationHeader([`${written} ${token}`])).toEqual({ source, token });
          expect(
            extractCredential(
              { authorization: `${written} ${token}`, cookie: `${COOKIE}=${token}` },
              { cookieName: COOKIE },
            ),
          ).toEqual({ source, token });
          expect(readCookie(`x=1; ${COOKIE}=${token}; y=2`, COOKIE)).toBe(token);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('any other well-formed scheme is unsupported_scheme; two folded credentials are ambiguous_credentials', () => {
    const otherScheme = fc
      .stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/)
      .filter((s) => !['bearer', 'jwt', 'uat'].includes(s.toLowerCase()));
    fc.assert(
      fc.property(otherScheme, token68, schemeArb, (scheme, token, known) => {
        expectThrows(() => parseAuthorizationHeader(`${scheme} ${token}`), 'unsupported_scheme');
        expectThrows(
          () => parseAuthorizationHeader(`${known.written} ${token}, ${scheme} ${token}`),
          'ambiguous_credentials',
        );
      }),
      { numRuns: 1000 },
    );
  });
});
