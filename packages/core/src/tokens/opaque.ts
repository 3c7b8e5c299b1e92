import { createHash, randomBytes } from 'node:crypto';
import { crc32, toBase62, uint32ToBase62 } from './base62.js';

/**
 * UAT format: `tgu_` + 32 random base62 characters (~190 bits) + 6 base62 characters of
 * CRC-32 over the random part. The prefix lets secret scanners spot a leaked token; the
 * checksum lets them, and the server, reject a mistyped or tampered token without a lookup.
 */
export const UAT_PREFIX = 'tgu_';
const UAT_RANDOM_LENGTH = 32;
const UAT_CHECKSUM_LENGTH = 6;
export const UAT_LENGTH = UAT_PREFIX.length + UAT_RANDOM_LENGTH + UAT_CHECKSUM_LENGTH;
const UAT_SHAPE = /^tgu_[A-Za-z0-9]{38}$/;
/** How much of a UAT is shown to its owner to tell tokens apart. */
const UAT_DISPLAY_LENGTH = UAT_PREFIX.length + 8;

/** Refresh token format: `tgr_` + 32 random bytes, base64url. */
export const REFRESH_PREFIX = 'tgr_';
const REFRESH_SHAPE = /^tgr_[A-Za-z0-9_-]{43}$/;

/** How a store keys an opaque token: SHA-256, base64url. The value itself is never stored. */
export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function generateUat(): { token: string; displayPrefix: string } {
  const random = toBase62(randomBytes(64), UAT_RANDOM_LENGTH);
  const token = UAT_PREFIX + random + uint32ToBase62(crc32(random), UAT_CHECKSUM_LENGTH);
  return { token, displayPrefix: token.slice(0, UAT_DISPLAY_LENGTH) };
}

/** Shape and checksum only: true does not mean the token exists. */
export function isWellFormedUat(token: string): boolean {
  if (token.length !== UAT_LENGTH || !UAT_SHAPE.test(token)) return false;
  const random = token.slice(UAT_PREFIX.length, UAT_PREFIX.length + UAT_RANDOM_LENGTH);
  return (
    token.slice(UAT_PREFIX.length + UAT_RANDOM_LENGTH) === uint32ToBase62(crc32(random), UAT_CHECKSUM_LENGTH)
  );
}

export function generateRefreshToken(): string {
  return REFRESH_PREFIX + randomBytes(32).toString('base64url');
}

export function isWellFormedRefreshToken(token: string): boolean {
  return REFRESH_SHAPE.test(token);
}
