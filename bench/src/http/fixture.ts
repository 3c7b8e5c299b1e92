import { randomUUID } from 'node:crypto';
import {
  createKeySet,
  createTollgate,
  exportSigningKey,
  generateSigningKey,
  type SigningAlgorithm,
  type SigningKey,
} from '@tollgate/core';
import { createMemoryTokenStore } from '@tollgate/core/testing';
// Internal: the bench signs its token pools with the core's own codec.
import { MAX_CREDENTIAL_LENGTH } from '../../../packages/core/src/credentials/authorization.js';
// Internal: the bench signs its token pools with the core's own codec.
import { JwtCodec, type TollgateClaims } from '../../../packages/core/src/tokens/jwt-codec.js';
import {
  AUDIENCE,
  createDemoDirectory,
  DEMO_USER,
  decodePayload,
  ISSUER,
  tamperSignature,
} from '../fixtures.js';
import type { HttpFixture } from './common.js';

/** A real access token of the demo user, from `loginForAccessToken` on a Tollgate with `key`. */
async function loginToken(key: SigningKey): Promise<string> {
  const tollgate = createTollgate({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: createKeySet({ current: key }),
    store: createMemoryTokenStore(),
    users: await createDemoDirectory(),
  });
  return (await tollgate.accessTokens.login(DEMO_USER)).token;
}

/**
 * The keys and tokens every process shares: an EdDSA and an HS256 key, a valid and a tampered
 * access token for each, and `poolSize` distinct HS256 access tokens (the login's claims, each
 * with a new `jti`, signed ahead of time through Tollgate's own codec).
 */
export async function createHttpFixture(options: {
  poolSize: number;
  cacheEntries: number;
}): Promise<HttpFixture> {
  const make = (alg: SigningAlgorithm) => generateSigningKey({ alg, kid: `bench-http-${alg}` });
  const eddsa = await make('EdDSA');
  const hs256 = await make('HS256');
  const eddsaValid = await loginToken(eddsa);
  const hs256Valid = await loginToken(hs256);
  const { iss: _iss, aud: _aud, ...claims } = decodePayload(hs256Valid) as unknown as TollgateClaims;
  const codec = new JwtCodec({
    keys: createKeySet({ current: hs256 }),
    issuer: ISSUER,
    audience: AUDIENCE,
    leewaySeconds: 0,
    maxTokenLength: MAX_CREDENTIAL_LENGTH,
  });
  const pool: string[] = [];
  for (let i = 0; i < options.poolSize; i++)
    pool.push(await codec.sign('access', { ...claims, jti: randomUUID() }));
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    cacheEntries: options.cacheEntries,
    keys: { eddsa: await exportSigningKey(eddsa), hs256: await exportSigningKey(hs256) },
    tokens: {
      eddsa: { valid: eddsaValid, tampered: tamperSignature(eddsaValid) },
      hs256: { valid: hs256Valid, tampered: tamperSignature(hs256Valid), pool },
    },
  };
}
