import type { z } from 'zod';
import { TollgateError } from '../errors.js';

const REQUIRED = 'This field is required.';

// The wording of Django REST framework, whose shapes the UAT/JWT API uses.
function invalidTypeMessage(expected: string | undefined): string {
  if (expected === 'string') return 'Not a valid string.';
  if (expected === 'array') return 'Expected a list of items.';
  return `Expected ${expected ?? 'another type'}.`;
}

/**
 * Validates with a schema; failures become `malformed_request` with messages per field
 * (`This field is required.` for a missing one), never the schema library's own error.
 */
export function validate<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: 'body' | 'query',
): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const fields: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : 'non_field_errors';
    const message =
      issue.path.length > 0 && record[field] === undefined
        ? REQUIRED
        : issue.code === 'invalid_type'
          ? invalidTypeMessage('expected' in issue ? String(issue.expected) : undefined)
          : issue.message;
    const list = fields[field] ?? [];
    if (!list.includes(message)) list.push(message);
    fields[field] = list;
  }
  throw new TollgateError('malformed_request', { message: `The request ${what} is invalid.`, fields });
}

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
