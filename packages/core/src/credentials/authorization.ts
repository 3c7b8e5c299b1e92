import { TollgateError } from '../errors.js';
import type { Credential } from '../types.js';

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
// Checked by table, one pass each, no regex engine (whose cost on a long refusal varies by tier).
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const charTable = (chars: string): Uint8Array => {
  const table = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
};
const TCHAR = charTable(`${ALNUM}!#$%&'*+-.^_\`|~`);
const TOKEN68_CHAR = charTable(`${ALNUM}-._~+/`);

/** `text` is 1*tchar. */
function isScheme(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (TCHAR[text.charCodeAt(i)] !== 1) return false;
  return true;
}

/** `text` is token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
function isToken68(text: string): boolean {
  let i = 0;
  while (i < text.length && TOKEN68_CHAR[text.charCodeAt(i)] === 1) i++;
  if (i === 0) return false;
  while (i < text.length && text.charCodeAt(i) === 0x3d) i++;
  return i === text.length;
}

const isOws = (code: number): boolean => code === 0x20 || code === 0x09;

function malformed(message: string): TollgateError {
  return new TollgateError('invalid_token', { message });
}

/** `scheme SP+ token68`, optional whitespace around it, read in one pass; null when it is not. */
function readCredentials(header: string): { scheme: string; token: string } | null {
  let start = 0;
  let end = header.length;
  while (start < end && isOws(header.charCodeAt(start))) start++;
  while (end > start && isOws(header.charCodeAt(end - 1))) end--;
  const space = header.indexOf(' ', start);
  if (space < 0 || space >= end) return null;
  let tokenStart = space;
  while (tokenStart < end && header.charCodeAt(tokenStart) === 0x20) tokenStart++;
  const scheme = header.slice(start, space);
  const token = header.slice(tokenStart, end);
  return isScheme(scheme) && isToken68(token) ? { scheme, token } : null;
}

/** Whether every comma-separated part is a credential; stops at the first that is not. */
function isFolded(header: string): boolean {
  let start = 0;
  let comma = header.indexOf(',');
  if (comma < 0) return false;
  while (readCredentials(header.slice(start, comma < 0 ? header.length : comma)) !== null) {
    if (comma < 0) return true;
    start = comma + 1;
    comma = header.indexOf(',', start);
  }
  return false;
}

/**
 * Parses one `Authorization` header strictly: a known scheme (case-insensitive), one or more
 * spaces, exactly one token68, nothing else. Throws `ambiguous_credentials` for a repeated
 * header, `unsupported_scheme` for another scheme, `invalid_token` for anything malformed.
 * Linear in the header's length whatever it holds.
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
  const parsed = readCredentials(header);
  if (!parsed) {
    // Repeated headers folded into one line (`a, b`: fetch's Headers.get, some proxies) are two credentials.
    if (isFolded(header)) {
      throw new TollgateError('ambiguous_credentials', {
        message: 'more than one credential in the Authorization header',
      });
    }
    throw malformed('malformed Authorization header');
  }
  const scheme = SCHEMES.get(parsed.scheme.toLowerCase());
  if (!scheme) throw new TollgateError('unsupported_scheme');
  return { source: scheme, token: parsed.token };
}

/**
 * The hot path's reading of a single `Authorization` value: `<known scheme> <token>` with
 * exactly one space and no space or comma in the token, else null (then `parseAuthorizationHeader`
 * decides, and explains a refusal). The token's characters are not checked here: every token
 * kind checks its own exact format before it is trusted, which a token68 check would only repeat.
 */
export function splitAuthorization(header: string): Credential | null {
  const space = header.indexOf(' ');
  if (space <= 0 || space === header.length - 1 || header.length > MAX_CREDENTIAL_LENGTH) return null;
  const scheme = SCHEMES.get(space === 6 || space === 3 ? header.slice(0, space).toLowerCase() : '');
  if (scheme === undefined) return null;
  const token = header.slice(space + 1);
  if (token.includes(' ') || token.includes(',') || token.includes('\t')) return null;
  return { source: scheme, token };
}
