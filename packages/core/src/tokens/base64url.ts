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
