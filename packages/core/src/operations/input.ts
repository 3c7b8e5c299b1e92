import { z } from 'zod';
import { TollgateError } from '../errors.js';

/**
 * Django REST framework's wording, which the UAT/JWT API uses and every other API reads alike:
 * a validation message never is the schema library's own. A message a schema sets itself (a
 * refinement's, a field's `error`) wins over these: zod ranks schema-level messages above the
 * per-parse map.
 */
export const FIELD_MESSAGES = {
  required: 'This field is required.',
  null: 'This field may not be null.',
  blank: 'This field may not be blank.',
  emptyList: 'This list may not be empty.',
  string: 'Not a valid string.',
  list: 'Expected a list of items.',
  invalid: 'Invalid value.',
} as const;

function tooSmall(origin: string, minimum: number): string {
  if (origin === 'string') {
    return minimum === 1 ? FIELD_MESSAGES.blank : `Ensure this field has at least ${minimum} characters.`;
  }
  if (origin === 'array') {
    return minimum === 1 ? FIELD_MESSAGES.emptyList : `Ensure this field has at least ${minimum} elements.`;
  }
  return `Ensure this value is greater than or equal to ${minimum}.`;
}

function tooBig(origin: string, maximum: number): string {
  if (origin === 'string') return `Ensure this field has no more than ${maximum} characters.`;
  if (origin === 'array') return `Ensure this field has no more than ${maximum} elements.`;
  return `Ensure this value is less than or equal to ${maximum}.`;
}

/** The per-parse error map: zod's issue codes in DRF's words. */
function drfMessage(issue: z.core.$ZodRawIssue): string {
  // A missing field, whatever the schema (a union of forms reports `invalid_union`).
  if (issue.input === undefined && issue.code !== 'custom') return FIELD_MESSAGES.required;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return FIELD_MESSAGES.required;
      if (issue.input === null) return FIELD_MESSAGES.null;
      if (issue.expected === 'string') return FIELD_MESSAGES.string;
      if (issue.expected === 'array') return FIELD_MESSAGES.list;
      return `Expected ${issue.expected}.`;
    case 'too_small':
      return tooSmall(String(issue.origin), Number(issue.minimum));
    case 'too_big':
      return tooBig(String(issue.origin), Number(issue.maximum));
    case 'invalid_format':
      if (issue.format === 'email') return 'Enter a valid email address.';
      return FIELD_MESSAGES.invalid;
    case 'invalid_value':
      return 'Not a valid choice.';
    default:
      return FIELD_MESSAGES.invalid;
  }
}

/**
 * Validates an operation's input (or a route's query or body) with its schema; failures become
 * `malformed_request` with messages per field in DRF's wording (`This field is required.`,
 * `This field may not be blank.`), never the schema library's own.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: 'body' | 'query' | 'input' = 'input',
): z.output<T> {
  const result = schema.safeParse(value ?? {}, { error: drfMessage });
  if (result.success) return result.data;
  throw invalidInput(result.error.issues, what);
}

function invalidInput(issues: readonly z.core.$ZodIssue[], what: string): TollgateError {
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : 'non_field_errors';
    const list = fields[field] ?? [];
    if (!list.includes(issue.message)) list.push(issue.message);
    fields[field] = list;
  }
  return new TollgateError('malformed_request', {
    message: what === 'input' ? 'The input is invalid.' : `The request ${what} is invalid.`,
    fields,
  });
}

/** True when `value` has no control character (C0, DEL): what no name, id or username contains. */
export function hasNoControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

const CONTROL_MESSAGE = 'This field may not contain control characters.';

/** A text field of at most `max` characters, without control characters (databases refuse some, e.g. NUL). */
export const plainText = (max: number) =>
  z.string().min(1).max(max).refine(hasNoControlCharacters, { message: CONTROL_MESSAGE });

/** A record id (a UUID, or any id a store hands out): letters, digits, `-` and `_`. */
export const recordIdField = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w-]+$/, { message: 'Not a valid id.' });
