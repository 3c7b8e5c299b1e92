/**
 * Opaque tokens: the UAT format (prefix + checksum, checked before any lookup), the refresh-token
 * format, storage by hash only, and the constant-time comparisons that can be observed from outside.
 */
import { createHash, sign as cryptoSign } from 'node:crypto';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateRefreshToken,
  generateUat,
  hashOpaqueToken,
  isWellFormedRefreshToken,
  isWellFormedUat,
  JWT_TYP,
  REFRESH_PREFIX,
  type SigningKey,
  TollgateError,
  UAT_PREFIX,
} from './helpers/internals.js';
import {
  ACCOUNTS,
  b64url,
  baseClaims,
  createHarness,
  expectRejects,
  expectThrows,
  type Harness,
  headerFor,
  hmacSignature,
  type IssuedTokens,
  issueAll,
  rejection,
  START_MS,
  segment,
} from './security-fixtures.js';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64URL = `${BASE62}-_`;

/** The checksum as a secret scanner computes it, independently of Tollgate's code: zlib's CRC-32. */
function scannerChecksum(random: string): string {
  let n = crc32(random);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** Every string one character away from `token` (replacement by any of `chars`). */
function* replacements(token: string, chars: string): Generator<string> {
  for (let at = 0; at < token.length; at++) {
    for (const c of chars) if (c !== token[at]) yield token.slice(0, at) + c + token.slice(at + 1);
  }
}

describe('UAT format', () => {
  it('fixed tokens keep verifying: the checksum is CRC-32 (IEEE) of the random part, byte for byte', () => {
    // Written down once from a table-driven CRC-32 independent of zlib: tokens issued by any
    // version must verify in every later one.
    for (const token of [
      'tgu_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefAHu0zZ',
      'tgu_q7Zt3LmN9xV2bR8wK4pY6sD1fH5jG0cED8v7JG',
    ]) {
      expect(isWellFormedUat(token), token).toBe(true);
      expect(isWellFormedUat(`${token.slice(0, -1)}${token.endsWith('Z') ? 'Y' : 'Z'}`)).toBe(false);
    }
    expect(crc32('123456789')).toBe(0xcbf43926); // the CRC-32 check value
  });

  it('generated UATs are well formed: prefix, 32 base62 characters, CRC-32 checksum, display prefix', () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const { token, displayPrefix } = generateUat();
      const ok =
        /^tgu_[A-Za-z0-9]{38}$/.test(token) &&
        token.startsWith(UAT_PREFIX) &&
        isWellFormedUat(token) &&
        token.slice(36) === scannerChecksum(token.slice(4, 36)) &&
        displayPrefix === token.slice(0, 12);
      if (!ok) bad.push(token);
      seen.add(token);
    }
    expect(bad).toEqual([]);
    expect(seen.size).toBe(2000);
  });

  it('the random part uses the whole base62 alphabet, evenly enough', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      for (const c of generateUat().token.slice(4, 36)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    // 32000 draws over 62 symbols: about 516 each; a modulo bias would push some far off.
    for (const n of counts.values()) expect(n).toBeGreaterThan(380);
    for (const n of counts.values()) expect(n).toBeLessThan(660);
  });

  it('any single-character change (or adjacent swap) of a UAT fails the checksum', () => {
    const accepted: string[] = [];
    let checked = 0;
    for (let i = 0; i < 20; i++) {
      const { token } = generateUat();
      const variants = [...replacements(token, `${B64URL}. =`), token.slice(0, -1), `${token}A`, ` ${token}`];
      for (let at = 0; at + 1 < token.length; at++) {
        const swapped = token.slice(0, at) + token[at + 1] + token[at] + token.slice(at + 2);
        if (swapped !== token) variants.push(swapped);
      }
      for (const variant of variants) if (isWellFormedUat(variant)) accepted.push(variant);
      checked += variants.length;
    }
    expect(accepted).toEqual([]);
    expect(checked).toBeGreaterThan(50_000);
  });

  it('arbitrary strings are well-formed UATs only with the right checksum', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^tgu_[A-Za-z0-9]{38}$/)), (text) => {
        const expected =
          /^tgu_[A-Za-z0-9]{38}$/.test(text) && text.slice(36) === scannerChecksum(text.slice(4, 36));
        expect(isWellFormedUat(text)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('tampered opaque tokens are refused before any store call', () => {
  let h: Harness;
  let t: IssuedTokens;
  beforeAll(async () => {
    h = await createHarness();
    t = await issueAll(h);
  });

  it('every single-character change of a real UAT is refused by authenticate with invalid_token, with no lookup', async () => {
    const before = h.probe.count('findUatByHash');
    let tried = 0;
    for (const mutated of replacements(t.uat, B64URL)) {
      const error = await rejection(h.tg.requirePrincipal({ authorization: `UAT ${mutated}` }));
      expect(error).toBeInstanceOf(TollgateError);
      // `tgu_` -> `tgr_` makes it look like a refresh token, which no header may carry.
      const code = mutated.startsWith(REFRESH_PREFIX) ? 'wrong_token_kind' : 'invalid_token';
      if (error instanceof TollgateError) expect(error.code).toBe(code);
      tried += 1;
    }
    expect(tried).toBeGreaterThan(2500);
    expect(h.probe.count('findUatByHash')).toBe(before);
    // 500 generated cases: well under a second idle; room for a loaded machine.
  }, 30_000);

  it('random insertions, deletions and replacements of a real UAT never reach the store', async () => {
    const before = h.probe.count('findUatByHash');
    const edit = fc.record({
      at: fc.nat({ max: 42 }),
      del: fc.boolean(),
      char: fc.oneof(
        fc.constantFrom(...B64URL, '.', ' ', '=', '/'),
        fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(edit, async ({ at, del, char }) => {
        const mutated = t.uat.slice(0, at) + (del ? '' : char) + t.uat.slice(del ? at + 1 : at);
        // Whitespace at either end is optional whitespace around the header value.
        fc.pre(mutated.trim() !== t.uat);
        const error = await rejection(h.tg.requirePrincipal({ authorization: `UAT ${mutated}` }));
        expect(error).toBeInstanceOf(TollgateError);
        if (error instanceof TollgateError)
          expect(['invalid_token', 'wrong_token_kind']).toContain(error.code);
      }),
      { numRuns: 500 },
    );
    expect(h.probe.count('findUatByHash')).toBe(before);
    // 500 generated cases: well under a second idle; past 5 s beside a build on both cores.
  }, 30_000);

  it('a well-formed but unknown UAT costs exactly one lookup; the real one is found', async () => {
    const before = h.probe.count('findUatByHash');
    await expectRejects(
      h.tg.requirePrincipal({ authorization: `UAT ${generateUat().token}` }),
      'invalid_token',
    );
    expect(h.probe.count('findUatByHash')).toBe(before + 1);
    const fresh = `UAT  ${t.uat}`; // not cached under this header value
    expect((await h.tg.requirePrincipal({ authorization: fresh })).tokenId).toBe(t.uatId);
    expect(h.probe.count('findUatByHash')).toBe(before + 2);
  });

  it('generated refresh tokens are well formed', () => {
    for (let i = 0; i < 1000; i++) {
      const token = generateRefreshToken();
      expect(token).toMatch(/^tgr_[A-Za-z0-9_-]{43}$/);
      expect(isWellFormedRefreshToken(token)).toBe(true);
      expect(Buffer.from(token.slice(4), 'base64url')).toHaveLength(32);
    }
    expect(isWellFormedRefreshToken(t.refresh)).toBe(true);
  });

  it('malformed refresh tokens are refused by refreshTokenPair and revokeTokenPair before any store call', async () => {
    const rotations = h.probe.count('rotateRefreshToken');
    const revocations = h.probe.count('revokeRefreshFamilyByToken');
    const r = t.refresh;
    const malformed = [
      r.slice(0, -1),
      `${r}A`,
      `${r}=`,
      ` ${r}`,
      `${r}\n`,
      r.replace('tgr_', 'tgu_'),
      r.replace('tgr_', 'TGR_'),
      r.replace('tgr_', 'tgr-'),
      r.slice(4),
      `${r.slice(0, 10)}+${r.slice(11)}`,
      `${r.slice(0, 10)}/${r.slice(11)}`,
      `${r.slice(0, 10)}.${r.slice(11)}`,
      `${r.slice(0, 10)}é${r.slice(11)}`,
      'tgr_',
      `tgr_${'A'.repeat(44)}`,
      `tgr_${'A'.repeat(5000)}`,
    ];
    for (const refreshToken of malformed) {
      await expectRejects(h.tg.tokenPair.refresh({ refreshToken }), ['invalid_token', 'wrong_token_kind']);
      expect(await h.tg.tokenPair.revoke({ refreshToken })).toBe(false);
    }
    await expectRejects(h.tg.tokenPair.refresh({ refreshToken: '' }), 'malformed_request');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `tgr_${s}`),
        ),
        async (refreshToken) => {
          fc.pre(!isWellFormedRefreshToken(refreshToken));
          const error = await rejection(h.tg.tokenPair.refresh({ refreshToken }));
          expect(error).toBeInstanceOf(TollgateError);
        },
      ),
      { numRuns: 500 },
    );
    expect(h.probe.count('rotateRefreshToken')).toBe(rotations);
    expect(h.probe.count('revokeRefreshFamilyByToken')).toBe(revocations);
    // A well-formed unknown one is looked up (and not found); the real one still rotates.
    await expectRejects(h.tg.tokenPair.refresh({ refreshToken: generateRefreshToken() }), 'invalid_token');
    expect(h.probe.count('rotateRefreshToken')).toBe(rotations + 1);
    // 500 generated cases: well under a second idle; room for a loaded machine.
  }, 30_000);

  it('a refresh token presented to authenticate is wrong_token_kind, with no lookup of any kind', async () => {
    const lookups = h.probe.count('findUatByHash');
    const rotations = h.probe.count('rotateRefreshToken');
    for (const source of ['Bearer', 'JWT', 'UAT']) {
      await expectRejects(
        h.tg.requirePrincipal({ authorization: `${source} ${t.refresh}` }),
        'wrong_token_kind',
      );
    }
    await expectRejects(
      h.tg.requirePrincipal({ cookie: `tollgate_session=${t.refresh}` }),
      'wrong_token_kind',
    );
    expect(h.probe.count('findUatByHash')).toBe(lookups);
    expect(h.probe.count('rotateRefreshToken')).toBe(rotations);
  });
});

describe('opaque tokens are stored only as hashes', () => {
  let h: Harness;
  let t: IssuedTokens;
  beforeAll(async () => {
    h = await createHarness();
    t = await issueAll(h);
  });

  it('hashOpaqueToken is SHA-256, base64url', () => {
    for (const token of [t.uat, t.refresh, 'x', '']) {
      expect(hashOpaqueToken(token)).toBe(createHash('sha256').update(token, 'utf8').digest('base64url'));
    }
  });

  it('a UAT is found by its hash, never by its value, and no stored record contains the value', async () => {
    const record = await h.store.findUatByHash(hashOpaqueToken(t.uat));
    expect(record?.id).toBe(t.uatId);
    expect(record?.hash).toBe(hashOpaqueToken(t.uat));
    expect(record?.prefix).toBe(t.uat.slice(0, 12));
    expect(await h.store.findUatByHash(t.uat)).toBeNull();
    const owner = t.principals.access.userId;
    const stored = JSON.stringify([await h.store.listUatsByUser(owner), h.probe.writes]);
    expect(stored).toContain(hashOpaqueToken(t.uat));
    const secret = t.uat.slice(UAT_PREFIX.length);
    expect(stored).not.toContain(t.uat);
    expect(stored).not.toContain(secret);
    // Not even the random part past the display prefix, in any record.
    expect(stored).not.toContain(secret.slice(8, 24));
    // The public listing has no token field.
    const listed = await h.tg.uats.list({ caller: t.principals.access });
    expect(listed.some((u) => 'token' in u)).toBe(false);
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it('refresh tokens are handed to the store only as hashes, across login, rotation and revocation', async () => {
    const pair = await h.tg.tokenPair.login(ACCOUNTS.ava);
    const next = await h.tg.tokenPair.refresh({ refreshToken: pair.refreshToken });
    expect(await h.tg.tokenPair.revoke({ refreshToken: next.refreshToken })).toBe(true);
    const written = JSON.stringify(h.probe.writes);
    for (const token of [t.refresh, pair.refreshToken, next.refreshToken]) {
      expect(written).not.toContain(token.slice(REFRESH_PREFIX.length));
      expect(written).toContain(hashOpaqueToken(token));
    }
    const { records } = await h.store.listRevocations({ afterSeq: 0, now: START_MS });
    expect(JSON.stringify(records)).not.toContain(next.refreshToken.slice(REFRESH_PREFIX.length));
  });
});

describe('constant-time comparison and fixed-length signatures', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ alg: 'HS256' });
  });

  /** A token with the right header and payload and a signature of `length` bytes. */
  function withSignatureLength(key: SigningKey, length: number, fill = 0x41): string {
    return `${segment(headerFor(key, JWT_TYP.access))}.${segment(baseClaims())}.${b64url(Buffer.alloc(length, fill))}`;
  }

  it('an HS256 signature of the wrong length is refused as invalid_token (timingSafeEqual never throws)', () => {
    for (const length of [1, 16, 31, 33, 48, 64, 65, 512]) {
      expectThrows(() => h.codec.verify(withSignatureLength(h.key, length), START_MS), 'invalid_token');
    }
    // Right length, wrong bytes: compared in constant time, refused.
    expectThrows(() => h.codec.verify(withSignatureLength(h.key, 32), START_MS), 'invalid_token');
  });

  it('EdDSA and ES256 signatures of the wrong length (including DER-encoded ECDSA) are refused', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const other = await createHarness({ alg });
      for (const length of [1, 32, 63, 65, 72, 128]) {
        expectThrows(
          () => other.codec.verify(withSignatureLength(other.key, length), START_MS),
          'invalid_token',
        );
      }
    }
    const es = await createHarness({ alg: 'ES256' });
    const input = `${segment(headerFor(es.key, JWT_TYP.access))}.${segment(baseClaims())}`;
    const der = cryptoSign('sha256', Buffer.from(input), es.key.privateKey);
    expect(der.length).toBeGreaterThan(64);
    expectThrows(() => es.codec.verify(`${input}.${b64url(der)}`, START_MS), 'invalid_token');
    const p1363 = cryptoSign('sha256', Buffer.from(input), {
      key: es.key.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    expect(es.codec.verify(`${input}.${b64url(p1363)}`, START_MS).kind).toBe('access');
  });

  it('an HS256 token keyed with a secret of another length is refused, not thrown on', () => {
    const input = `${segment(headerFor(h.key, JWT_TYP.access))}.${segment(baseClaims())}`;
    for (const secret of [Buffer.alloc(0), Buffer.alloc(16, 1), Buffer.alloc(64, 1)]) {
      const mac = hmacSignature(secret, input);
      expectThrows(() => h.codec.verify(`${input}.${b64url(mac)}`, START_MS), 'invalid_token');
    }
  });

  it('an unknown user and a wrong password fail alike (invalid_credentials)', async () => {
    const unknown = await rejection(h.tg.login({ username: 'nobody@example.test', password: 'S0qUx56pW!' }));
    const wrong = await rejection(
      h.tg.login({ username: ACCOUNTS.ethan.username, password: 'wrong-password' }),
    );
    for (const error of [unknown, wrong]) {
      expect(error).toBeInstanceOf(TollgateError);
      if (error instanceof TollgateError) {
        expect(error.code).toBe('invalid_credentials');
        expect(error.message).toBe('Invalid credentials.');
      }
    }
  });
});
