import { REFRESH_PREFIX, UAT_PREFIX } from './tokens/opaque.js';

/** What stands in for a secret in a URL or a log line. */
export const REDACTED = '[REDACTED]';

/**
 * Field names secret anywhere, compared decoded, lower-case, without `_` and `-`
 * (`access_token`, `Access-Token` and `acc%65ss_token` alike; `access token` is another name).
 */
const SECRET_NAMES = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'sessiontoken',
  'securitytoken',
  'usertoken',
  'tollgatesession',
  'session',
  'code',
  'secret',
  'clientsecret',
  'apikey',
  'key',
  'jwt',
  'uat',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'signature',
  'sig',
]);

export const isSecretName = (name: string): boolean =>
  SECRET_NAMES.has(name.toLowerCase().replaceAll('_', '').replaceAll('-', ''));

/** A value shaped like one of Tollgate's tokens (a JWS, a wrapped security token, a UAT, a refresh token). */
export function looksLikeToken(value: string): boolean {
  if (value.startsWith(UAT_PREFIX) || value.startsWith(REFRESH_PREFIX)) return true;
  const jws = value.indexOf('eyJ');
  if (jws >= 0 && value.indexOf('.', jws) > 0) return true;
  return value.length >= 32 && value.includes('ZXlK'); // base64url of a JWS
}

// A run of characters a token may be written with (base64url, JWS dots, percent-escapes, base64).
const WORD = /[A-Za-z0-9_\-.~+/=%]+/g;
// `password=…`, `token: …`, `"apiKey":"…"`, `x-api-key: …` (its last word): a secret-named field and its
// value. Names without `-`, each start at a word boundary: linear on any input (scripts/check-regexes).
const FIELD = /\b([A-Za-z][A-Za-z0-9_]*)("?[ \t]*[=:][ \t]*"?)([^\s"'&;,]+)/g;

/**
 * Free text (an error's message or stack) fit for a log line: every word shaped like a Tollgate
 * token, and the value of every field named like a secret, replaced by `[REDACTED]`.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(FIELD, (whole, name: string, sep: string) =>
      isSecretName(name) ? `${name}${sep}${REDACTED}` : whole,
    )
    .replace(WORD, (word) => (looksLikeToken(word) ? REDACTED : word));
}
