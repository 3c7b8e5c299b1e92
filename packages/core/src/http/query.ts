import { TollgateError } from '../errors.js';

/** Query parameters as one string each; a repeated parameter is refused. */
export function queryRecord(search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of search) {
    if (Object.hasOwn(out, key)) {
      throw new TollgateError('malformed_request', {
        message: 'A query parameter is repeated.',
        fields: { [key]: ['This parameter may appear only once.'] },
      });
    }
    out[key] = value;
  }
  return out;
}
