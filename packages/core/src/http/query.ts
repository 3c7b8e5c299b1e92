import { TollgateError } from '../errors.js';

const REPEATED = 'This parameter may appear only once.';

function unknownMessage(known: ReadonlySet<string>): string {
  return known.size === 0
    ? 'Unknown parameter: this endpoint takes no query parameters.'
    : `Unknown parameter. Expected one of: ${[...known].join(', ')}.`;
}

/**
 * Query parameters as one string each. A repeated parameter is refused; with `known` (a route's
 * strict query), so is any parameter it does not name: a misspelt `Environment=staging` would
 * otherwise be dropped in silence and the client believe it got what it asked for. Each offending
 * parameter is named in `fields`.
 */
export function queryRecord(search: URLSearchParams, known?: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  let fields: Record<string, string[]> | undefined;
  let unknown = false;
  for (const [key, value] of search) {
    const problem = Object.hasOwn(out, key)
      ? REPEATED
      : known !== undefined && !known.has(key)
        ? unknownMessage(known)
        : undefined;
    if (problem === undefined) {
      out[key] = value;
      continue;
    }
    unknown ||= problem !== REPEATED;
    fields ??= {};
    const list = fields[key] ?? [];
    if (!list.includes(problem)) list.push(problem);
    fields[key] = list;
  }
  if (fields !== undefined) {
    throw new TollgateError('malformed_request', {
      message: unknown
        ? 'The request carries a query parameter this endpoint does not take.'
        : 'A query parameter is repeated.',
      fields,
    });
  }
  return out;
}
