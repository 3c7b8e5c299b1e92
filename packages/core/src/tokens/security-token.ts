import { TollgateError } from '../errors.js';
import type { JwtKind } from '../types.js';
import { isCanonicalBase64url } from './base64url.js';

/**
 * A delegated security token travels as base64url of its JWS (CONTRACT.md: "a base64url string"),
 * so it fits a cookie; every other JWT travels as the JWS itself, and only as that: a second
 * spelling of an access or user token would slip past log scrubbers and secret scanners.
 */
export function encodeSecurityToken(jws: string): string {
  return Buffer.from(jws, 'latin1').toString('base64url');
}

/**
 * The JWS inside a credential: unwrapped when it is base64url-wrapped (no dot, canonical base64url),
 * else the credential itself. Whether the wrapping was allowed is known only once the JWS is
 * verified: see `wrappingRefusal`.
 */
export function decodeSecurityToken(token: string): string {
  if (token.includes('.') || !isCanonicalBase64url(token)) return token;
  return Buffer.from(token, 'base64url').toString('latin1');
}

/**
 * `invalid_token` when `token` came base64url-wrapped (`jws`, its `decodeSecurityToken`, differs)
 * and the verified JWS is of a kind other than delegated; null when the spelling is allowed.
 */
export function wrappingRefusal(token: string, jws: string, kind: JwtKind): TollgateError | null {
  if (jws === token || kind === 'delegated') return null;
  return new TollgateError('invalid_token', {
    message: 'only a delegated security token may be base64url-wrapped',
  });
}
