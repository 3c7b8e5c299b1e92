import { crc32 as zlibCrc32 } from 'node:zlib';

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

/** CRC-32 (IEEE) of an ASCII string: the UAT checksum, as secret scanners compute it. */
export function crc32(ascii: string): number {
  return zlibCrc32(ascii) >>> 0;
}
