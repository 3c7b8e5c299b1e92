import { randomUUID, webcrypto } from 'node:crypto';
import { createKeySet, createTollgate, generateSigningKey, type SigningAlgorithm } from '@tollgate/core';
import { createMemoryTokenStore } from '@tollgate/core/testing';
import { createVerifier } from 'fast-jwt';
import { exportJWK, importJWK, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
// Internal: the bench signs its token pools with the core's own codec.
import { MAX_CREDENTIAL_LENGTH } from '../../packages/core/src/credentials/authorization.js';
// Internal: the bench signs its token pools with the core's own codec.
import { JwtCodec, type TollgateClaims } from '../../packages/core/src/tokens/jwt-codec.js';
import {
  AUDIENCE,
  createDemoDirectory,
  cycle,
  DEMO_USER,
  decodePayload,
  expectAccepts,
  expectAllMisses,
  expectHit,
  expectRejects,
  expectTollgateRejects,
  ISSUER,
  tamperPayload,
  tamperSignature,
} from './fixtures.js';
import { createFloorVerifier } from './floor.js';
import type { BenchCase } from './harness.js';

export const ALGORITHMS: readonly SigningAlgorithm[] = ['EdDSA', 'ES256', 'HS256'];
const TYP = 'at+jwt';

export interface JwtCaseOptions {
  /** Distinct tokens signed ahead of time; must exceed `cacheEntries`. */
  readonly poolSize: number;
  /** Tollgate's cache size (the default, 10000, unless told otherwise). */
  readonly cacheEntries: number;
}

/** Case ids, so the report can find the rows it compares. */
export const jwtId = {
  first: (alg: SigningAlgorithm, who: string) => `${alg}.first.${who}`,
  repeated: (alg: SigningAlgorithm, who: string) => `${alg}.repeated.${who}`,
};

// What `authenticate` answers: `{ ok: true, principal }` (synchronously for a JWT).
const subOfPrincipal = (result: unknown) =>
  (result as { ok: boolean; principal?: { userId?: unknown } }).principal?.userId;
const subOfPayload = (result: unknown) => (result as { sub?: unknown }).sub;
const subOfJose = (result: unknown) => (result as { payload: { sub?: unknown } }).payload.sub;

/**
 * One Tollgate (one key of `alg`, in-memory store, demo users), a pool of distinct access
 * tokens it signed, and the peers set up to verify those same tokens. Every verifier is
 * checked on a valid and on two tampered tokens before anything is measured.
 */
export async function createJwtCases(alg: SigningAlgorithm, options: JwtCaseOptions): Promise<BenchCase[]> {
  if (options.poolSize <= options.cacheEntries) throw new RangeError('the pool must outnumber the cache');
  const key = await generateSigningKey({ alg, kid: `bench-${alg}` });
  const keys = createKeySet({ current: key });
  const users = await createDemoDirectory();
  const store = createMemoryTokenStore();
  const newTollgate = () =>
    createTollgate({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys,
      store,
      users,
      cache: { maxEntries: options.cacheEntries },
      housekeeping: false,
    });
  const tollgate = newTollgate();

  // A real login gives the claims Tollgate puts in an access token; the pool re-signs them
  // with a new jti each (what a stream of logins produces), through Tollgate's own codec.
  const { token: repeated } = await tollgate.accessTokens.login(DEMO_USER);
  const { iss: _iss, aud: _aud, ...claims } = decodePayload(repeated) as unknown as TollgateClaims;
  const sub = claims.sub;
  const codec = new JwtCodec({
    keys,
    issuer: ISSUER,
    audience: AUDIENCE,
    leewaySeconds: 0,
    maxTokenLength: MAX_CREDENTIAL_LENGTH,
  });
  const pool: string[] = [];
  for (let i = 0; i < options.poolSize; i++)
    pool.push(await codec.sign('access', { ...claims, jti: randomUUID() }));
  const headers = pool.map((token) => `Bearer ${token}`);

  // Peers, each in its fastest correct configuration: key imported once, algorithm pinned,
  // and the same checks Tollgate makes (typ where the library has the option, iss, aud, exp).
  const joseKey =
    alg === 'HS256'
      ? await webcrypto.subtle.importKey(
          'raw',
          key.publicKey.export(),
          { name: 'HMAC', hash: 'SHA-256' },
          false,
          ['verify'],
        )
      : await importJWK(await exportJWK(key.publicKey), alg);
  const jose = (token: string) =>
    jwtVerify(token, joseKey, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE, typ: TYP });
  // fast-jwt takes a PEM (or the raw secret) and makes its KeyObject once, in createVerifier.
  const fastJwtKey =
    alg === 'HS256'
      ? key.publicKey.export()
      : (key.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  const fastJwtOptions = {
    key: fastJwtKey,
    algorithms: [alg],
    allowedIss: ISSUER,
    allowedAud: AUDIENCE,
    checkTyp: TYP,
  };
  const fastJwt = createVerifier({ ...fastJwtOptions, cache: false }) as (token: string) => unknown;
  const fastJwtCached = createVerifier({ ...fastJwtOptions, cache: true }) as (token: string) => unknown;
  // jsonwebtoken has no EdDSA; with a KeyObject it skips its per-call createPublicKey.
  const jwt =
    alg === 'EdDSA'
      ? null
      : (token: string) =>
          jsonwebtoken.verify(token, key.publicKey, {
            algorithms: [alg],
            issuer: ISSUER,
            audience: AUDIENCE,
          });
  const floor = createFloorVerifier(alg, key.publicKey);
  const viaTollgate = (token: string) => tollgate.authenticate({ authorization: `Bearer ${token}` });

  const verifiers: [string, (token: string) => unknown, (result: unknown) => unknown][] = [
    [
      'Tollgate',
      (token) => {
        // A refusal is a value: thrown here so the checks below treat every verifier alike.
        const result = viaTollgate(token);
        if (result instanceof Promise) throw new Error('a JWT was not answered synchronously');
        if (!result.ok) throw result.error;
        return result;
      },
      subOfPrincipal,
    ],
    ['jose', jose, subOfJose],
    ['fast-jwt', fastJwt, subOfPayload],
    ['fast-jwt (cache on)', fastJwtCached, subOfPayload],
    ['floor', floor, subOfPayload],
  ];
  if (jwt) verifiers.push(['jsonwebtoken', jwt, subOfPayload]);
  const sample = pool[0]!;
  for (const [name, verify, subOf] of verifiers) {
    await expectAccepts(`${alg} ${name}`, verify, sample, sub, subOf);
    await expectAccepts(`${alg} ${name}`, verify, repeated, sub, subOf);
    await expectRejects(`${alg} ${name}`, verify, tamperPayload(pool[1]!));
    await expectRejects(`${alg} ${name}`, verify, tamperSignature(pool[2]!));
  }
  await expectTollgateRejects(`${alg} Tollgate`, tollgate, `Bearer ${tamperPayload(pool[3]!)}`);
  await expectTollgateRejects(`${alg} Tollgate`, tollgate, `Bearer ${tamperSignature(pool[4]!)}`);
  // Every call of the first-sight row is new to the Tollgate that answers it: a pass over the pool
  // is answered by a Tollgate that has seen none of it (one made per pass, outside the timed call
  // but for the one call that makes it). Otherwise its doorkeeper would admit the cycled tokens.
  let firstSightTollgate = newTollgate();
  let firstSightIndex = 0;
  const viaFreshTollgate = () => {
    if (firstSightIndex === pool.length) {
      firstSightTollgate.close();
      firstSightTollgate = newTollgate();
      firstSightIndex = 0;
    }
    return firstSightTollgate.authenticate({ authorization: `Bearer ${pool[firstSightIndex++]}` });
  };
  await expectAllMisses(`${alg} Tollgate first sight`, newTollgate(), headers);
  await expectHit(`${alg} Tollgate repeated`, tollgate, `Bearer ${repeated}`);

  const first = `${alg}, first sight (a new token each call)`;
  const again = `${alg}, repeated (the same token each call)`;
  const firstCompare = [
    { label: 'vs floor', id: jwtId.first(alg, 'floor') },
    { label: 'vs fast-jwt', id: jwtId.first(alg, 'fast-jwt') },
  ];
  const againCompare = [
    { label: 'vs floor', id: jwtId.repeated(alg, 'floor') },
    { label: 'vs fast-jwt hit', id: jwtId.repeated(alg, 'fast-jwt-cache') },
  ];
  const cases: BenchCase[] = [];
  const firstSight = (who: string, name: string, verify: (token: string) => unknown) => {
    const next = cycle(pool);
    cases.push({
      id: jwtId.first(alg, who),
      group: first,
      name,
      run: () => verify(next()),
      compareTo: firstCompare,
    });
  };
  const sameToken = (who: string, name: string, verify: (token: string) => unknown) => {
    cases.push({
      id: jwtId.repeated(alg, who),
      group: again,
      name,
      run: () => verify(repeated),
      compareTo: againCompare,
    });
  };
  // viaTollgate builds the header string per call, as a server receives it: its hash is not cached.
  cases.push({
    id: jwtId.first(alg, 'tollgate'),
    group: first,
    name: 'Tollgate authenticate',
    run: viaFreshTollgate,
    compareTo: firstCompare,
  });
  firstSight('jose', 'jose jwtVerify', jose);
  firstSight('fast-jwt', 'fast-jwt (cache off)', fastJwt);
  if (jwt) firstSight('jsonwebtoken', 'jsonwebtoken verify', jwt);
  firstSight('floor', 'floor (node:crypto)', floor);
  sameToken('tollgate', 'Tollgate authenticate', viaTollgate);
  sameToken('fast-jwt-cache', 'fast-jwt (cache on)', fastJwtCached);
  sameToken('floor', 'floor (node:crypto)', floor);
  return cases;
}
