import { parseCookie } from 'cookie';
import { TollgateError } from '../errors.js';
import { MAX_CREDENTIAL_LENGTH } from './authorization.js';

/**
 * A cookie value as the browser sent it: surrounding double quotes dropped (RFC 6265 allows them),
 * no percent-decoding (a token never has a `%`: one that does is no token), empty as undefined.
 */
const unquoted = (value: string): string | undefined => {
  const inner =
    value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  return inner.length === 0 ? undefined : inner;
};
const PARSE = { decode: unquoted };

/**
 * The value of cookie `name`, or undefined, parsed by `cookie`. Two cookies of that name with
 * different values (a cookie tossed in by a sibling subdomain, say) are refused
 * (`ambiguous_credentials`), never merged or picked between.
 */
export function readCookie(
  header: string | readonly string[],
  name: string,
  maxLength = MAX_CREDENTIAL_LENGTH,
): string | undefined {
  const text = typeof header === 'string' ? header : header.join('; ');
  const first = text.indexOf(name);
  if (first < 0) return undefined;
  let found: string | undefined;
  // The usual case, the name written once: one parse. Else each pair alone, to see every value.
  const pairs = text.indexOf(name, first + name.length) < 0 ? [text] : text.split(';');
  for (const pair of pairs) {
    const value = parseCookie(pair, PARSE)[name];
    if (value === undefined) continue;
    if (value.length > maxLength) {
      throw new TollgateError('invalid_token', { message: 'session cookie too long' });
    }
    if (found !== undefined && found !== value) {
      throw new TollgateError('ambiguous_credentials', { message: `more than one ${name} cookie` });
    }
    found = value;
  }
  return found;
}
