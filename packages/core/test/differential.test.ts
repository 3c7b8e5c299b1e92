/**
 * Differential test of the hot-path verifier (`JwtCodec.verify`, hand-written on node:crypto)
 * against jose's `jwtVerify` with the same keys and the same rules:
 *
 *   jwtVerify(token, key.publicKey, { issuer, audience, algorithms: [alg], typ, clockTolerance: leeway,
 *             currentDate, maxTokenAge })
 *
 * (`maxTokenAge`, set far beyond any lifetime, is how jose is asked Tollgate's `iat` rule: required,
 * and no later than now plus the leeway.)
 *
 * "Tollgate accepts" means verify succeeds *and* the kind it reports is the one expected, because
 * verify accepts any Tollgate kind and leaves the kind check to its callers (as jose's `typ` option
 * does in one step).
 *
 * The agreement property only generates what both are meant to judge alike: Tollgate-shaped claim
 * sets (sub, jti, iat, exp always present), the header Tollgate writes (alg, kid, typ), canonical
 * base64url. Where Tollgate is deliberately stricter than jose, the cases are pinned one by one in
 * the last describe block, each asserting that jose accepts and Tollgate refuses.
 */
import { createSecretKey } from 'node:crypto';
import fc from 'fast-check';
import { FlattenedSign, jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createKeySet,
  generateSigningKey,
  JWT_TYP,
  JwtCodec,
  type JwtKind,
  type SigningAlgorithm,
  type SigningKey,
  tokenAudiences,
} from './helpers/internals.js';
import {
  AUDIENCE,
  b64url,
  baseClaims,
  headerFor,
  ISSUER,
  onlyTollgateErrors,
  START_MS,
  START_S,
  signatureOf,
  signToken,
} from './security-fixtures.js';

const ALGS: readonly SigningAlgorithm[] = ['HS256', 'EdDSA', 'ES256'];
const AUDIENCES = tokenAudiences(AUDIENCE);
/** Placeholders of the generated `aud`: the audience of the kind signed, and that of another kind. */
const OWN = '<own audience>';
const OTHER = '<other audience>';
const KINDS: readonly JwtKind[] = ['access', 'user', 'delegated'];
const LEEWAYS = [0, 30] as const;
const TEN_YEARS_S = 10 * 365 * 86_400;

interface Keyring {
  readonly key: SigningKey;
  /** Same alg and kid, other key material: an attacker's key. */
  readonly impostor: SigningKey;
  readonly codecs: ReadonlyMap<number, JwtCodec>;
}
let rings: Map<SigningAlgorithm, Keyring>;

beforeAll(async () => {
  rings = new Map();
  for (const alg of ALGS) {
    const key = await generateSigningKey({ alg, kid: `kid-${alg}` });
    const impostor = await generateSigningKey({ alg, kid: key.kid });
    const keys = createKeySet({ current: key });
    const codecs = new Map(
      LEEWAYS.map((leewaySeconds) => [
        leewaySeconds,
        new JwtCodec({ keys, issuer: ISSUER, audience: AUDIENCE, leewaySeconds, maxTokenLength: 8192 }),
      ]),
    );
    rings.set(alg, { key, impostor, codecs });
  }
});

function ring(alg: SigningAlgorithm): Keyring {
  const found = rings.get(alg);
  if (!found) throw new Error(`no keys for ${alg}`);
  return found;
}

function tollgateAccepts(
  alg: SigningAlgorithm,
  token: string,
  expected: JwtKind,
  leeway: number,
  nowMs: number,
): boolean {
  const codec = ring(alg).codecs.get(leeway);
  if (!codec) throw new Error('no codec');
  try {
    return codec.verify(token, nowMs).kind === expected;
  } catch (error) {
    return !onlyTollgateErrors(error);
  }
}

async function joseAccepts(
  alg: SigningAlgorithm,
  token: string,
  expected: JwtKind,
  leeway: number,
  nowMs: number,
): Promise<boolean> {
  try {
    await jwtVerify(token, ring(alg).key.publicKey, {
      issuer: ISSUER,
      audience: AUDIENCES[expected],
      algorithms: [alg],
      typ: JWT_TYP[expected],
      clockTolerance: leeway,
      currentDate: new Date(nowMs),
      // Only for its `iat` checks: present, and not in the future beyond the tolerance.
      maxTokenAge: TEN_YEARS_S,
    });
    return true;
  } catch {
    return false;
  }
}

/** Independent of Tollgate's check: exactly three parts, each the unpadded base64url of its own bytes. */
function strictlyCanonical(token: string): boolean {
  const parts = token.split('.');
  return (
    parts.length === 3 &&
    parts.every((part) => part.length > 0 && Buffer.from(part, 'base64url').toString('base64url') === part)
  );
}

// ---- generators ----------------------------------------------------------------------------------

/** An offset from now in seconds, biased to the boundaries of leeway 0 and 30. */
const offset = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(-31, -30, -29, -1, 0, 1, 29, 30, 31) },
  { weight: 4, arbitrary: fc.integer({ min: -120, max: 120 }) },
  { weight: 1, arbitrary: fc.double({ min: -60, max: 60, noNaN: true }) },
);
/** A NumericDate around now, or (rarely) something that is not a number. */
const numericDate = fc.oneof(
  { weight: 12, arbitrary: offset.map((o): unknown => START_S + o) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(String(START_S + 60), null, true, [START_S + 60], { n: 1 }),
  },
);

const claimArb = fc.record({
  iss: fc.oneof(
    { weight: 6, arbitrary: fc.constant<unknown>(ISSUER) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>('https://evil.test', `${ISSUER}/`, undefined, [ISSUER], ''),
    },
  ),
  // OWN and OTHER stand for the signed kind's audience and another kind's (see `build`).
  aud: fc.oneof(
    { weight: 5, arbitrary: fc.constant<unknown>(OWN) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>([OWN], ['other', OWN], [OWN, 1]) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(OTHER, [OTHER], AUDIENCE.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('other', 'API', undefined, [], ['other'], 7, null) },
  ),
  iat: numericDate,
  exp: fc.oneof(
    { weight: 2, arbitrary: numericDate },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 7200 }).map((o): unknown => START_S + o) },
  ),
  nbf: fc.option(numericDate, { nil: undefined, freq: 2 }),
});

type Mutation =
  | { readonly op: 'none' }
  | { readonly op: 'replace'; readonly at: number; readonly char: string }
  | { readonly op: 'insert'; readonly at: number; readonly char: string }
  | { readonly op: 'delete'; readonly at: number }
  | { readonly op: 'swap'; readonly order: readonly number[] }
  | { readonly op: 'impostor' }
  | { readonly op: 'otherAlg'; readonly alg: SigningAlgorithm };

const char = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ');
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ op: 'none' as const }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), char }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), char }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('swap' as const),
      order: fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'impostor' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('otherAlg' as const), alg: fc.constantFrom(...ALGS) }),
  },
);

const caseArb = fc.record({
  /** The kind the token is signed as (`typ`), or a typ no kind has, or none. */
  signedAs: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom<JwtKind | 'JWT' | 'none'>(...KINDS) },
    { weight: 1, arbitrary: fc.constantFrom<JwtKind | 'JWT' | 'none'>('JWT', 'none') },
  ),
  /** The kind the verifier expects: usually the one signed, so that acceptance is common. */
  expected: fc.oneof(
    { weight: 3, arbitrary: fc.constant<JwtKind | 'same'>('same') },
    { weight: 1, arbitrary: fc.constantFrom<JwtKind | 'same'>(...KINDS) },
  ),
  claims: claimArb,
  leeway: fc.constantFrom(...LEEWAYS),
  ms: fc.integer({ min: 0, max: 999 }),
  mutation: mutationArb,
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function expectedKind(c: Case): JwtKind {
  if (c.expected !== 'same') return c.expected;
  return c.signedAs === 'JWT' || c.signedAs === 'none' ? 'access' : c.signedAs;
}

async function build(alg: SigningAlgorithm, c: Case): Promise<string> {
  const { key, impostor } = ring(alg);
  const typ = c.signedAs === 'none' ? {} : { typ: c.signedAs === 'JWT' ? 'JWT' : JWT_TYP[c.signedAs] };
  const claims: Record<string, unknown> = { sub: 'user-1', jti: 'jti-1' };
  const signedKind = c.signedAs === 'JWT' || c.signedAs === 'none' ? 'access' : c.signedAs;
  const other = KINDS.find((kind) => kind !== signedKind) ?? 'access';
  const audience = (value: unknown): unknown =>
    value === OWN ? AUDIENCES[signedKind] : value === OTHER ? AUDIENCES[other] : value;
  for (const [name, value] of Object.entries(c.claims)) {
    if (value === undefined) continue;
    claims[name] = name === 'aud' ? (Array.isArray(value) ? value.map(audience) : audience(value)) : value;
  }
  let signer = key;
  let header: { alg: string; kid: string; typ?: string } = { alg, kid: key.kid, ...typ };
  if (c.mutation.op === 'impostor') signer = impostor;
  if (c.mutation.op === 'otherAlg' && c.mutation.alg !== alg) {
    // Signed by a key of another algorithm, claiming that algorithm, under our kid.
    signer = ring(c.mutation.alg).key;
    header = { ...header, alg: c.mutation.alg };
  }
  const token = await new SignJWT(claims).setProtectedHeader(header).sign(signer.privateKey);
  const m = c.mutation;
  switch (m.op) {
    case 'replace': {
      const at = m.at % token.length;
      return token.slice(0, at) + m.char + token.slice(at + 1);
    }
    case 'insert': {
      const at = m.at % (token.length + 1);
      return token.slice(0, at) + m.char + token.slice(at);
    }
    case 'delete': {
      const at = m.at % token.length;
      return token.slice(0, at) + token.slice(at + 1);
    }
    case 'swap': {
      const parts = token.split('.');
      return m.order.map((i) => parts[i] ?? '').join('.');
    }
    default:
      return token;
  }
}

describe('Tollgate and jose agree', () => {
  for (const alg of ALGS) {
    it(`on accept/reject for random ${alg} claim sets and mutations`, async () => {
      const tally = { both: 0, neither: 0, stricter: 0 };
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const token = await build(alg, c);
          const nowMs = START_MS + c.ms;
          const expected = expectedKind(c);
          const ours = tollgateAccepts(alg, token, expected, c.leeway, nowMs);
          if (!strictlyCanonical(token)) {
            // Non-canonical encodings (jose may decode them to the very same bytes): only ours must refuse.
            expect(ours).toBe(false);
            tally.stricter += 1;
            return;
          }
          const theirs = await joseAccepts(alg, token, expected, c.leeway, nowMs);
          expect({ token, tollgate: ours }).toEqual({ token, tollgate: theirs });
          tally[ours ? 'both' : 'neither'] += 1;
        }),
        { numRuns: 500 },
      );
      // The generator must exercise both outcomes, not just refusals. Of 500 cases about 52 are
      // accepted (sd ~7, seen 38–62): 40 failed one run in eight; 15 is five sd below the mean.
      expect(tally.both).toBeGreaterThan(15);
      expect(tally.neither).toBeGreaterThan(100);
    });
  }

  it('on exp/nbf boundaries at every millisecond offset, leeway 0 and 30', async () => {
    const alg: SigningAlgorithm = 'HS256';
    const { key } = ring(alg);
    for (const leeway of LEEWAYS) {
      for (const expOffset of [-31, -30, -29, -1, 0, 1]) {
        for (const nbfOffset of [undefined, -1, 0, 1, 29, 30, 31]) {
          const claims = baseClaims({
            exp: START_S + expOffset,
            ...(nbfOffset === undefined ? {} : { nbf: START_S + nbfOffset }),
          });
          const token = signToken(key, headerFor(key, JWT_TYP.access), claims);
          for (const ms of [0, 1, 500, 999]) {
            const nowMs = START_MS + ms;
            expect(tollgateAccepts(alg, token, 'access', leeway, nowMs)).toBe(
              await joseAccepts(alg, token, 'access', leeway, nowMs),
            );
          }
        }
      }
    }
  });

  it('on iat boundaries at every millisecond offset, leeway 0 and 30: a future iat is refused', async () => {
    const alg: SigningAlgorithm = 'ES256';
    const { key } = ring(alg);
    const tally = { accepted: 0, refused: 0 };
    for (const leeway of LEEWAYS) {
      for (const iatOffset of [-31, -1, 0, 1, 2, 29, 30, 31, 32, 3600]) {
        const claims = baseClaims({ iat: START_S + iatOffset, exp: START_S + 7200 });
        const token = signToken(key, headerFor(key, JWT_TYP.access), claims);
        for (const ms of [0, 1, 500, 999]) {
          const nowMs = START_MS + ms;
          const ours = tollgateAccepts(alg, token, 'access', leeway, nowMs);
          expect({ leeway, iatOffset, ms, ours }).toEqual({
            leeway,
            iatOffset,
            ms,
            ours: await joseAccepts(alg, token, 'access', leeway, nowMs),
          });
          tally[ours ? 'accepted' : 'refused'] += 1;
        }
      }
    }
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  });

  it('on refusing what both must refuse: alg none, public key as HMAC secret, b64:false, unknown crit, invalid UTF-8', async () => {
    const ed = ring('EdDSA').key;
    const payload = b64url(JSON.stringify(baseClaims()));
    const cases: string[] = [];
    cases.push(`${b64url(JSON.stringify({ alg: 'none', kid: ed.kid, typ: JWT_TYP.access }))}.${payload}.`);
    const hsInput = `${b64url(JSON.stringify({ alg: 'HS256', kid: ed.kid, typ: JWT_TYP.access }))}.${payload}`;
    const secret = createSecretKey(ed.publicKey.export({ format: 'der', type: 'spki' }));
    cases.push(
      `${hsInput}.${b64url(signatureOf({ alg: 'HS256', kid: 'x', privateKey: secret, publicKey: secret }, hsInput))}`,
    );
    const flat = await new FlattenedSign(
      new TextEncoder().encode(JSON.stringify(baseClaims({ iss: 'no-dots' }))),
    )
      .setProtectedHeader({ ...headerFor(ed, JWT_TYP.access), b64: false, crit: ['b64'] })
      .sign(ed.privateKey);
    cases.push(`${flat.protected}.${JSON.stringify(baseClaims({ iss: 'no-dots' }))}.${flat.signature}`);
    cases.push(
      signToken(ed, { ...headerFor(ed, JWT_TYP.access), crit: ['urn:x'], 'urn:x': 1 }, baseClaims()),
    );
    const bad = Buffer.concat([
      Buffer.from('{"sub":"'),
      Buffer.from([0xff]),
      Buffer.from(JSON.stringify(baseClaims()).replace('{"iss"', '","iss"')),
    ]);
    cases.push(signToken(ed, headerFor(ed, JWT_TYP.access), bad));
    for (const token of cases) {
      expect(await joseAccepts('EdDSA', token, 'access', 0, START_MS)).toBe(false);
      expect(tollgateAccepts('EdDSA', token, 'access', 0, START_MS)).toBe(false);
    }
  });
});

describe('where Tollgate is deliberately stricter than jose', () => {
  /** Asserts jose (same key, same options) accepts and Tollgate refuses. */
  async function stricter(alg: SigningAlgorithm, token: string): Promise<void> {
    expect(await joseAccepts(alg, token, 'access', 0, START_MS)).toBe(true);
    expect(tollgateAccepts(alg, token, 'access', 0, START_MS)).toBe(false);
  }

  it('extra header parameters (jku, x5u, jwk, x5c, cty, custom): jose ignores them, Tollgate never issues them', async () => {
    for (const alg of ALGS) {
      const { key } = ring(alg);
      for (const extra of [
        { jku: 'https://attacker.example/jwks' },
        { x5u: 'https://attacker.example/cert' },
        { jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' } },
        { x5c: ['MIIB'] },
        { cty: 'JWT' },
        { foo: 'bar' },
      ]) {
        await stricter(alg, signToken(key, { ...headerFor(key, JWT_TYP.access), ...extra }, baseClaims()));
      }
    }
  });

  it('duplicate JSON keys: jose keeps the last, Tollgate refuses the token', async () => {
    const { key } = ring('EdDSA');
    const header = `{"alg":"EdDSA","kid":"${key.kid}","typ":"${JWT_TYP.user}","typ":"${JWT_TYP.access}"}`;
    await stricter('EdDSA', signToken(key, header, baseClaims()));
    const payload = `${JSON.stringify(baseClaims()).slice(0, -1)},"sub":"admin"}`;
    await stricter('EdDSA', signToken(key, headerFor(key, JWT_TYP.access), payload));
  });

  it('non-canonical base64url (spare bits, padding, whitespace): jose decodes it to the same bytes', async () => {
    for (const alg of ALGS) {
      const { key } = ring(alg);
      const token = signToken(key, headerFor(key, JWT_TYP.access), baseClaims());
      const [h, p, s] = token.split('.') as [string, string, string];
      const bytes = Buffer.from(s, 'base64url');
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const spare = [...alphabet]
        .map((c) => s.slice(0, -1) + c)
        .filter((v) => v !== s && Buffer.from(v, 'base64url').equals(bytes));
      expect(spare.length).toBeGreaterThan(0);
      for (const variant of spare) await stricter(alg, `${h}.${p}.${variant}`);
      await stricter(alg, `${h}.${p}.${s}${'='.repeat((4 - (s.length % 4)) % 4)}`);
      await stricter(alg, `${h}.${p}.${s.slice(0, 8)} ${s.slice(8)}`);
    }
  });

  it('typ compared exactly: jose normalises case and the application/ prefix', async () => {
    const { key } = ring('ES256');
    for (const typ of ['AT+JWT', 'At+Jwt', 'application/at+jwt', 'APPLICATION/AT+JWT']) {
      await stricter('ES256', signToken(key, headerFor(key, typ), baseClaims()));
    }
  });

  it('kid required: jose, given the key, does not need one', async () => {
    const { key } = ring('HS256');
    await stricter('HS256', signToken(key, { alg: 'HS256', typ: JWT_TYP.access }, baseClaims()));
  });

  it('claims Tollgate requires (sub, jti) and finite dates: jose checks only what it is asked to', async () => {
    const { key } = ring('EdDSA');
    for (const name of ['sub', 'jti']) {
      const claims = baseClaims();
      delete claims[name];
      await stricter('EdDSA', signToken(key, headerFor(key, JWT_TYP.access), claims));
    }
    await stricter('EdDSA', signToken(key, headerFor(key, JWT_TYP.access), baseClaims({ sub: 42 })));
    const infinite = JSON.stringify(baseClaims()).replace(`"exp":${START_S + 600}`, '"exp":1e999');
    await stricter('EdDSA', signToken(key, headerFor(key, JWT_TYP.access), infinite));
  });

  it('a byte order mark before the JSON: jose’s TextDecoder drops it, Tollgate refuses it', async () => {
    const { key } = ring('EdDSA');
    const withBom = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(baseClaims())),
    ]);
    await stricter('EdDSA', signToken(key, headerFor(key, JWT_TYP.access), withBom));
  });
});
