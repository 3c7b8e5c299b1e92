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
 * Validates an operation's input (or a route's query or body) with its schema; failures become `malformed_request` with messages per field
 * (`This field is required.` for a missing one), never the schema library's own error.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: 'body' | 'query' | 'input' = 'input',
): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw invalidInput(result.error.issues, value, what);
}

function invalidInput(issues: readonly z.core.$ZodIssue[], value: unknown, what: string): TollgateError {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
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
  return new TollgateError('malformed_request', {
    message: what === 'input' ? 'The input is invalid.' : `The request ${what} is invalid.`,
    fields,
  });
}
