import { isDeepStrictEqual } from 'node:util';
import {
  createScryptPasswordHasher,
  type DirectorySeed,
  isTollgateError,
  type Tollgate,
  type UserDirectory,
} from '@tollgate/core';
import demo from '@tollgate/core/demo-data.json' with { type: 'json' };
import { createMemoryUserDirectory } from '@tollgate/core/testing';

export const ISSUER = 'https://tollgate.bench';
export const AUDIENCE = 'bench-api';
/** A demo user with `company_admin` (may create UATs) and the permission used below. */
export const DEMO_USER = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' } as const;
export const UAT_PERMISSION = 'brand_create';

export const demoSeed = demo as unknown as DirectorySeed;

/** The in-memory directory with a cheap scrypt cost: logins happen only at setup. */
export function createDemoDirectory(): Promise<UserDirectory> {
  return createMemoryUserDirectory(demoSeed, {
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
  });
}

/** Cycles through a pool: every call returns the next element. */
export function cycle<T>(pool: readonly T[]): () => T {
  if (pool.length === 0) throw new RangeError('empty pool');
  let i = -1;
  const n = pool.length;
  return () => {
    i = i + 1 === n ? 0 : i + 1;
    return pool[i]!;
  };
}

export function decodePayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new TypeError('not a compact JWS');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The same JWS with another `sub` in its payload and the original signature. */
export function tamperPayload(token: string): string {
  const [header, , signature] = token.split('.');
  const claims = { ...decodePayload(token), sub: 'someone-else' };
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

/** The same JWS with one character of the signature changed (far from its last, padding-bearing one). */
export function tamperSignature(token: string): string {
  const at = token.lastIndexOf('.') + 5;
  const replacement = token[at] === 'A' ? 'B' : 'A';
  return token.slice(0, at) + replacement + token.slice(at + 1);
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`bench sanity check failed: ${message}`);
}

/** Calls `verify` (sync or async) and asserts what it returns has `sub` (via `subOf`). */
export async function expectAccepts(
  name: string,
  verify: (token: string) => unknown,
  token: string,
  sub: string,
  subOf: (result: unknown) => unknown,
): Promise<void> {
  let result: unknown;
  try {
    result = await verify(token);
  } catch (error) {
    throw new Error(`bench sanity check failed: ${name} rejected a valid token`, { cause: error });
  }
  const got = subOf(result);
  assert(isDeepStrictEqual(got, sub), `${name} returned sub ${String(got)}, expected ${sub}`);
}

/** Asserts `verify` (sync or async) throws or rejects for `token`. */
export async function expectRejects(
  name: string,
  verify: (token: string) => unknown,
  token: string,
): Promise<void> {
  let accepted = false;
  try {
    await verify(token);
    accepted = true;
  } catch {
    // expected
  }
  assert(!accepted, `${name} accepted a tampered token`);
}

/** Tollgate must refuse a tampered credential as `invalid_token`, not with some other failure. */
export async function expectTollgateRejects(
  name: string,
  tollgate: Tollgate,
  authorization: string,
): Promise<void> {
  try {
    await tollgate.requirePrincipal({ authorization });
  } catch (error) {
    assert(
      isTollgateError(error) && error.code === 'invalid_token',
      `${name} failed with ${String(error)}, not invalid_token`,
    );
    return;
  }
  throw new Error(`bench sanity check failed: ${name} accepted a tampered credential`);
}

/**
 * Proves the calls of a first pass are cache misses: a miss builds a new principal, a hit returns the
 * cached one. Over one pass each token is new; on the second pass, the first `checked` calls must
 * still return none of the principals the first pass got (the doorkeeper cached none of them yet).
 */
export async function expectAllMisses(
  name: string,
  tollgate: Tollgate,
  headers: readonly string[],
  checked = 512,
): Promise<void> {
  const first = [];
  for (const authorization of headers.slice(0, checked))
    first.push(await tollgate.requirePrincipal({ authorization }));
  for (let i = 0; i < Math.min(checked, headers.length); i++) {
    const again = await tollgate.requirePrincipal({ authorization: headers[i]! });
    assert(again !== first[i], `${name}: call ${i} of the second pass was a cache hit`);
  }
}

/**
 * Proves a token that comes round again after a whole pass over `headers` is not admitted to the
 * cache: after the pass, the first `checked` tokens are each asked twice, and the second answer must
 * not be the first's principal (it would be, had the first been admitted and cached). The pool must
 * outnumber the doorkeeper's window for this to hold.
 */
export async function expectNeverAdmitted(
  name: string,
  tollgate: Tollgate,
  headers: readonly string[],
  checked = 256,
): Promise<void> {
  for (const authorization of headers) await tollgate.requirePrincipal({ authorization });
  for (const authorization of headers.slice(0, checked)) {
    const again = await tollgate.requirePrincipal({ authorization });
    const third = await tollgate.requirePrincipal({ authorization });
    assert(third !== again, `${name}: a token seen a whole pool ago was admitted to the cache`);
  }
}

/** Proves a repeated credential is a cache hit: the same principal object comes back (after a warm-up). */
export async function expectHit(name: string, tollgate: Tollgate, authorization: string): Promise<void> {
  // A JWT is cached on its second sighting: the first only passes the doorkeeper.
  await tollgate.requirePrincipal({ authorization });
  const a = await tollgate.requirePrincipal({ authorization });
  const b = await tollgate.requirePrincipal({ authorization });
  assert(a === b, `${name}: the repeated credential was not served from the cache`);
}

/** Tollgate must refuse a token of a revoked session or user as `token_revoked`. */
export async function expectRevoked(name: string, tollgate: Tollgate, token: string): Promise<void> {
  const result = await tollgate.authenticate({ authorization: `Bearer ${token}` });
  assert(
    !result.ok && result.error.code === 'token_revoked',
    `${name} answered ${result.ok ? 'ok' : result.error.code} for a revoked credential, not token_revoked`,
  );
}
