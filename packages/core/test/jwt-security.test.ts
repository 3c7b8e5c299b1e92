/**
 * The hot-path JWT verifier against hostile tokens. Every hostile token here is validly signed
 * (with the key its kid names, unless the test is about the key), so each refusal is due to the
 * rule under test and not to a bad signature.
 */
import { sign as cryptoSign, generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, exportJWK, FlattenedSign, jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryTokenStore } from '../src/testing/index.js';
import {
  createKeySet,
  exportSigningKey,
  generateSigningKey,
  JWT_TYP,
  JwtCodec,
  type KeySet,
  type SigningKey,
  type TollgateError,
} from './helpers/internals.js';
import {
  AUDIENCE,
  b64url,
  baseClaims,
  createHarness,
  decodeSegment,
  expectRejects,
  expectThrows,
  headerFor,
  hmacSignature,
  ISSUER,
  issueAll,
  START_MS,
  START_S,
  segment,
  signatureOf,
  signToken,
} from './security-fixtures.js';

let ed: SigningKey;
let hs: SigningKey;
let es: SigningKey;
let keys: KeySet;
let codec: JwtCodec;
let codec30: JwtCodec;
/** Keys outside the set. */
let strangerEd: SigningKey;
let strangerEs: SigningKey;

const AT = JWT_TYP.access;

beforeAll(async () => {
  ed = await generateSigningKey({ alg: 'EdDSA', kid: 'ed-1' });
  hs = await generateSigningKey({ alg: 'HS256', kid: 'hs-1' });
  es = await generateSigningKey({ alg: 'ES256', kid: 'es-1' });
  strangerEd = await generateSigningKey({ alg: 'EdDSA', kid: 'ed-1' });
  strangerEs = await generateSigningKey({ alg: 'ES256', kid: 'es-1' });
  keys = createKeySet({ current: ed, previous: [hs, es] });
  codec = new JwtCodec({ keys, issuer: ISSUER, audience: AUDIENCE, leewaySeconds: 0, maxTokenLength: 8192 });
  codec30 = new JwtCodec({
    keys,
    issuer: ISSUER,
    audience: AUDIENCE,
    leewaySeconds: 30,
    maxTokenLength: 8192,
  });
});

const allKeys = (): SigningKey[] => [ed, hs, es];

/** A token that verifies, so each test can show its hostile variant is refused for its own reason. */
function valid(key: SigningKey, extra: Record<string, unknown> = {}): string {
  return signToken(key, headerFor(key, AT), baseClaims(extra));
}

function refused(token: string, c: JwtCodec = codec): TollgateError {
  return expectThrows(() => c.verify(token, START_MS), 'invalid_token');
}

/** Same key material, header as given (any JSON text), payload the base claims. */
function withHeader(key: SigningKey, header: object | string): string {
  return signToken(key, header, baseClaims());
}

describe('alg none and algorithm confusion', () => {
  it('the control tokens verify', () => {
    for (const key of allKeys()) expect(codec.verify(valid(key), START_MS).kid).toBe(key.kid);
  });

  it('alg none is refused, with and without a signature part', () => {
    const payload = segment(baseClaims());
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      for (const header of [{ alg, kid: ed.kid, typ: AT }, { alg, typ: AT }, { alg }]) {
        const input = `${segment(header)}.${payload}`;
        refused(`${input}.`);
        refused(input);
        // A real signature over the none-header input (a verifier that ignored alg would accept it).
        refused(`${input}.${b64url(signatureOf(ed, input))}`);
        refused(`${input}.${valid(ed).split('.')[2]}`);
      }
    }
  });

  it('HS256 signed with the Ed25519 public key (raw, DER, PEM, JWK) as HMAC secret is refused', async () => {
    const jwk = await exportJWK(ed.publicKey);
    const secrets: (string | Uint8Array)[] = [
      Buffer.from(String(jwk.x), 'base64url'),
      ed.publicKey.export({ format: 'der', type: 'spki' }),
      String(ed.publicKey.export({ format: 'pem', type: 'spki' })),
      JSON.stringify(jwk),
      JSON.stringify({ ...jwk, kid: ed.kid, alg: 'EdDSA', use: 'sig' }),
      String(jwk.x),
    ];
    const payload = segment(baseClaims());
    for (const secret of secrets) {
      for (const header of [
        { alg: 'HS256', kid: ed.kid, typ: AT },
        { alg: 'HS256', typ: AT },
      ]) {
        const input = `${segment(header)}.${payload}`;
        refused(`${input}.${b64url(hmacSignature(Buffer.from(secret), input))}`);
      }
    }
  });

  it('HS256 signed with the ES256 public key as HMAC secret is refused', () => {
    const payload = segment(baseClaims());
    for (const secret of [
      es.publicKey.export({ format: 'der', type: 'spki' }),
      Buffer.from(String(es.publicKey.export({ format: 'pem', type: 'spki' }))),
    ]) {
      const input = `${segment({ alg: 'HS256', kid: es.kid, typ: AT })}.${payload}`;
      refused(`${input}.${b64url(hmacSignature(secret, input))}`);
    }
  });

  it('an EdDSA kid claiming ES256 (signed with an ES256 key) is refused', () => {
    // Signed by a P-256 key: a verifier that trusted the header's alg would pick ECDSA.
    const header = { alg: 'ES256', kid: ed.kid, typ: AT };
    refused(signToken(strangerEs, header, baseClaims()));
    refused(signToken(es, header, baseClaims()));
    // jose 6 also knows `Ed25519` as an algorithm name: not the pinned one either.
    refused(signToken(ed, { alg: 'Ed25519', kid: ed.kid, typ: AT }, baseClaims()));
  });

  it('an alg that does not match the key pinned to the kid is refused', () => {
    for (const pinned of allKeys()) {
      for (const signer of allKeys()) {
        if (signer === pinned) continue;
        // Really signed by a key of the claimed algorithm, with the pinned key's kid.
        refused(signToken(signer, { alg: signer.alg, kid: pinned.kid, typ: AT }, baseClaims()));
      }
      for (const alg of [
        'HS512',
        'HS384',
        'RS256',
        'PS256',
        'ES384',
        'ES256K',
        'EdDSA ',
        'hs256',
        'A128KW',
      ]) {
        if (alg === pinned.alg) continue;
        refused(withHeader(pinned, { alg, kid: pinned.kid, typ: AT }));
      }
    }
  });

  it('an unknown kid is refused, whoever signed', () => {
    for (const kid of ['ghost', '', 'ED-1', 'ed-1 ', ' ed-1', 'ed-1\u0000', 'hs-1/../ed-1']) {
      refused(withHeader(ed, { alg: 'EdDSA', kid, typ: AT }));
    }
    // A key the set has never seen (same kid string as ours, other material): bad signature.
    refused(signToken(strangerEd, headerFor(strangerEd, AT), baseClaims()));
  });

  it('a header without kid, typ or alg, or with a non-string one, is refused', () => {
    for (const key of allKeys()) {
      refused(withHeader(key, { alg: key.alg, typ: AT }));
      refused(withHeader(key, { alg: key.alg, kid: key.kid }));
      refused(withHeader(key, { kid: key.kid, typ: AT }));
      refused(withHeader(key, {}));
      refused(withHeader(key, { alg: key.alg, kid: [key.kid], typ: AT }));
      refused(withHeader(key, { alg: key.alg, kid: key.kid, typ: [AT] }));
      refused(withHeader(key, { alg: [key.alg], kid: key.kid, typ: AT }));
      refused(withHeader(key, { alg: key.alg, kid: null, typ: AT }));
      refused(withHeader(key, { alg: key.alg, kid: 1, typ: AT }));
      refused(withHeader(key, { alg: key.alg, kid: key.kid, typ: { typ: AT } }));
    }
  });

  it('jku, x5u, jwk, x5c, x5t, crit, b64 and other header parameters are refused even when validly signed', async () => {
    const attacker = generateKeyPairSync('ed25519');
    const attackerJwk = await exportJWK(attacker.publicKey);
    const extras: Record<string, unknown>[] = [
      { jku: 'https://attacker.example/jwks.json' },
      { x5u: 'https://attacker.example/cert.pem' },
      { jwk: { ...(await exportJWK(ed.publicKey)), kid: ed.kid } },
      { jwk: attackerJwk },
      { x5c: ['MIIBszCCAVmgAwIBAgIUW'] },
      { x5t: 'dGh1bWJwcmludA' },
      { 'x5t#S256': 'dGh1bWJwcmludA' },
      { crit: ['exp'], exp: START_S + 600 },
      { crit: ['b64'], b64: true },
      { b64: true },
      { cty: 'JWT' },
      { zip: 'DEF' },
      { enc: 'A256GCM' },
      { foo: 'bar' },
      { Alg: 'none' },
      { '': 1 },
      { kid2: 'hs-1' },
    ];
    for (const key of allKeys()) {
      for (const extra of extras) refused(withHeader(key, { ...headerFor(key, AT), ...extra }));
      // Parameter names that only look like ours.
      refused(withHeader(key, `{"alg":"${key.alg}","kid":"${key.kid}","typ":"${AT}","__proto__":{"x":1}}`));
      refused(withHeader(key, `{"alg":"${key.alg}","kid":"${key.kid}","typ":"${AT}","typ ":"x"}`));
    }
    // The same with jose's own signer, as an attacker with our key material would sign.
    const claims = baseClaims();
    for (const extra of extras.slice(0, 4)) {
      const token = await new SignJWT(claims)
        .setProtectedHeader({ ...headerFor(ed, AT), ...extra })
        .sign(ed.privateKey);
      refused(token);
    }
    // The classic embedded-key attack: the attacker's key, its JWK in the header, our kid.
    const input = `${segment({ alg: 'EdDSA', kid: ed.kid, typ: AT, jwk: attackerJwk })}.${segment(claims)}`;
    const attackerKey: SigningKey = {
      alg: 'EdDSA',
      kid: 'attacker',
      privateKey: attacker.privateKey,
      publicKey: attacker.publicKey,
    };
    refused(`${input}.${b64url(signatureOf(attackerKey, input))}`);
  });

  it('crit with b64:false (RFC 7797 unencoded payload) is refused', async () => {
    const header = { ...headerFor(ed, AT), b64: false, crit: ['b64'] };
    const json = JSON.stringify(baseClaims({ iss: 'issuer-without-dots' }));
    // jose signs it (flattened; its compact signer refuses b64:false), laid out as a compact JWS...
    const jws = await new FlattenedSign(new TextEncoder().encode(json))
      .setProtectedHeader(header)
      .sign(ed.privateKey);
    const token = `${jws.protected}.${json}.${jws.signature}`;
    refused(token);
    // ...and the detached form, and a b64:false header over an ordinary base64url payload.
    refused(token.replace(json, ''));
    refused(withHeader(ed, header));
    const raw = `${segment(header)}.${JSON.stringify(baseClaims())}`;
    refused(`${raw}.${b64url(signatureOf(ed, raw))}`);
  });
});

describe('ES256, the default algorithm', () => {
  it('generateSigningKey() makes a P-256 key for ES256, published as an EC JWK', async () => {
    const key = await generateSigningKey();
    expect(key.alg).toBe('ES256');
    expect(key.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const { keys: published } = await createKeySet({ current: key }).jwks();
    expect(published).toEqual([
      expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' }),
    ]);
  });

  it('the JWS form (raw r||s, 64 bytes) verifies; the DER form of the same signature is refused', () => {
    const token = valid(es);
    expect(codec.verify(token, START_MS).kid).toBe(es.kid);
    const [h, p] = token.split('.') as [string, string, string];
    // node:crypto's default encoding: a verifier without dsaEncoding ieee-p1363 would want this one.
    const der = cryptoSign('sha256', Buffer.from(`${h}.${p}`), es.privateKey);
    expect(der.length).toBeGreaterThan(64);
    refused(`${h}.${p}.${b64url(der)}`);
  });

  it('a signature of the wrong length, all zeros, or with r and s swapped is refused', () => {
    const token = valid(es);
    const [h, p, s] = token.split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    for (const bad of [
      sig.subarray(0, 63),
      Buffer.concat([sig, Buffer.from([0])]),
      Buffer.concat([Buffer.from([0]), sig]),
      Buffer.alloc(64),
      Buffer.concat([sig.subarray(32), sig.subarray(0, 32)]),
      Buffer.alloc(0),
    ]) {
      refused(`${h}.${p}.${b64url(bad)}`);
    }
  });

  it('an ES256 kid claiming EdDSA or HS256 (really signed so) is refused', () => {
    refused(signToken(ed, { alg: 'EdDSA', kid: es.kid, typ: AT }, baseClaims()));
    refused(signToken(strangerEd, { alg: 'EdDSA', kid: es.kid, typ: AT }, baseClaims()));
    refused(signToken(hs, { alg: 'HS256', kid: es.kid, typ: AT }, baseClaims()));
  });

  it('a token signed by another P-256 key under our kid is refused', () => {
    refused(signToken(strangerEs, headerFor(strangerEs, AT), baseClaims()));
  });

  it("the JWS jose signs with our ES256 key verifies, and Tollgate's own verifies with jose", async () => {
    const fromJose = await new SignJWT(baseClaims())
      .setProtectedHeader({ alg: 'ES256', kid: es.kid, typ: AT })
      .sign(es.privateKey);
    expect(codec.verify(fromJose, START_MS).kind).toBe('access');
    const { keys: published } = await keys.jwks();
    const { protectedHeader } = await jwtVerify(valid(es), createLocalJWKSet({ keys: published }), {
      currentDate: new Date(START_MS),
      algorithms: ['ES256'],
    });
    expect(protectedHeader.alg).toBe('ES256');
  });
});

describe('duplicate keys, non-object JSON and invalid UTF-8', () => {
  const header = (): string => JSON.stringify(headerFor(ed, AT));
  const payloadText = (): string => JSON.stringify(baseClaims());
  const withTail = (json: string, tail: string): string => `${json.slice(0, -1)},${tail}}`;

  it('duplicate keys in the header are refused', () => {
    const texts = [
      `{"alg":"none","alg":"EdDSA","kid":"ed-1","typ":"${AT}"}`,
      `{"alg":"EdDSA","alg":"EdDSA","kid":"ed-1","typ":"${AT}"}`,
      `{"alg":"EdDSA","kid":"ghost","kid":"ed-1","typ":"${AT}"}`,
      `{"alg":"EdDSA","kid":"ed-1","typ":"${JWT_TYP.user}","typ":"${AT}"}`,
      `{"alg":"EdDSA","kid":"ed-1","typ":"${AT}","\\u0074yp":"${AT}"}`,
      `{"\\u0061lg":"HS256","alg":"EdDSA","kid":"ed-1","typ":"${AT}"}`,
    ];
    // Control: the plain header text with a different key order verifies.
    expect(codec.verify(withHeader(ed, `{"typ":"${AT}","kid":"ed-1","alg":"EdDSA"}`), START_MS).kind).toBe(
      'access',
    );
    for (const text of texts) refused(withHeader(ed, text));
  });

  it('duplicate keys in the payload are refused, also when escaped or nested', () => {
    const base = payloadText();
    expect(codec.verify(signToken(ed, header(), base), START_MS).claims.sub).toBe('user-1');
    const tails = [
      '"sub":"admin"',
      '"\\u0073ub":"admin"',
      '"s\\u0075b":"admin"',
      '"\\u0073\\u0075\\u0062":"user-1"',
      `"exp":${START_S + 999_999}`,
      `"iss":"${ISSUER}"`,
      '"aud":"other"',
      '"x\\/":1,"x/":2',
      '"act":{"sub":"a","preferred_username":"a","sub":"b"}',
      '"roles":[{"k":1,"k":2}]',
    ];
    for (const tail of tails) refused(signToken(ed, header(), withTail(base, tail)));
    // Not duplicates: the same name in sibling or nested objects.
    const siblings = withTail(base, '"a":{"sub":"x"},"b":[{"sub":"y"},{"sub":"z"}]');
    expect(codec.verify(signToken(ed, header(), siblings), START_MS).claims.sub).toBe('user-1');
  });

  it('a payload that is not a JSON object is refused', () => {
    for (const text of [
      '[]',
      JSON.stringify([baseClaims()]),
      '"claims"',
      '42',
      'null',
      'true',
      '""',
      '',
      ' ',
      '{',
    ]) {
      refused(signToken(ed, header(), text));
    }
  });

  it('a header that is not a JSON object is refused', () => {
    for (const text of ['[]', '["EdDSA","ed-1","at+jwt"]', '"EdDSA"', '0', 'null', '', '{"alg":"EdDSA"']) {
      refused(signToken(ed, text, baseClaims()));
    }
  });

  it('a validly signed payload or header with invalid UTF-8 is refused', () => {
    const head = Buffer.from(header());
    const sequences = [
      [0xff],
      [0xc0, 0xaf], // overlong "/"
      [0xed, 0xa0, 0x80], // UTF-16 surrogate encoded in UTF-8 (CESU)
      [0xe2, 0x82], // truncated
      [0x80], // lone continuation byte
      [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
    ];
    for (const bytes of sequences) {
      const [before, after] = payloadText().split('user-1');
      const payload = Buffer.concat([
        Buffer.from(`${before}user-1`),
        Buffer.from(bytes),
        Buffer.from(String(after)),
      ]);
      refused(signToken(ed, head, payload));
      const badHeader = Buffer.concat([
        Buffer.from(`{"alg":"EdDSA","kid":"ed-1`),
        Buffer.from(bytes),
        Buffer.from(`","typ":"${AT}"}`),
      ]);
      refused(signToken(ed, badHeader, baseClaims()));
    }
    // Valid UTF-8 outside ASCII is fine.
    const fine = Buffer.from(JSON.stringify(baseClaims({ preferred_username: 'zoë 🦊' })));
    expect(codec.verify(signToken(ed, head, fine), START_MS).claims.preferred_username).toBe('zoë 🦊');
  });
});

describe('non-canonical base64url, dots and length', () => {
  /** Every other character that decodes to the same bytes as the last one of `seg`. */
  function sameBytesVariants(seg: string): string[] {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const bytes = Buffer.from(seg, 'base64url');
    const out: string[] = [];
    for (const c of alphabet) {
      const variant = seg.slice(0, -1) + c;
      if (variant !== seg && Buffer.from(variant, 'base64url').equals(bytes)) out.push(variant);
    }
    return out;
  }

  it('a signature whose last character has non-zero trailing bits (same bytes) is refused', () => {
    for (const key of allKeys()) {
      const token = valid(key);
      const [h, p, s] = token.split('.') as [string, string, string];
      const variants = sameBytesVariants(s);
      // 32-byte HMAC: 43 chars, 2 spare bits (3 variants); 64-byte signatures: 86 chars, 4 spare bits (15).
      expect(variants).toHaveLength(key.alg === 'HS256' ? 3 : 15);
      for (const variant of variants) refused(`${h}.${p}.${variant}`);
    }
  });

  it('header and payload segments with non-zero trailing bits are refused', () => {
    // Pad the claims until the payload segment length leaves spare bits.
    for (let n = 0; n < 3; n++) {
      const token = valid(ed, { pad: 'x'.repeat(n) });
      const [h, p, s] = token.split('.') as [string, string, string];
      for (const variant of sameBytesVariants(p)) refused(`${h}.${variant}.${s}`);
      for (const variant of sameBytesVariants(h)) refused(`${variant}.${p}.${s}`);
    }
  });

  it('padding, the standard alphabet (+ /) and whitespace are refused', () => {
    for (const key of allKeys()) {
      let token = valid(key);
      // Find a token whose signature uses - or _, to swap in + or /.
      for (let i = 0; !/[-_]/.test(token.split('.')[2] ?? ''); i++) token = valid(key, { jti: `jti-${i}` });
      const [h, p, s] = token.split('.') as [string, string, string];
      refused(`${h}.${p}.${s.replaceAll('-', '+').replaceAll('_', '/')}`);
      refused(`${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}`);
      for (const pad of ['=', '==', '===']) {
        refused(`${h}.${p}.${s}${pad}`);
        refused(`${h}.${p}${pad}.${s}`);
        refused(`${h}${pad}.${p}.${s}`);
      }
      for (const ws of [' ', '\n', '\t', '\r\n']) {
        refused(`${h}.${p}.${s.slice(0, 10)}${ws}${s.slice(10)}`);
        refused(`${h}.${p}.${s}${ws}`);
        refused(`${ws}${h}.${p}.${s}`);
        refused(`${h}.${p.slice(0, 5)}${ws}${p.slice(5)}.${s}`);
      }
    }
  });

  it('extra or missing dots are refused', () => {
    const token = valid(ed);
    const [h, p, s] = token.split('.') as [string, string, string];
    const shapes = [
      `${h}.${p}.${s}.`,
      `.${h}.${p}.${s}`,
      `${h}..${p}.${s}`,
      `${h}.${p}..${s}`,
      `${h}.${p}`,
      `${h}${p}.${s}`,
      `${h}.${p}${s}`,
      `${h}${p}${s}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${h}.${p}.${s}.${s}`, // JWE-shaped
      '..',
      '...',
      '.',
      '',
    ];
    for (const shape of shapes) refused(shape);
  });

  it('over-long tokens are refused before any work; the bound itself is accepted', async () => {
    const token = valid(ed, { pad: 'x'.repeat(500) });
    const exact = new JwtCodec({
      keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      leewaySeconds: 0,
      maxTokenLength: token.length,
    });
    const short = new JwtCodec({
      keys,
      issuer: ISSUER,
      audience: AUDIENCE,
      leewaySeconds: 0,
      maxTokenLength: token.length - 1,
    });
    expect(exact.verify(token, START_MS).kind).toBe('access');
    expect(refused(token, short).message).toMatch(/too long/);
    refused(valid(ed, { pad: 'x'.repeat(9000) }));
    refused('a'.repeat(100_000));
    const h = await createHarness({ keys });
    const huge = signToken(ed, headerFor(ed, AT), {
      ...decodeSegment((await issueAll(h)).access, 1),
      pad: 'x'.repeat(9000),
    });
    await expectRejects(h.tg.requirePrincipal({ authorization: `Bearer ${huge}` }), 'invalid_token');
    await expectRejects(h.tg.requirePrincipal({ cookie: `tollgate_session=${huge}` }), 'invalid_token');
  });
});

describe('issuer, audience and time', () => {
  it('a wrong or missing iss is refused', () => {
    for (const iss of [
      'https://evil.test',
      `${ISSUER}/`,
      ISSUER.toUpperCase(),
      '',
      null,
      1,
      [ISSUER],
      { iss: ISSUER },
    ]) {
      refused(valid(ed, { iss }));
    }
    const { iss: _iss, ...withoutIss } = baseClaims();
    refused(signToken(ed, headerFor(ed, AT), withoutIss));
  });

  it('a wrong or missing aud is refused; an array containing the audience is accepted (like jose)', () => {
    for (const aud of [
      'other',
      'API',
      `${AUDIENCE} `,
      '',
      null,
      0,
      [],
      ['other'],
      [['api']],
      { aud: AUDIENCE },
    ]) {
      refused(valid(ed, { aud }));
    }
    const { aud: _aud, ...withoutAud } = baseClaims();
    refused(signToken(ed, headerFor(ed, AT), withoutAud));
    expect(codec.verify(valid(ed, { aud: [AUDIENCE] }), START_MS).kind).toBe('access');
    expect(codec.verify(valid(ed, { aud: ['other', AUDIENCE] }), START_MS).kind).toBe('access');
  });

  it('missing or non-string sub/jti and missing or non-numeric iat/exp/nbf are refused', () => {
    for (const name of ['sub', 'jti', 'iat', 'exp']) {
      const claims = baseClaims();
      delete claims[name];
      refused(signToken(ed, headerFor(ed, AT), claims));
    }
    for (const bad of [null, '1', true, [1], { n: 1 }]) {
      refused(valid(ed, { sub: bad === '1' ? 1 : bad }));
      refused(valid(ed, { jti: bad === '1' ? 1 : bad }));
      refused(valid(ed, { exp: bad }));
      refused(valid(ed, { iat: bad }));
      refused(valid(ed, { nbf: bad }));
    }
    // JSON numbers beyond double range parse to Infinity: not a NumericDate.
    const text = JSON.stringify(baseClaims()).replace(`"exp":${START_S + 600}`, '"exp":1e999');
    refused(signToken(ed, headerFor(ed, AT), text));
  });

  it('exp boundary with leeway 0: refused exactly at exp, accepted one second (and one ms) before', () => {
    const exp = START_S + 600;
    const token = valid(ed, { exp });
    expectThrows(() => codec.verify(token, exp * 1000), 'token_expired');
    expectThrows(() => codec.verify(token, exp * 1000 + 999), 'token_expired');
    expect(codec.verify(token, (exp - 1) * 1000).kind).toBe('access');
    expect(codec.verify(token, exp * 1000 - 1).kind).toBe('access');
  });

  it('exp boundary with leeway 30: accepted until exp + 30 s, refused from then on', () => {
    const exp = START_S + 600;
    const token = valid(ed, { exp });
    expect(codec30.verify(token, exp * 1000).kind).toBe('access');
    expect(codec30.verify(token, (exp + 29) * 1000 + 999).kind).toBe('access');
    expectThrows(() => codec30.verify(token, (exp + 30) * 1000), 'token_expired');
  });

  it('nbf one second ahead: refused with leeway 0, accepted with leeway 30; beyond the leeway refused', () => {
    const token = valid(ed, { nbf: START_S + 1 });
    expectThrows(() => codec.verify(token, START_MS), 'token_not_yet_valid');
    expect(codec30.verify(token, START_MS).kind).toBe('access');
    expect(codec.verify(token, START_MS + 1000).kind).toBe('access');
    expect(codec.verify(valid(ed, { nbf: START_S }), START_MS).kind).toBe('access');
    expectThrows(() => codec30.verify(valid(ed, { nbf: START_S + 31 }), START_MS), 'token_not_yet_valid');
    expect(codec30.verify(valid(ed, { nbf: START_S + 30 }), START_MS).kind).toBe('access');
  });

  it('iat in the future: refused as invalid_token beyond the leeway, accepted within it', () => {
    const ahead = (seconds: number) => valid(ed, { iat: START_S + seconds, exp: START_S + 3600 });
    expect(codec.verify(ahead(0), START_MS).kind).toBe('access');
    expect(codec.verify(ahead(-60), START_MS).kind).toBe('access');
    for (const seconds of [1, 60, 86_400 * 365]) {
      expectThrows(() => codec.verify(ahead(seconds), START_MS), 'invalid_token');
    }
    expect(() => codec.verify(ahead(1), START_MS)).toThrow(/iat is in the future/);
    // Counted in whole seconds, like exp and nbf: the second of iat itself is not the future.
    expect(codec.verify(ahead(1), START_MS + 1000).kind).toBe('access');
    expect(codec30.verify(ahead(30), START_MS).kind).toBe('access');
    expectThrows(() => codec30.verify(ahead(31), START_MS), 'invalid_token');
  });

  it('through authenticate: a token dated ahead of the clock is refused, then accepted once its iat is reached', async () => {
    const h = await createHarness({ keys, leewaySeconds: 0 });
    const claims = decodeSegment((await issueAll(h)).access, 1);
    const future = signToken(ed, headerFor(ed, AT), { ...claims, iat: START_S + 120, exp: START_S + 900 });
    h.clock.set(START_MS);
    await expectRejects(h.tg.requirePrincipal({ authorization: `JWT ${future}` }), 'invalid_token');
    h.clock.set((START_S + 120) * 1000);
    expect((await h.tg.requirePrincipal({ authorization: `JWT ${future}` })).tokenKind).toBe('access');
  });

  it('through authenticate with a fake clock: exp and nbf boundaries at leeway 0 and 30', async () => {
    for (const leewaySeconds of [0, 30]) {
      const h = await createHarness({ keys, leewaySeconds });
      const claims = decodeSegment((await issueAll(h)).access, 1);
      const exp = START_S + 5;
      const expiring = signToken(ed, headerFor(ed, AT), { ...claims, exp });
      const early = signToken(ed, headerFor(ed, AT), { ...claims, nbf: START_S + 1 });
      h.clock.set((exp - 1) * 1000);
      expect((await h.tg.requirePrincipal({ authorization: `JWT ${expiring}` })).tokenKind).toBe('access');
      h.clock.set((exp + leewaySeconds) * 1000);
      await expectRejects(h.tg.requirePrincipal({ authorization: `JWT ${expiring}` }), 'token_expired');
      h.clock.set(START_MS);
      if (leewaySeconds === 0) {
        await expectRejects(h.tg.requirePrincipal({ authorization: `JWT ${early}` }), 'token_not_yet_valid');
      } else {
        expect((await h.tg.requirePrincipal({ authorization: `JWT ${early}` })).tokenKind).toBe('access');
      }
    }
  });

  it('a cached verification never outlives exp (leeway 0 and 30), whichever source', async () => {
    for (const leewaySeconds of [0, 30]) {
      const h = await createHarness({ keys, leewaySeconds });
      const t = await issueAll(h);
      const requests = [
        { authorization: `JWT ${t.access}` },
        { authorization: `Bearer ${t.access}` },
        { authorization: [`Bearer ${t.access}`] },
        { cookie: `tollgate_session=${t.delegated}` },
        { authorization: `Bearer ${t.delegated}`, cookie: `tollgate_session=${t.delegated}` },
      ];
      for (const request of requests) {
        h.clock.set(START_MS);
        const principal = await h.tg.requirePrincipal(request);
        const acceptedUntil = principal.expiresAt + leewaySeconds * 1000;
        h.clock.set(acceptedUntil - 1);
        expect((await h.tg.requirePrincipal(request)).tokenId).toBe(principal.tokenId);
        h.clock.set(acceptedUntil);
        await expectRejects(h.tg.requirePrincipal(request), 'token_expired');
        h.clock.set(acceptedUntil + 86_400_000);
        await expectRejects(h.tg.requirePrincipal(request), 'token_expired');
      }
    }
  });

  it('a cached UAT never outlives its expiry', async () => {
    const h = await createHarness({ keys });
    const t = await issueAll(h);
    const expiresAt = START_MS + 5_000;
    const uat = await h.tg.uats.create({
      caller: t.principals.access,
      name: 'short',
      expiresAt: new Date(expiresAt),
      permissions: ['brand_create'],
    });
    const request = { authorization: `UAT ${uat.token}` };
    expect((await h.tg.requirePrincipal(request)).expiresAt).toBe(expiresAt);
    h.clock.set(expiresAt - 1);
    expect((await h.tg.requirePrincipal(request)).tokenKind).toBe('uat');
    h.clock.set(expiresAt);
    await expectRejects(h.tg.requirePrincipal(request), 'token_expired');
  });
});

describe('key rotation and the JWKS', () => {
  it('tokens signed by a previous key still verify; once the key is dropped they are refused', async () => {
    const old = await generateSigningKey({ alg: 'EdDSA', kid: 'old' });
    const next = await generateSigningKey({ alg: 'ES256', kid: 'next' });
    // One store for the three deployments: the sessions the tokens belong to live on.
    const store = createMemoryTokenStore();
    const before = await createHarness({ keys: createKeySet({ current: old }), store });
    const t = await issueAll(before);
    expect(decodeSegment(t.access, 0).kid).toBe('old');

    const rotated = await createHarness({ keys: createKeySet({ current: next, previous: [old] }), store });
    expect((await rotated.tg.requirePrincipal({ authorization: `JWT ${t.access}` })).tokenKind).toBe(
      'access',
    );
    expect((await rotated.tg.requirePrincipal({ cookie: `tollgate_session=${t.delegated}` })).tokenKind).toBe(
      'delegated',
    );
    expect((await rotated.tg.userTokens.environments({ token: t.user })).length).toBeGreaterThan(0);
    // New tokens are signed by the new current key.
    const refreshed = await rotated.tg.userTokens.refresh({ token: t.user });
    expect(decodeSegment(refreshed.token, 0)).toEqual({ alg: 'ES256', kid: 'next', typ: JWT_TYP.user });

    const dropped = await createHarness({ keys: createKeySet({ current: next }), store });
    await expectRejects(dropped.tg.requirePrincipal({ authorization: `JWT ${t.access}` }), 'invalid_token');
    await expectRejects(
      dropped.tg.requirePrincipal({ cookie: `tollgate_session=${t.delegated}` }),
      'invalid_token',
    );
    await expectRejects(dropped.tg.userTokens.refresh({ token: t.user }), 'invalid_token');
    expect((await dropped.tg.userTokens.environments({ token: refreshed.token })).length).toBeGreaterThan(0);
  });

  it('jwks() publishes EdDSA and ES256 public keys with kid, alg and use, never a secret or a private d', async () => {
    const set = createKeySet({ current: ed, previous: [hs, es] });
    const { keys: published } = await set.jwks();
    expect(published.map((k) => [k.kid, k.alg, k.use, k.kty])).toEqual([
      ['ed-1', 'EdDSA', 'sig', 'OKP'],
      ['es-1', 'ES256', 'sig', 'EC'],
    ]);
    const text = JSON.stringify(published);
    for (const jwk of published) {
      expect(jwk.d).toBeUndefined();
      expect(jwk.k).toBeUndefined();
      expect(jwk.kty).not.toBe('oct');
    }
    for (const key of [ed, es]) expect(text).not.toContain(String((await exportSigningKey(key)).d));
    expect(text).not.toContain(String((await exportSigningKey(hs)).k));
    expect(text).not.toContain('hs-1');
    // The Tollgate serves the same set, and the published keys really verify our tokens.
    const h = await createHarness({ keys: set });
    expect(await h.tg.jwks()).toEqual({ keys: published });
    const jwks = createLocalJWKSet({ keys: published });
    for (const key of [ed, es]) {
      const { protectedHeader } = await jwtVerify(valid(key), jwks, { currentDate: new Date(START_MS) });
      expect(protectedHeader.kid).toBe(key.kid);
    }
    expect((await createKeySet({ current: hs }).jwks()).keys).toEqual([]);
  });
});
