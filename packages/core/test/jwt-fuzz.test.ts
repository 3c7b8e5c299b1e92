/**
 * Property-based token decoding: arbitrary input only ever yields a TollgateError, and no mutation
 * of a valid token (HS256, EdDSA, ES256) is ever accepted.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createKeySet,
  generateSigningKey,
  JWT_TYP,
  JwtCodec,
  type SigningAlgorithm,
  type SigningKey,
  TollgateError,
} from './helpers/internals.js';
import {
  AUDIENCE,
  AUDIENCES,
  baseClaims,
  createHarness,
  type Harness,
  headerFor,
  ISSUER,
  type IssuedTokens,
  issueAll,
  onlyTollgateErrors,
  START_MS,
  START_S,
  signToken,
} from './security-fixtures.js';

const ALGS: readonly SigningAlgorithm[] = ['HS256', 'EdDSA', 'ES256'];
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let signers: Map<SigningAlgorithm, SigningKey>;
let codec: JwtCodec;
/** Per algorithm: a few valid tokens with different claims. */
let tokens: Map<SigningAlgorithm, string[]>;
let validTokens: Set<string>;

beforeAll(async () => {
  signers = new Map();
  for (const alg of ALGS) signers.set(alg, await generateSigningKey({ alg, kid: `kid-${alg}` }));
  const [first, ...rest] = [...signers.values()] as [SigningKey, ...SigningKey[]];
  codec = new JwtCodec({
    keys: createKeySet({ current: first, previous: rest }),
    issuer: ISSUER,
    audience: AUDIENCE,
    leewaySeconds: 0,
    maxTokenLength: 8192,
  });
  tokens = new Map();
  validTokens = new Set();
  for (const [alg, key] of signers) {
    const list = [
      signToken(key, headerFor(key, JWT_TYP.access), baseClaims()),
      signToken(
        key,
        headerFor(key, JWT_TYP.user),
        baseClaims({ sub: 'user-2', aud: AUDIENCES.user, auth_time: START_S }),
      ),
      signToken(
        key,
        headerFor(key, JWT_TYP.delegated),
        baseClaims({ jti: 'jti-2', aud: AUDIENCES.delegated, act: { sub: 'a', preferred_username: 'a' } }),
      ),
    ];
    tokens.set(alg, list);
    for (const token of list) validTokens.add(token);
  }
});

const tokensOf = (alg: SigningAlgorithm): string[] => tokens.get(alg) ?? [];

/** Calls verify; true when it accepted, false for a TollgateError, rethrows anything else. */
function accepts(token: string): boolean {
  try {
    codec.verify(token, START_MS);
    return true;
  } catch (error) {
    return !onlyTollgateErrors(error);
  }
}

function refusedAsInvalid(token: string): void {
  let caught: unknown;
  try {
    codec.verify(token, START_MS);
  } catch (error) {
    caught = error;
  }
  // Anything but invalid_token (token_expired, a principal...) would mean the signature passed.
  expect(caught).toBeInstanceOf(TollgateError);
  expect(caught instanceof TollgateError ? caught.code : undefined).toBe('invalid_token');
}

const anyChar = fc.oneof(
  fc.constantFrom(...B64URL, '.', '=', '+', '/', ' ', '\n', '\t', '\u0000', '"', '{'),
  fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);

const arbitraryText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ maxLength: 100, unit: 'binary' }),
  fc.string({ maxLength: 100, unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
  fc.stringMatching(/^[A-Za-z0-9_.=-]{0,400}$/),
  fc
    .tuple(fc.constantFrom('a', 'a.b.', '_'), fc.integer({ min: 2000, max: 9000 }))
    .map(([x, n]) => x.repeat(n)),
);

type Mutation =
  | { readonly op: 'replace'; readonly at: number; readonly char: string }
  | { readonly op: 'insert'; readonly at: number; readonly char: string }
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'segments'; readonly order: readonly number[] }
  | { readonly op: 'splice'; readonly segment: number; readonly from: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), char: anyChar }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), char: anyChar }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('segments' as const),
      order: fc.oneof(
        fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }),
      ),
    }),
  },
  // A segment cut from another valid token of the same key.
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('splice' as const),
      segment: fc.integer({ min: 0, max: 2 }),
      from: fc.nat(),
    }),
  },
);

function mutate(token: string, mutation: Mutation, donors: readonly string[]): string {
  switch (mutation.op) {
    case 'replace': {
      const at = mutation.at % token.length;
      return token.slice(0, at) + mutation.char + token.slice(at + 1);
    }
    case 'insert': {
      const at = mutation.at % (token.length + 1);
      return token.slice(0, at) + mutation.char + token.slice(at);
    }
    case 'delete': {
      const at = mutation.at % token.length;
      return token.slice(0, at) + token.slice(at + 1);
    }
    case 'segments': {
      const parts = token.split('.');
      return mutation.order.map((i) => parts[i] ?? '').join('.');
    }
    case 'splice': {
      const parts = token.split('.');
      const donor = donors[mutation.from % donors.length] ?? token;
      parts[mutation.segment] = donor.split('.')[mutation.segment] ?? '';
      return parts.join('.');
    }
  }
}

describe('arbitrary input', () => {
  it('JwtCodec.verify only ever throws TollgateError for arbitrary strings', () => {
    fc.assert(
      fc.property(arbitraryText, (text) => {
        expect(accepts(text)).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('JwtCodec.verify accepts a string assembled from pieces of valid tokens only if it is one of them', () => {
    const pieces = (): string[] => {
      const out = new Set<string>();
      for (const token of validTokens) for (const part of token.split('.')) out.add(part);
      return [...out];
    };
    const all = pieces();
    const assembled = fc
      .array(fc.oneof(fc.constantFrom(...all), fc.constant('.'), fc.stringMatching(/^[A-Za-z0-9_-]{0,6}$/)), {
        minLength: 1,
        maxLength: 6,
      })
      .map((xs) => xs.join(''));
    // Well-formed shape, random parts: many reach the signature check.
    const shaped = fc
      .tuple(fc.constantFrom(...all), fc.constantFrom(...all), fc.constantFrom(...all))
      .map(([h, p, s]) => `${h}.${p}.${s}`);
    fc.assert(
      fc.property(fc.oneof(assembled, shaped), (text) => {
        if (accepts(text)) expect(validTokens.has(text)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  describe('through authenticate', () => {
    let h: Harness;
    let t: IssuedTokens;
    beforeAll(async () => {
      h = await createHarness();
      t = await issueAll(h);
    });

    it('authenticate only ever throws TollgateError for arbitrary header and cookie values', async () => {
      const scheme = fc.constantFrom('', 'Bearer ', 'JWT ', 'UAT ', 'bearer  ', 'Basic ', 'UAT tgu_');
      const value = fc.oneof(
        fc.tuple(scheme, arbitraryText).map(([s, x]) => s + x),
        fc.array(
          fc.tuple(scheme, fc.string({ maxLength: 50 })).map(([s, x]) => s + x),
          { maxLength: 3 },
        ),
      );
      const optional = fc.option(value, { nil: undefined });
      const cookie = fc.option(
        fc.oneof(
          fc.string({ maxLength: 100 }).map((x) => `tollgate_session=${x}`),
          fc.string({ maxLength: 100 }),
        ),
        { nil: undefined },
      );
      await fc.assert(
        fc.asyncProperty(optional, cookie, async (authorization, cookieValue) => {
          const lookups = h.probe.count('findUatByHash');
          try {
            await h.tg.requirePrincipal({ authorization, cookie: cookieValue });
            // Nothing random authenticates.
            expect.unreachable('an arbitrary credential was accepted');
          } catch (error) {
            onlyTollgateErrors(error);
          }
          // The store is asked only about a well-formed UAT (none of these is).
          const presented = [authorization, cookieValue].flat().join(' ');
          if (!/tgu_[A-Za-z0-9]{38}/.test(presented)) expect(h.probe.count('findUatByHash')).toBe(lookups);
        }),
        { numRuns: 1500 },
      );
    });

    it('a mutated access token presented as Bearer is refused with invalid_token', async () => {
      await fc.assert(
        fc.asyncProperty(mutationArb, async (mutation) => {
          const mutated = mutate(t.access, mutation, [t.pairAccess, t.user, t.delegatedJws]);
          // Whitespace added at either end is optional whitespace around the header value: the same token.
          fc.pre(mutated.trim() !== t.access && `Bearer ${mutated}`.trim() !== `Bearer  ${t.access}`);
          let caught: unknown;
          try {
            await h.tg.requirePrincipal({ authorization: `Bearer ${mutated}` });
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(TollgateError);
          if (caught instanceof TollgateError) expect(caught.code).toBe('invalid_token');
        }),
        { numRuns: 400 },
      );
    });
  });
});

describe('mutations of valid tokens', () => {
  for (const alg of ALGS) {
    it(`no single-character replacement, insertion, deletion or segment swap of a valid ${alg} token is accepted`, () => {
      const list = tokensOf(alg);
      for (const token of list) expect(accepts(token)).toBe(true);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: list.length - 1 }), mutationArb, (which, mutation) => {
          const token = list[which] ?? '';
          const mutated = mutate(token, mutation, list);
          fc.pre(mutated !== token);
          refusedAsInvalid(mutated);
        }),
        { numRuns: alg === 'HS256' ? 4000 : 1500 },
      );
    });
  }

  it('exhaustively: every deletion, and every replacement of the last four signature characters, is refused', () => {
    for (const alg of ALGS) {
      const token = tokensOf(alg)[0] ?? '';
      for (let at = 0; at < token.length; at++) refusedAsInvalid(token.slice(0, at) + token.slice(at + 1));
      for (let at = token.length - 4; at < token.length; at++) {
        for (const c of `${B64URL}.=+/ `) {
          const mutated = token.slice(0, at) + c + token.slice(at + 1);
          if (mutated !== token) refusedAsInvalid(mutated);
        }
      }
    }
  });

  it('exhaustively for HS256: every single-character replacement anywhere is refused', () => {
    const token = tokensOf('HS256')[0] ?? '';
    for (let at = 0; at < token.length; at++) {
      for (const c of `${B64URL}.=`) {
        const mutated = token.slice(0, at) + c + token.slice(at + 1);
        if (mutated !== token) refusedAsInvalid(mutated);
      }
    }
  });
});
