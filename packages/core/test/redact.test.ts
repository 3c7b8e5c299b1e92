/**
 * `redactUrl` reads a URL the way the router does, so no spelling of a secret reaches a log line:
 * a property over every route of the four profiles (and app routes), random percent-encodings of
 * names and values, `+` for space, doubled, trailing and back slashes, dot segments, absolute-form
 * targets, unknown parameters and fragments.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  delegatedLoginRoutes,
  generateRefreshToken,
  generateUat,
  type HttpMethod,
  type RouteDefinition,
  redactUrl,
  tokenPairRoutes,
  uatJwtRoutes,
  userTokenRoutes,
} from './helpers/internals.js';

const ROUTES: readonly RouteDefinition[] = [
  ...userTokenRoutes,
  ...delegatedLoginRoutes,
  ...tokenPairRoutes,
  ...uatJwtRoutes,
];
/** The app's own routes (the examples' demo routes): no declared secrets, only the usual names. */
const APP_PATHS = ['/api/v2/brands/', '/api/v2/scans/download', '/api/v2/scm/codes/{id}/', '/'];
/** Query names secret on any URL. */
const ALWAYS_SECRET = ['password', 'access_token', 'refresh_token', 'refreshToken', 'token'];

/** Lenient decoding as a reader of the log might do it: percent only, or form (`+` is a space). */
function decodings(text: string): string[] {
  const decode = (s: string, plusIsSpace: boolean) =>
    new URLSearchParams(`x=${(plusIsSpace ? s : s.replaceAll('+', '%2B')).replaceAll('&', '%26')}`).get('x')!;
  const out = new Set([text]);
  for (const plusIsSpace of [false, true]) {
    let current = text;
    for (let i = 0; i < 4; i++) {
      const next = decode(current, plusIsSpace);
      if (next === current) break;
      out.add(next);
      current = next;
    }
  }
  return [...out];
}

const hex = (byte: number, upper: boolean) => {
  const digits = byte.toString(16).padStart(2, '0');
  return `%${upper ? digits.toUpperCase() : digits}`;
};

/**
 * `text` with each character kept or percent-encoded at random (mixed-case hex); characters in
 * `mustEncode`, `%` and non-ASCII ones always encoded, a space as `+` or `%20` in a query.
 */
function encoded(text: string, choices: readonly number[], mustEncode: string, query: boolean): string {
  let out = '';
  let k = 0;
  for (const char of text) {
    const choice = choices[k++ % choices.length]!;
    const code = char.codePointAt(0)!;
    const forced = code > 0x7e || code <= 0x20 || char === '%' || mustEncode.includes(char);
    if (query && char === ' ' && choice % 2 === 0) out += '+';
    else if (forced || choice % 3 === 0) {
      for (const byte of Buffer.from(char, 'utf8'))
        out += hex(byte, choice % 5 < 2 ? choice % 2 === 0 : byte % 2 === 0);
    } else out += char;
  }
  return out;
}

const SECRET_CHARS = [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  ..."!$&'()*+,;=:@-._~ /?#%\\é€",
];
/** A password or token: long enough never to occur by chance in the rest of the URL. */
const secretArb = fc.oneof(
  fc
    .array(fc.constantFrom(...SECRET_CHARS), { minLength: 10, maxLength: 40 })
    .map((chars) => `S3c${chars.join('')}`),
  fc.constant(null).map(() => generateUat().token),
  fc.constant(null).map(() => generateRefreshToken()),
  fc
    .tuple(fc.base64String({ minLength: 8, maxLength: 60 }), fc.base64String({ minLength: 8, maxLength: 40 }))
    .map(
      ([claims, signature]) =>
        `eyJhbGciOiJFUzI1NiJ9.${claims.replace(/=+$/, '')}.${signature.replace(/=+$/, '')}`,
    ),
);
const choicesArb = fc.array(fc.nat({ max: 29 }), { minLength: 1, maxLength: 12 });
const benignArb = fc.constantFrom('staging', 'ethan.buckley@datastoreltd.biz', 'a b', '42', 'x+y');

interface Spelling {
  readonly separators: readonly number[];
  readonly trailing: number;
  readonly backslashes: boolean;
  readonly dotSegments: boolean;
  readonly absolute: boolean;
  readonly encodeLiterals: boolean;
}
const spellingArb: fc.Arbitrary<Spelling> = fc.record({
  separators: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 8 }),
  trailing: fc.integer({ min: 0, max: 2 }),
  backslashes: fc.boolean(),
  dotSegments: fc.boolean(),
  absolute: fc.boolean(),
  encodeLiterals: fc.boolean(),
});

interface Case {
  readonly url: string;
  readonly method: HttpMethod;
  readonly secrets: readonly string[];
}

/** Query field names a route declares, and which of them are secret. */
const declaredQuery = (route: RouteDefinition | undefined) =>
  route?.query ? Object.keys(route.query.shape) : [];

function buildCase(
  path: string,
  route: RouteDefinition | undefined,
  secretValues: readonly string[],
  benign: string,
  extraNames: readonly string[],
  spelling: Spelling,
  choices: readonly number[],
  fragment: boolean,
): Case {
  const secrets: string[] = [];
  let next = 0;
  const secret = () => {
    const value = secretValues[next++ % secretValues.length]!;
    secrets.push(value);
    return value;
  };
  const slash = spelling.backslashes ? '\\' : '/';
  const segments = path
    .split('/')
    .filter((s) => s.length > 0)
    .map((segment) => {
      if (segment.startsWith('{')) {
        const name = segment.slice(1, -1);
        const value = route?.secrets?.params?.includes(name) ? secret() : benign.replace(/\W/g, '');
        return encoded(value, choices, '/\\?#', false);
      }
      return spelling.encodeLiterals ? encoded(segment, choices, '', false) : segment;
    });
  let out = '';
  segments.forEach((segment, i) => {
    const separator = slash.repeat(spelling.separators[i % spelling.separators.length]!);
    if (spelling.dotSegments && i === 1) out += `${separator}x${slash}..${slash}.`;
    out += separator + segment;
  });
  out += slash.repeat(spelling.trailing);
  if (spelling.absolute) out = `http://tollgate.example:8080${out || '/'}`;
  const query: string[] = [];
  const name = (text: string) => encoded(text, choices, '&=#+', true);
  const value = (text: string) => encoded(text, choices, '&#+', true);
  for (const field of declaredQuery(route)) {
    const isSecret = route?.secrets?.query?.includes(field) ?? false;
    query.push(`${name(field)}=${value(isSecret ? secret() : benign)}`);
  }
  for (const extra of extraNames) {
    // Unknown on a token route: whatever it is called, its value may be a secret.
    if (route?.carriesTokens || ALWAYS_SECRET.includes(extra))
      query.push(`${name(extra)}=${value(secret())}`);
    else query.push(`${name(extra)}=${value(benign)}`);
  }
  if (query.length > 0) out += `?${query.join('&')}`;
  if (fragment) out += `#access_token=${value(secret())}`;
  return { url: out, method: route?.method ?? 'GET', secrets };
}

const routeCaseArb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.constantFrom(...ROUTES),
    fc.array(secretArb, { minLength: 1, maxLength: 3 }),
    benignArb,
    fc.array(fc.constantFrom(...ALWAYS_SECRET, 'debug', 'user', 'Password', '', 'x y'), { maxLength: 3 }),
    spellingArb,
    choicesArb,
    fc.boolean(),
  )
  .map(([route, secrets, benign, extra, spelling, choices, fragment]) =>
    buildCase(route.path, route, secrets, benign, extra, spelling, choices, fragment),
  );

const appCaseArb: fc.Arbitrary<Case> = fc
  .tuple(
    fc.constantFrom(...APP_PATHS),
    fc.array(secretArb, { minLength: 1, maxLength: 2 }),
    benignArb,
    fc.array(fc.constantFrom(...ALWAYS_SECRET), { minLength: 1, maxLength: 3 }),
    spellingArb,
    choicesArb,
    fc.boolean(),
  )
  .map(([path, secrets, benign, extra, spelling, choices, fragment]) =>
    buildCase(path, undefined, secrets, benign, extra, spelling, choices, fragment),
  );

function expectNoSecret(testCase: Case, logged: string): void {
  for (const form of decodings(logged)) {
    for (const secret of testCase.secrets) {
      if (form.includes(secret)) {
        throw new Error(`${JSON.stringify(secret)} in ${JSON.stringify(logged)} (from ${testCase.url})`);
      }
    }
  }
}

describe('redactUrl', () => {
  it('no secret a request to a profile route carries reaches the log, however it is spelled', () => {
    fc.assert(
      fc.property(routeCaseArb, fc.boolean(), (testCase, withMethod) => {
        expectNoSecret(testCase, redactUrl(testCase.url, withMethod ? { method: testCase.method } : {}));
      }),
      { numRuns: 1000 },
    );
  });

  it('the usual secret names are redacted on any URL, an app route’s too', () => {
    fc.assert(
      fc.property(appCaseArb, (testCase) => expectNoSecret(testCase, redactUrl(testCase.url))),
      { numRuns: 500 },
    );
  });

  it('the issue’s requests', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl';
    const password = 'S0qUx56pW!';
    const cases = [
      `/Authentication?username=ethan.buckley%40datastoreltd.biz&pass%77ord=${password}`,
      `/Authentication?username=ethan&%70assword=${password}`,
      `/Authentication?username=ethan&p%61ssword=${password}`,
      `/Authentication/refresh//${token}`,
      `/Authentication//refresh/${token}`,
      `/Authentication/token//${token}/Environments`,
      `/Authentication\\refresh\\${token}`,
      `/Authentication/x/../refresh/${token}`,
      `http://evil.example/Authentication/refresh/${token}`,
      `//Authentication/refresh/${token}`,
      `/api/v2/me/?access_token=${token}`,
    ];
    for (const url of cases)
      expectNoSecret({ url, method: 'GET', secrets: [password, token] }, redactUrl(url));
  });

  it('keeps what is not secret, spelled as the router reads it', () => {
    expect(redactUrl('/Authentication?username=ethan&password=pw&environment=staging')).toBe(
      '/Authentication?username=ethan&password=[REDACTED]&environment=staging',
    );
    expect(redactUrl('/Authentication/refresh//abc.def.ghi?environment=staging#frag')).toBe(
      '/Authentication/refresh/[REDACTED]?environment=staging#frag',
    );
    expect(redactUrl('/api/v2/me/#access_token=abc&state=1')).toBe(
      '/api/v2/me/#access_token=[REDACTED]&state=1',
    );
    expect(redactUrl('/Authentication/token/abc/Environments')).toBe(
      '/Authentication/token/[REDACTED]/Environments',
    );
    expect(redactUrl('/api/v2/scm/codes/42/?page=2')).toBe('/api/v2/scm/codes/42/?page=2');
    // A token-shaped segment or value is redacted on any URL.
    expect(redactUrl('/api/v2/scm/codes/eyJhbGciOiJFUzI1NiJ9.eyJ9.c2ln/?x=tgu_abc')).toBe(
      '/api/v2/scm/codes/[REDACTED]?x=[REDACTED]',
    );
    expect(redactUrl('/api/v2/me/tokens/7/', { method: 'DELETE' })).toBe('/api/v2/me/tokens/7/');
  });

  it('redacts every unknown field of a token route, name and value', () => {
    expect(redactUrl('/Authentication?username=ethan&S0qUx56pW!&pw=x')).toBe(
      '/Authentication?username=ethan&[REDACTED]&pw=[REDACTED]',
    );
    expect(redactUrl('/api/v2/auth/token?username=bob', { method: 'POST' })).toBe(
      '/api/v2/auth/token?username=[REDACTED]',
    );
    // A token as a field name is redacted whole, on any URL.
    expect(redactUrl('/api/v2/me/?eyJhbGciOiJFUzI1NiJ9.e30.c2ln=1')).toBe('/api/v2/me/?[REDACTED]');
  });

  it('honours a mount prefix', () => {
    expect(redactUrl('/auth/Authentication/refresh/abc', { prefix: '/auth/' })).toBe(
      '/auth/Authentication/refresh/[REDACTED]',
    );
    expect(redactUrl('/auth/Authentication/refresh/abc', '/auth')).toBe(
      '/auth/Authentication/refresh/[REDACTED]',
    );
    // A mount point it was not told of hides nothing, nor does a `//host` a URL parser would drop.
    expect(redactUrl('/api/Authentication/refresh/abc/x')).toBe(
      '/api/Authentication/refresh/[REDACTED]/[REDACTED]',
    );
    expect(redactUrl('//host/Authentication/token/abc/Environments')).toBe(
      '/host/Authentication/token/[REDACTED]/Environments',
    );
  });
});
