import { TollgateError } from './errors.js';

const B64URL = /^[A-Za-z0-9_-]+$/;
// Value of each base64url character, for the canonical-encoding check.
const B64URL_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  B64URL_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;
}

/**
 * True when `segment` is canonical unpadded base64url: only the alphabet, a possible length,
 * and zero unused bits in the last character. Without the last rule two different strings
 * decode to the same bytes, and a mutated token could still verify.
 */
export function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4;
  if (segment.length === 0 || rest === 1 || !B64URL.test(segment)) return false;
  if (rest === 0) return true;
  const last = B64URL_VALUE[segment.charCodeAt(segment.length - 1)]!;
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

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

/** How many keys a parsed JSON value has, at every depth. */
function countKeys(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += countKeys(item);
    return count;
  }
  for (const key in value) {
    count += 1 + countKeys((value as Record<string, unknown>)[key]);
  }
  return count;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function toBase62(bytes: Uint8Array, length: number): string {
  // Rejection sampling keeps every character equally likely (248 = 4 * 62).
  let out = '';
  for (const b of bytes) {
    if (b < 248) out += BASE62[b % 62];
    if (out.length === length) return out;
  }
  throw new RangeError('not enough random bytes');
}

/** Fixed-width base62 of an unsigned 32-bit integer. */
export function uint32ToBase62(value: number, width: number): string {
  let n = value >>> 0;
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}

/** CRC-32 (IEEE) of an ASCII string: the UAT checksum, as secret scanners compute it. */
export function crc32(ascii: string): number {
  let crc = -1;
  for (let i = 0; i < ascii.length; i++) crc = CRC_TABLE[(crc ^ ascii.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
