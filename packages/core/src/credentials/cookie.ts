import { TollgateError } from '../errors.js';
import { MAX_CREDENTIAL_LENGTH } from './authorization.js';

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
    if (value.length > maxLength)
      throw new TollgateError('invalid_token', { message: 'session cookie too long' });
    if (found !== undefined && found !== value) {
      throw new TollgateError('ambiguous_credentials', { message: `more than one ${name} cookie` });
    }
    found = value;
  }
  return found;
}
