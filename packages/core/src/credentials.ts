import { TollgateError } from './errors.js';
import type { Credential, CredentialSource } from './types.js';

/** The header-borne sources; `cookie` and `path` are not schemes. */
export type AuthorizationScheme = 'Bearer' | 'JWT' | 'UAT';

const SCHEMES: ReadonlyMap<string, AuthorizationScheme> = new Map([
  ['bearer', 'Bearer'],
  ['jwt', 'JWT'],
  ['uat', 'UAT'],
]);

/** Default bound on an Authorization header or cookie value, in characters. */
export const MAX_CREDENTIAL_LENGTH = 8192;

// RFC 9110 §11.4: credentials = auth-scheme [ 1*SP token68 ]; auth-scheme = token.
const AUTHORIZATION = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +([A-Za-z0-9._~+/-]+=*)$/;

export interface RequestCredentials {
  /** Every `Authorization` header value (use Node's `req.headersDistinct.authorization`). */
  readonly authorization?: string | readonly string[] | undefined;
  /** The `Cookie` header value(s). */
  readonly cookie?: string | readonly string[] | undefined;
}

function malformed(message: string): TollgateError {
  return new TollgateError('invalid_token', { message });
}

/**
 * Parses one `Authorization` header strictly: a known scheme (case-insensitive), one or more
 * spaces, exactly one token68, nothing else. Throws `ambiguous_credentials` for a repeated
 * header, `unsupported_scheme` for another scheme, `invalid_token` for anything malformed.
 */
export function parseAuthorizationHeader(
  value: string | readonly string[],
  maxLength = MAX_CREDENTIAL_LENGTH,
): Credential {
  let header: string;
  if (typeof value === 'string') header = value;
  else if (value.length === 1) header = value[0]!;
  else if (value.length === 0) throw new TollgateError('credentials_missing');
  else throw new TollgateError('ambiguous_credentials', { message: 'more than one Authorization header' });
  if (header.length > maxLength) throw malformed('Authorization header too long');
  // Only the optional whitespace HTTP allows around a field value (SP, HTAB) is trimmed.
  const match = AUTHORIZATION.exec(header.replace(/^[ \t]+|[ \t]+$/g, ''));
  if (!match) {
    // Repeated headers folded into one line (`a, b`: fetch's Headers.get, some proxies) are two credentials.
    if (header.includes(',') && header.split(',').every((part) => AUTHORIZATION.test(part.trim()))) {
      throw new TollgateError('ambiguous_credentials', {
        message: 'more than one credential in the Authorization header',
      });
    }
    throw malformed('malformed Authorization header');
  }
  const scheme = SCHEMES.get(match[1]!.toLowerCase());
  if (!scheme) throw new TollgateError('unsupported_scheme');
  return { source: scheme, token: match[2]! };
}

/**
 * The value of cookie `name`, or undefined. Two cookies of that name with different
 * values are refused (`ambiguous_credentials`), never merged or picked between.
 */
export function readCookie(
  header: string | readonly string[],
  name: string,
  maxLength = MAX_CREDENTIAL_LENGTH,
): string | undefined {
  const text = typeof header === 'string' ? header : header.join('; ');
  let found: string | undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value.length === 0) continue;
    if (value.length > maxLength) throw malformed('session cookie too long');
    if (found !== undefined && found !== value) {
      throw new TollgateError('ambiguous_credentials', { message: `more than one ${name} cookie` });
    }
    found = value;
  }
  return found;
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

export type { CredentialSource };

/**
 * The hot path's reading of a single `Authorization` value: `<known scheme> <token>` with
 * exactly one space and no space or comma in the token, else null (then `parseAuthorizationHeader`
 * decides, and explains a refusal). The token's characters are not checked here: every token
 * kind checks its own exact format before it is trusted, which a token68 check would only repeat.
 */
export function splitAuthorization(header: string): Credential | null {
  const space = header.indexOf(' ');
  if (space <= 0 || space === header.length - 1) return null;
  const scheme = SCHEMES.get(header.slice(0, space).toLowerCase());
  if (scheme === undefined || header.length > MAX_CREDENTIAL_LENGTH) return null;
  const token = header.slice(space + 1);
  if (token.includes(' ') || token.includes(',') || token.includes('\t')) return null;
  return { source: scheme, token };
}
