import { randomUUID, webcrypto } from 'node:crypto';
import {
  createKeySet,
  createTollgate,
  generateSigningKey,
  type RequestCredentials,
  type SigningAlgorithm,
  type TokenStore,
  type Tollgate,
  uuidv7,
} from '@tollgate/core';
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
  expectNeverAdmitted,
  expectRejects,
  expectRevoked,
  expectTollgateRejects,
  ISSUER,
  tamperPayload,
  tamperSignature,
} from './fixtures.js';
import { createFloorVerifier } from './floor.js';
import type { BenchCase } from './harness.js';
import { type RevocationLoad, storeWithRevocations } from './revocation-load.js';

export const ALGORITHMS: readonly SigningAlgorithm[] = ['EdDSA', 'ES256', 'HS256'];
const TYP = 'at+jwt';

export interface JwtCaseOptions {
  /** Distinct tokens signed ahead of time; must exceed `cacheEntries`. */
  readonly poolSize: number;
  /** Tollgate's cache size (the default, 10000, unless told otherwise). */
  readonly cacheEntries: number;
  /** The revocations the "revoked" rows' Tollgates hold in memory (none concerns the bench's tokens). */
  readonly revocations?: RevocationLoad;
}

/** 10,000 revoked sessions and 1,000 revoked users. */
export const DEFAULT_REVOCATION_LOAD: RevocationLoad = Object.freeze({ sessions: 10_000, users: 1_000 });

/** The `who` of the rows whose Tollgate holds `revocations`. */
export const REVOKED = 'tollgate-revoked';
/** Their column: the same row's time without revocations / theirs. */
export const VS_NONE_REVOKED = 'vs none revoked';

/**
 * The Tollgate of a first-sight row: one, long-lived and warm, as a server has, cycling through a pool
 * larger than its doorkeeper's window (`maxEntries` first sightings). A token comes round again only
 * after a whole pool of other first sightings, too late to be admitted to the cache, so every call is
 * a miss that verifies (`expectNeverAdmitted` proves it for the same configuration). A new Tollgate
 * per pass, as this bench used before, added each new one's warm-up: ~10% of an HS256 first sight.
 */
function firstSightTollgate(tollgate: Tollgate, warm: RequestCredentials, headers: readonly string[]) {
  let index = 0;
  return {
    prepare: keptFresh(tollgate, warm),
    next() {
      if (index === headers.length) index = 0;
      return tollgate.authenticate({ authorization: headers[index++]! });
    },
  };
}

/** Brings one Tollgate's revocation state up to date before a measurement. */
const keptFresh = (tollgate: Tollgate, warm: RequestCredentials) => async () => {
  await tollgate.authenticate(warm);
  await new Promise((resolve) => setImmediate(resolve));
};

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
  // The same setup on a store whose revocation log holds the load: a Tollgate reads it at its first sync.
  const load = options.revocations ?? DEFAULT_REVOCATION_LOAD;
  const loaded = await storeWithRevocations(load);
  const newTollgate = (on: TokenStore = store) =>
    createTollgate({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys,
      store: on,
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
  const warm = { authorization: `Bearer ${repeated}` };

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
  // Every call of the first-sight rows is a miss: the pool outnumbers the doorkeeper's window, so a
  // token that comes round again is a first sighting again (checked below).
  if (options.poolSize <= options.cacheEntries)
    throw new Error(`the pool (${options.poolSize}) must outnumber the cache (${options.cacheEntries})`);
  const firstSightTollgates = firstSightTollgate(newTollgate(), warm, headers);
  const firstSightRevokedTollgates = firstSightTollgate(newTollgate(loaded.store), warm, headers);
  await expectAllMisses(`${alg} Tollgate first sight`, newTollgate(), headers);
  await expectAllMisses(`${alg} Tollgate first sight, revocations held`, newTollgate(loaded.store), headers);
  await expectNeverAdmitted(`${alg} Tollgate first sight`, newTollgate(), headers);
  await expectHit(`${alg} Tollgate repeated`, tollgate, `Bearer ${repeated}`);
  const revokedTollgate = newTollgate(loaded.store);
  await expectHit(`${alg} Tollgate repeated, revocations held`, revokedTollgate, `Bearer ${repeated}`);
  // The revocations are really held: a token of a revoked session, and one of a revoked user from a
  // session older than the revocation, are refused (token_revoked) there, and accepted without them.
  const ofRevokedSession = await Promise.all(
    loaded.sampleSessionIds.map((sid) => codec.sign('access', { ...claims, sid, jti: randomUUID() })),
  );
  const ofRevokedUser = await Promise.all(
    loaded.sampleUserIds.map((sub) =>
      codec.sign('access', { ...claims, sub, sid: uuidv7(loaded.revokedAt - 1000), jti: randomUUID() }),
    ),
  );
  for (const token of [...ofRevokedSession, ...ofRevokedUser]) {
    await expectRevoked(`${alg} Tollgate, revocations held`, revokedTollgate, token);
    await expectAccepts(
      `${alg} Tollgate, no revocations`,
      verifiers[0]![1],
      token,
      decodePayload(token).sub as string,
      subOfPrincipal,
    );
  }

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
  const sameToken = (
    who: string,
    name: string,
    verify: (token: string) => unknown,
    extra: Pick<BenchCase, 'prepare' | 'compareTo' | 'pairedWith'> = {},
  ) => {
    cases.push({
      id: jwtId.repeated(alg, who),
      group: again,
      name,
      run: () => verify(repeated),
      compareTo: againCompare,
      ...extra,
    });
  };
  const revokedName = `Tollgate, ${load.sessions} sessions + ${load.users} users revoked`;
  // viaTollgate builds the header string per call, as a server receives it: its hash is not cached.
  cases.push({
    id: jwtId.first(alg, 'tollgate'),
    group: first,
    name: 'Tollgate authenticate',
    run: firstSightTollgates.next,
    prepare: firstSightTollgates.prepare,
    compareTo: firstCompare,
  });
  cases.push({
    id: jwtId.first(alg, REVOKED),
    group: first,
    name: revokedName,
    run: firstSightRevokedTollgates.next,
    prepare: firstSightRevokedTollgates.prepare,
    compareTo: [...firstCompare, { label: VS_NONE_REVOKED, id: jwtId.first(alg, 'tollgate') }],
    pairedWith: jwtId.first(alg, 'tollgate'),
  });
  firstSight('jose', 'jose jwtVerify', jose);
  firstSight('fast-jwt', 'fast-jwt (cache off)', fastJwt);
  if (jwt) firstSight('jsonwebtoken', 'jsonwebtoken verify', jwt);
  firstSight('floor', 'floor (node:crypto)', floor);
  sameToken('tollgate', 'Tollgate authenticate', viaTollgate, { prepare: keptFresh(tollgate, warm) });
  sameToken(
    REVOKED,
    revokedName,
    (token) => revokedTollgate.authenticate({ authorization: `Bearer ${token}` }),
    {
      prepare: keptFresh(revokedTollgate, warm),
      compareTo: [...againCompare, { label: VS_NONE_REVOKED, id: jwtId.repeated(alg, 'tollgate') }],
      pairedWith: jwtId.repeated(alg, 'tollgate'),
    },
  );
  sameToken('fast-jwt-cache', 'fast-jwt (cache on)', fastJwtCached);
  sameToken('floor', 'floor (node:crypto)', floor);
  return cases;
}
