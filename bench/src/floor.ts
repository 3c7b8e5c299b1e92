import { createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import type { SigningAlgorithm } from '@tollgate/core';

/**
 * The least work any verifier of a compact JWS must do: split it, base64url-decode and
 * JSON-parse header and payload, and check the signature with node:crypto. No claim is
 * checked. Throws on a bad signature; returns the payload.
 */
export function createFloorVerifier(alg: SigningAlgorithm, key: KeyObject): (token: string) => unknown {
  const checkSignature = signatureCheck(alg, key);
  return (token) => {
    const dot1 = token.indexOf('.');
    const dot2 = token.indexOf('.', dot1 + 1);
    const header = JSON.parse(Buffer.from(token.slice(0, dot1), 'base64url').toString('utf8')) as {
      alg?: unknown;
    };
    const payload: unknown = JSON.parse(
      Buffer.from(token.slice(dot1 + 1, dot2), 'base64url').toString('utf8'),
    );
    const signature = Buffer.from(token.slice(dot2 + 1), 'base64url');
    if (header.alg !== alg || !checkSignature(token.slice(0, dot2), signature))
      throw new Error('bad signature');
    return payload;
  };
}

function signatureCheck(
  alg: SigningAlgorithm,
  key: KeyObject,
): (input: string, signature: Buffer) => boolean {
  switch (alg) {
    case 'HS256':
      return (input, signature) => {
        const expected = createHmac('sha256', key).update(input).digest();
        return signature.length === expected.length && timingSafeEqual(expected, signature);
      };
    case 'EdDSA':
      return (input, signature) => verify(null, Buffer.from(input), key, signature);
    case 'ES256':
      return (input, signature) =>
        verify('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }, signature);
  }
}
