import { isUtf8 } from 'node:buffer';
import { createHmac, verify as cryptoVerify, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
import { TollgateError } from '../errors.js';
import type { JwtKind } from '../types.js';
import { isCanonicalBase64url } from './base64url.js';
import { parseJsonObject } from './json-object.js';
import type { KeySet, SigningKey } from './keys.js';

/** The `typ` header of each JWT kind; a token is only ever accepted as the kind its `typ` names. */
export const JWT_TYP: Readonly<Record<JwtKind, string>> = Object.freeze({
  access: 'at+jwt', // RFC 9068
  user: 'tollgate-user+jwt',
  delegated: 'tollgate-delegated+jwt',
});

const KIND_BY_TYP = new Map<string, JwtKind>(
  (Object.entries(JWT_TYP) as [JwtKind, string][]).map(([kind, typ]) => [typ, kind]),
);

/**
 * The `aud` of each JWT kind. Access tokens carry the configured audience, the one resource servers
 * check; user and delegated tokens carry audiences of their own, so that a verifier that reads no `typ`
 * (most JWT libraries) and pins the access audience refuses them.
 */
export type TokenAudiences = Readonly<Record<JwtKind, string>>;

/** Each kind's audience: `audience` for access tokens, `<audience>:user-token` and `<audience>:delegated-token` unless given. */
export function tokenAudiences(
  audience: string,
  overrides: { readonly user?: string | undefined; readonly delegated?: string | undefined } = {},
): TokenAudiences {
  const audiences = {
    access: audience,
    user: overrides.user ?? `${audience}:user-token`,
    delegated: overrides.delegated ?? `${audience}:delegated-token`,
  };
  if (new Set(Object.values(audiences)).size !== 3 || Object.values(audiences).some((aud) => aud === '')) {
    throw new TypeError(
      'the audiences of access, user and delegated tokens must be three different non-empty strings',
    );
  }
  return Object.freeze(audiences);
}

/** Claims every Tollgate JWT carries (the others: docs/claims.md). */
export interface TollgateClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly [claim: string]: unknown;
}

export interface VerifiedJwt {
  readonly kind: JwtKind;
  readonly kid: string;
  readonly claims: TollgateClaims;
}

export interface JwtCodecOptions {
  readonly keys: KeySet;
  readonly issuer: string;
  /** `aud` of access tokens. */
  readonly audience: string;
  /** `aud` of user and delegated tokens; default derived from `audience` (`tokenAudiences`). */
  readonly audiences?:
    | { readonly user?: string | undefined; readonly delegated?: string | undefined }
    | undefined;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat` (default 0). */
  readonly leewaySeconds: number;
  /** Tokens longer than this are refused before any work (default 8192). */
  readonly maxTokenLength: number;
}

interface HeaderInfo {
  readonly key: SigningKey;
  readonly kind: JwtKind;
}

const ALLOWED_HEADER_PARAMS = new Set(['alg', 'kid', 'typ']);
const HEADER_CACHE_LIMIT = 256;

function invalid(message: string): TollgateError {
  return new TollgateError('invalid_token', { message });
}

// Refusals that the passing of time can undo: a token dated ahead of the clock becomes acceptable
// once its `iat` is reached. Every other `invalid_token` is a verdict on the string itself.
const UNTIL_LATER = new WeakSet<TollgateError>();

/**
 * False for an `invalid_token` the same string may not get later (an `iat` in the future): such a
 * refusal is not to be remembered as the string's verdict.
 */
export function isLastingRefusal(error: TollgateError): boolean {
  return !UNTIL_LATER.has(error);
}

function futureIat(): TollgateError {
  const error = invalid('iat is in the future');
  UNTIL_LATER.add(error);
  return error;
}

/**
 * Signs with jose; verifies with narrow node:crypto code for the tokens Tollgate itself
 * issues (one algorithm per kid, fixed typ, fixed claim set), because jose's async
 * `jwtVerify` costs several times the signature check itself. A differential test
 * holds the two to the same accept/reject decisions.
 */
export class JwtCodec {
  readonly #options: JwtCodecOptions;
  readonly #audiences: TokenAudiences;
  // The header segment repeats for every token one key signs: decode it once.
  readonly #headers = new Map<string, HeaderInfo>();

  constructor(options: JwtCodecOptions) {
    this.#options = options;
    this.#audiences = tokenAudiences(options.audience, options.audiences);
  }

  /** The `iss` of every token. */
  get issuer(): string {
    return this.#options.issuer;
  }

  /** The `aud` each kind is signed with and verified against. */
  get audiences(): TokenAudiences {
    return this.#audiences;
  }

  async sign(kind: JwtKind, claims: Omit<TollgateClaims, 'iss' | 'aud'>): Promise<string> {
    const key = this.#options.keys.current;
    return new SignJWT({ iss: this.#options.issuer, aud: this.#audiences[kind], ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: JWT_TYP[kind] })
      .sign(key.privateKey);
  }

  /**
   * Verifies a compact JWS and its registered claims at `nowMs`. The signature is checked
   * before any claim is read. Throws `invalid_token` (also for an `iat` later than now plus the
   * leeway), `token_expired` or `token_not_yet_valid`.
   */
  verify(token: string, nowMs: number): VerifiedJwt {
    if (token.length > this.#options.maxTokenLength) throw invalid('token too long');
    const dot1 = token.indexOf('.');
    const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) throw invalid('not a compact JWS');
    const headerSegment = token.slice(0, dot1);
    const header = this.#headers.get(headerSegment) ?? this.#readHeader(headerSegment);
    const signatureSegment = token.slice(dot2 + 1);
    // Only the signature's encoding needs checking: the signature covers the payload segment
    // exactly as sent, so any other spelling of the same bytes fails verification anyway.
    if (!isCanonicalBase64url(signatureSegment)) throw invalid('signature is not canonical base64url');
    const signature = Buffer.from(signatureSegment, 'base64url');
    if (!verifySignature(header.key, token.slice(0, dot2), signature)) throw invalid('bad signature');

    const claims = parseJsonSegment(token.slice(dot1 + 1, dot2));
    return { kind: header.kind, kid: header.key.kid, claims: this.#checkClaims(header.kind, claims, nowMs) };
  }

  #readHeader(segment: string): HeaderInfo {
    if (!isCanonicalBase64url(segment)) throw invalid('header is not canonical base64url');
    const header = parseJsonSegment(segment);
    for (const name of Object.keys(header)) {
      // jku, x5u, jwk, x5c, crit, b64 and the rest: Tollgate never issues them.
      if (!ALLOWED_HEADER_PARAMS.has(name)) throw invalid(`header parameter ${name} is not accepted`);
    }
    const { alg, kid, typ } = header;
    if (typeof alg !== 'string' || typeof kid !== 'string' || typeof typ !== 'string') {
      throw invalid('header needs alg, kid and typ');
    }
    const key = this.#options.keys.get(kid);
    if (!key) throw invalid('unknown kid');
    if (key.alg !== alg) throw invalid('algorithm does not match the key');
    const kind = KIND_BY_TYP.get(typ);
    if (!kind) throw invalid('unknown token type');
    const info = { key, kind };
    if (this.#headers.size >= HEADER_CACHE_LIMIT) this.#headers.clear();
    this.#headers.set(segment, info);
    return info;
  }

  #checkClaims(kind: JwtKind, claims: Record<string, unknown>, nowMs: number): TollgateClaims {
    const { iss, aud, sub, jti, iat, exp, nbf } = claims;
    if (iss !== this.#options.issuer) throw invalid('unexpected issuer');
    // Each kind's own audience: a user token is refused as an access token also by its `aud`.
    const audience = this.#audiences[kind];
    if (aud !== audience && !(Array.isArray(aud) && aud.includes(audience))) {
      throw invalid('unexpected audience');
    }
    if (typeof sub !== 'string' || typeof jti !== 'string') throw invalid('missing sub or jti');
    if (!isNumericDate(iat) || !isNumericDate(exp)) throw invalid('missing iat or exp');
    const now = Math.floor(nowMs / 1000);
    const leeway = this.#options.leewaySeconds;
    // Tollgate never issues a token dated ahead of its clock: one is forged, or signed by a
    // clock that is wrong, and either way its lifetime cannot be trusted.
    if (iat > now + leeway) throw futureIat();
    if (nbf !== undefined) {
      if (!isNumericDate(nbf)) throw invalid('nbf is not a number');
      if (nbf > now + leeway) throw new TollgateError('token_not_yet_valid');
    }
    if (exp <= now - leeway) throw new TollgateError('token_expired');
    return claims as TollgateClaims;
  }

  /** Forgets the decoded headers (which hold their keys): the key set changed, a key may be gone. */
  forgetKeys(): void {
    this.#headers.clear();
  }

  /** The last instant (ms) at which a token with this `exp` is still accepted. */
  acceptedUntilMs(exp: number): number {
    return (exp + this.#options.leewaySeconds) * 1000;
  }
}

/** Strict UTF-8: a lossy decode would read different signed bytes as the same JSON (jose refuses too). */
function parseJsonSegment(segment: string): Record<string, unknown> {
  const bytes = Buffer.from(segment, 'base64url');
  if (!isUtf8(bytes)) throw invalid('token part is not UTF-8');
  return parseJsonObject(bytes.toString('utf8'));
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function verifySignature(key: SigningKey, signingInput: string, signature: Buffer): boolean {
  switch (key.alg) {
    case 'HS256': {
      if (signature.length !== 32) return false;
      const expected = createHmac('sha256', key.publicKey).update(signingInput).digest();
      return timingSafeEqual(expected, signature);
    }
    case 'EdDSA':
      return (
        signature.length === 64 && cryptoVerify(null, Buffer.from(signingInput), key.publicKey, signature)
      );
    case 'ES256':
      return (
        signature.length === 64 &&
        cryptoVerify(
          'sha256',
          Buffer.from(signingInput),
          { key: key.publicKey, dsaEncoding: 'ieee-p1363' },
          signature,
        )
      );
  }
}
