import { TollgateError } from '../errors.js';

/**
 * JSON.parse that refuses duplicate object keys (which JSON.parse silently collapses, letting two
 * parsers disagree on what a token says) and any top-level value that is not an object.
 * Throws `invalid_token`.
 */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new TollgateError('invalid_token', { message: 'token part is not JSON', cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TollgateError('invalid_token', { message: 'token part is not a JSON object' });
  }
  if (countKeysInText(text) !== countKeys(value)) {
    throw new TollgateError('invalid_token', { message: 'token part has duplicate JSON keys' });
  }
  return value as Record<string, unknown>;
}

/**
 * How many object keys text that JSON.parse accepted spells out, duplicates included. Valid JSON
 * has no quote outside a string, so jumping from quote to quote with indexOf visits exactly its
 * strings; a string followed (after optional whitespace) by a colon is a key.
 */
function countKeysInText(text: string): number {
  let count = 0;
  let open = text.indexOf('"');
  while (open !== -1) {
    let close = text.indexOf('"', open + 1);
    while (close !== -1 && isEscaped(text, close)) close = text.indexOf('"', close + 1);
    if (close === -1) return -1;
    let next = close + 1;
    let c = text.charCodeAt(next);
    while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = text.charCodeAt(++next);
    if (c === 0x3a /* : */) count++;
    open = text.indexOf('"', next);
  }
  return count;
}

function isEscaped(text: string, quote: number): boolean {
  let backslashes = 0;
  for (let i = quote - 1; text.charCodeAt(i) === 0x5c; i--) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * How many keys a parsed JSON value has, at every depth. Iterative: the value is attacker-chosen
 * (a token's header is read before its signature), so its depth must not decide the stack's.
 */
function countKeys(root: unknown): number {
  let count = 0;
  // Only objects and arrays are queued: a token's claims are mostly strings and numbers.
  const pending: object[] = [root as object];
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    for (const key in value) {
      count += 1;
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) pending.push(item);
    }
  }
  return count;
}
