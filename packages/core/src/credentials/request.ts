import { TollgateError } from '../errors.js';
import type { Credential } from '../types.js';
import { MAX_CREDENTIAL_LENGTH, parseAuthorizationHeader } from './authorization.js';
import { readCookie } from './cookie.js';

export interface RequestCredentials {
  /** Every `Authorization` header value (use Node's `req.headersDistinct.authorization`). */
  readonly authorization?: string | readonly string[] | undefined;
  /** The `Cookie` header value(s). */
  readonly cookie?: string | readonly string[] | undefined;
}

/** The one `Authorization` value of a request without cookies: what the cache is keyed by. */
export function soleAuthorization(request: RequestCredentials): string | undefined {
  const { authorization, cookie } = request;
  if (cookie !== undefined && (typeof cookie === 'string' || cookie.length > 0)) return undefined;
  if (typeof authorization === 'string') return authorization;
  return authorization?.length === 1 ? authorization[0] : undefined;
}

/**
 * The one credential a request carries: the Authorization header or the session cookie.
 * Both present and naming different tokens: `ambiguous_credentials`. Neither: null.
 */
export function extractCredential(
  request: RequestCredentials,
  options: { cookieName: string; maxLength?: number },
): Credential | null {
  const maxLength = options.maxLength ?? MAX_CREDENTIAL_LENGTH;
  const { authorization, cookie } = request;
  const hasHeader =
    authorization !== undefined && (typeof authorization === 'string' || authorization.length > 0);
  const fromHeader = hasHeader ? parseAuthorizationHeader(authorization, maxLength) : null;
  const cookieValue = cookie === undefined ? undefined : readCookie(cookie, options.cookieName, maxLength);
  if (fromHeader && cookieValue !== undefined && cookieValue !== fromHeader.token) {
    throw new TollgateError('ambiguous_credentials', {
      message: 'the Authorization header and the session cookie carry different credentials',
    });
  }
  if (fromHeader) return fromHeader;
  return cookieValue === undefined ? null : { source: 'cookie', token: cookieValue };
}
