import type { Clock } from '../clock.js';
import { parseAuthorizationHeader, splitAuthorization } from '../credentials/authorization.js';
import { extractCredential, type RequestCredentials, soleAuthorization } from '../credentials/request.js';
import { TollgateError, type TollgateErrorCode } from '../errors.js';
import { principalFromClaims } from '../tokens/claims.js';
import { isLastingRefusal, type JwtCodec, type VerifiedJwt } from '../tokens/jwt-codec.js';
import { isWellFormedUat, REFRESH_PREFIX, UAT_PREFIX } from '../tokens/opaque.js';
import { decodeSecurityToken, wrappingRefusal } from '../tokens/security-token.js';
import { uuidv7Time } from '../tokens/uuidv7.js';
import type { Credential, CredentialSource, Principal, TokenKind } from '../types.js';
import type { Accepted, CredentialCache, Refused } from './credential-cache.js';
import { type RevocationCheck, type RevocationState, revocationKey } from './revocation-state.js';
import type { SessionTouches } from './session-touches.js';
import type { UatVerifier } from './uat-verifier.js';

/** Which token kinds each credential source may carry. Anything else is refused. */
export type SourceKinds = Readonly<Record<CredentialSource, readonly TokenKind[]>>;

export const DEFAULT_SOURCE_KINDS: SourceKinds = Object.freeze({
  Bearer: ['access', 'user', 'delegated'],
  JWT: ['access'],
  UAT: ['uat'],
  cookie: ['delegated'],
  path: ['user'],
});

/** `authenticate`'s answer: a refusal is a value, never thrown. */
export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly error: TollgateError };

export interface AuthenticateOptions {
  /** Accept only credentials from these sources (e.g. `['JWT', 'Bearer']`). Default: all. */
  readonly sources?: readonly CredentialSource[] | undefined;
}

export interface Authenticator {
  /**
   * Credentials to principal: the hot path. Synchronous when the answer is known without waiting (a
   * JWT, a credential accepted or refused before, revocation state fresh); a promise only when the
   * store must be read (a UAT's first lookup, a stale revocation state). Never throws or rejects.
   */
  authenticate(request: RequestCredentials, options?: AuthenticateOptions): AuthResult | Promise<AuthResult>;
  /** The same, for a credential already taken from its request (internal callers, e.g. delegation). */
  authenticateCredential(
    credential: Credential,
    options?: AuthenticateOptions,
  ): AuthResult | Promise<AuthResult>;
}

/**
 * What revokes a verified JWT: its session (`sid`), or its refresh family (`fid`, tokens from before
 * sessions), and its user's revocations from after the session's creation (the `sid`'s UUIDv7 time;
 * for a token without a session, its `iat`, so it is refused by any revocation in the same second).
 */
export function revocationOf(claims: Readonly<Record<string, unknown>>, userId: string): RevocationCheck {
  const { sid, fid, iat } = claims;
  if (typeof sid === 'string') {
    return { key: revocationKey('session', sid), userId, since: uuidv7Time(sid) ?? 0 };
  }
  const since = typeof iat === 'number' ? iat * 1000 : 0;
  return { key: typeof fid === 'string' ? revocationKey('family', fid) : null, userId, since };
}

export const refusal = (code: TollgateErrorCode, message?: string): AuthResult => ({
  ok: false,
  error: new TollgateError(code, message === undefined ? undefined : { message }),
});

/** Anything thrown on the way becomes a refusal; what is not Tollgate's own is an internal error. */
const asTollgateError = (error: unknown): TollgateError =>
  error instanceof TollgateError ? error : new TollgateError('internal_error', { cause: error });

export const asRefusal = (error: unknown): AuthResult => ({ ok: false, error: asTollgateError(error) });

export function createAuthenticator(deps: {
  readonly clock: Clock;
  readonly codec: JwtCodec;
  readonly cache: CredentialCache;
  readonly revocations: RevocationState;
  readonly uats: UatVerifier;
  readonly sourceKinds: SourceKinds;
  readonly cookieName: string;
  readonly touches: SessionTouches;
}): Authenticator {
  const { clock, codec, cache, revocations, uats, sourceKinds, cookieName, touches } = deps;

  const known = (
    found: Accepted | Refused,
    now: number,
    sources: AuthenticateOptions['sources'],
  ): AuthResult | Promise<AuthResult> => {
    if (found.verdict === 'refused') {
      return sources !== undefined && !sources.includes(found.source)
        ? refusal('unsupported_scheme')
        : found.result;
    }
    if (sources !== undefined && !sources.includes(found.result.principal.source)) {
      return refusal('unsupported_scheme');
    }
    const check = found.revocation;
    if (check === null) return found.result;
    // Waits only when the revocation state is too stale to trust.
    if (revocations.isFresh(now)) return stillValid(found, check);
    return revocations.sync().then(() => stillValid(found, check), asRefusal);
  };

  /** A cached credential, unless revoked: no lookup while nothing was revoked since its last check. */
  const stillValid = (found: Accepted, check: RevocationCheck): AuthResult => {
    const version = revocations.version;
    if (found.checkedVersion === version) return found.result;
    if (revocations.refuses(check)) return refusal('token_revoked');
    found.checkedVersion = version;
    return found.result;
  };

  const verifyJwt = (credential: Credential, key: string, now: number): AuthResult | Promise<AuthResult> => {
    let verified: VerifiedJwt;
    try {
      const jws = decodeSecurityToken(credential.token);
      verified = codec.verify(jws, now);
      const wrapped = wrappingRefusal(credential.token, jws, verified.kind);
      if (wrapped !== null) throw wrapped;
    } catch (error) {
      // The same string under the same keys gets the same verdict: remembered, not verified again
      // (unless time can change it: a token dated ahead of the clock).
      if (error instanceof TollgateError && error.code === 'invalid_token' && isLastingRefusal(error)) {
        return cache.refuse(key, credential.source, error).result;
      }
      return asRefusal(error);
    }
    if (!sourceKinds[credential.source].includes(verified.kind)) return refusal('wrong_token_kind');
    const principal = principalFromClaims(verified.kind, verified.claims, credential.source);
    if (principal === null) return refusal('invalid_token', 'unexpected claims');
    const revocation = revocationOf(verified.claims, principal.userId);
    const validUntil = codec.acceptedUntilMs(verified.claims.exp);
    if (!revocations.isFresh(now)) {
      return revocations.sync().then(() => admitJwt(key, principal, validUntil, revocation, now), asRefusal);
    }
    return admitJwt(key, principal, validUntil, revocation, now);
  };

  /** A verified JWT, unless revoked; cached only when seen before (verifying again costs less). */
  const admitJwt = (
    key: string,
    principal: Principal,
    validUntil: number,
    revocation: RevocationCheck,
    now: number,
  ): AuthResult => {
    const version = revocations.version;
    if (revocations.refuses(revocation)) return refusal('token_revoked');
    if (principal.sessionId !== null) touches.note(principal.sessionId, now);
    return cache.seenBefore(key)
      ? cache.accept({ credential: key, principal, validUntil, revocation, checkedVersion: version }).result
      : { ok: true, principal };
  };

  const verifyUat = (credential: Credential, key: string, now: number): AuthResult | Promise<AuthResult> => {
    if (!sourceKinds[credential.source].includes('uat')) return refusal('wrong_token_kind');
    // Prefix and checksum first: a mistyped or tampered token costs no lookup.
    if (!isWellFormedUat(credential.token)) {
      return cache.refuse(key, credential.source, new TollgateError('invalid_token')).result;
    }
    return uats
      .verify(credential.token, credential.source, now)
      .then((verified) => cache.accept({ credential: key, ...verified }).result, asRefusal);
  };

  const verify = (
    credential: Credential,
    key: string,
    now: number,
    sources: AuthenticateOptions['sources'],
  ): AuthResult | Promise<AuthResult> => {
    if (sources !== undefined && !sources.includes(credential.source)) return refusal('unsupported_scheme');
    if (credential.token.startsWith(UAT_PREFIX)) return verifyUat(credential, key, now);
    if (credential.token.startsWith(REFRESH_PREFIX)) return refusal('wrong_token_kind');
    return verifyJwt(credential, key, now);
  };

  // The last header read and what it said. Several guards on one request (passport's strategies, one
  // per scheme) ask about the same header one after the other: it is parsed once, not once each.
  let lastHeader: string | undefined;
  let lastReading: Credential | TollgateError | undefined;
  const readHeader = (header: string): Credential | TollgateError => {
    if (header === lastHeader && lastReading !== undefined) return lastReading;
    let reading: Credential | TollgateError | null = splitAuthorization(header);
    if (reading === null) {
      try {
        reading = parseAuthorizationHeader(header);
      } catch (error) {
        reading = asTollgateError(error);
      }
    }
    lastHeader = header;
    lastReading = reading;
    return reading;
  };

  // A newline never occurs in a header value, so these keys cannot collide with header keys.
  const keyOf = (credential: Credential): string => `\n${credential.source}\n${credential.token}`;

  return {
    authenticate(request, options) {
      const now = clock.now();
      const sources = options?.sources;
      // Common case, one header and no cookie: the header value itself is the cache key, and a
      // hit needs no parsing at all.
      const header = soleAuthorization(request);
      if (header !== undefined) {
        const found = cache.lookup(header, now);
        if (found !== undefined) return known(found, now, sources);
        const credential = readHeader(header);
        return credential instanceof TollgateError
          ? { ok: false, error: credential }
          : verify(credential, header, now, sources);
      }
      let credential: Credential | null;
      try {
        credential = extractCredential(request, { cookieName });
      } catch (error) {
        return asRefusal(error);
      }
      if (credential === null) return refusal('credentials_missing');
      const key = keyOf(credential);
      const found = cache.lookup(key, now);
      if (found !== undefined) return known(found, now, sources);
      return verify(credential, key, now, sources);
    },

    authenticateCredential(credential, options) {
      const now = clock.now();
      const key = keyOf(credential);
      const found = cache.lookup(key, now);
      if (found !== undefined) return known(found, now, options?.sources);
      return verify(credential, key, now, options?.sources);
    },
  };
}
