import { isCanonicalBase64url } from './base64url.js';

/**
 * A delegated security token travels as base64url of its JWS (CONTRACT.md: "a base64url string"),
 * so it fits a cookie; every other JWT travels as the JWS itself.
 */
export function encodeSecurityToken(jws: string): string {
  return Buffer.from(jws, 'latin1').toString('base64url');
}

/** The JWS inside a credential: unwrapped when it is a base64url-wrapped security token. */
export function decodeSecurityToken(token: string): string {
  if (token.includes('.') || !isCanonicalBase64url(token)) return token;
  return Buffer.from(token, 'base64url').toString('latin1');
}
