/**
 * Shared fixtures of the security suite (jwt-security, token-kinds, credentials, jwt-fuzz,
 * differential, opaque): real keys, the demo users, a Tollgate on a fake clock and the memory
 * store, and helpers that sign hostile tokens with node:crypto from the same key material.
 */
import { createHmac, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import demo from '../demo-data.json' with { type: 'json' };
import {
  createFakeClock,
  createKeySet,
  createMemoryTokenStore,
  createMemoryUserDirectory,
  createScryptPasswordHasher,
  createTollgate,
  type DirectorySeed,
  type FakeClock,
  generateSigningKey,
  JwtCodec,
  type KeySet,
  type Principal,
  type SigningAlgorithm,
  type SigningKey,
  type TokenStore,
  type Tollgate,
  TollgateError,
  type TollgateErrorCode,
  tokenAudiences,
  type UserDirectory,
} from './helpers/internals.js';

export const ISSUER = 'https://tollgate.test';
export const AUDIENCE = 'api';
/** Each kind's audience, as a Tollgate with `AUDIENCE` derives them. */
export const AUDIENCES = tokenAudiences(AUDIENCE);
/** A whole second, so `Math.floor(now / 1000)` is exact. */
export const START_MS = Date.UTC(2026, 0, 1, 12, 0, 0);
export const START_S = START_MS / 1000;

export const ACCOUNTS = {
  /** customer, company_admin, all permissions, production + staging */
  ethan: { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' },
  /** customer, no role, scans_download, staging */
  ava: { username: 'ava.reader@datastoreltd.biz', password: 'R3ader!pass' },
  /** administrator, enterprise_admin */
  root: { username: 'root@tollgate.local', password: 'Adm1n!root' },
} as const;

let directory: Promise<UserDirectory> | undefined;

/** The demo users (read-only, so shared by every harness of a test file); cheap scrypt for speed. */
export function demoDirectory(): Promise<UserDirectory> {
  directory ??= createMemoryUserDirectory(demo as DirectorySeed, {
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
  });
  return directory;
}

/** Calls of the store methods that the "refused before any lookup" tests watch, and what was written. */
export interface StoreProbe {
  readonly calls: Map<string, number>;
  readonly writes: unknown[];
  count(method: string): number;
}

/** Wraps a real store: every call still goes to it, and is counted (writes are also kept). */
export function probeStore(base: TokenStore): { store: TokenStore; probe: StoreProbe } {
  const calls = new Map<string, number>();
  const writes: unknown[] = [];
  const hit = (method: string): void => {
    calls.set(method, (calls.get(method) ?? 0) + 1);
  };
  const store: TokenStore = {
    ...base,
    findUatByHash: (hash) => {
      hit('findUatByHash');
      return base.findUatByHash(hash);
    },
    rotateRefreshToken: (input) => {
      hit('rotateRefreshToken');
      writes.push(input);
      return base.rotateRefreshToken(input);
    },
    revokeRefreshFamilyByToken: (input) => {
      hit('revokeRefreshFamilyByToken');
      writes.push(input);
      return base.revokeRefreshFamilyByToken(input);
    },
    createRefreshFamily: (input) => {
      hit('createRefreshFamily');
      writes.push(input);
      return base.createRefreshFamily(input);
    },
    insertUat: (record, check) => {
      hit('insertUat');
      writes.push(record);
      return base.insertUat(record, check);
    },
  };
  return { store, probe: { calls, writes, count: (method) => calls.get(method) ?? 0 } };
}

export interface Harness {
  readonly tg: Tollgate;
  readonly clock: FakeClock;
  readonly keys: KeySet;
  readonly key: SigningKey;
  readonly store: TokenStore;
  readonly probe: StoreProbe;
  /** A codec with the same options as the Tollgate's own. */
  readonly codec: JwtCodec;
}

export async function createHarness(
  options: {
    alg?: SigningAlgorithm;
    keys?: KeySet;
    leewaySeconds?: number;
    store?: TokenStore;
    cacheEntries?: number;
  } = {},
): Promise<Harness> {
  const keys =
    options.keys ?? createKeySet({ current: await generateSigningKey({ alg: options.alg ?? 'ES256' }) });
  const clock = createFakeClock(START_MS);
  const { store, probe } = probeStore(options.store ?? createMemoryTokenStore());
  const leewaySeconds = options.leewaySeconds ?? 0;
  const tg = createTollgate({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys,
    store,
    users: await demoDirectory(),
    clock,
    leewaySeconds,
    ...(options.cacheEntries ? { cache: { maxEntries: options.cacheEntries } } : {}),
  });
  const codec = new JwtCodec({
    keys,
    issuer: ISSUER,
    audience: AUDIENCE,
    leewaySeconds,
    maxTokenLength: 8192,
  });
  return { tg, clock, keys, key: keys.current, store, probe, codec };
}

/** One token of every kind, issued by the harness itself through the public operations. */
export interface IssuedTokens {
  /** Scheme D access token of ethan (company_admin). */
  readonly access: string;
  /** Scheme C access token of ethan, with a refresh family. */
  readonly pairAccess: string;
  readonly refresh: string;
  /** Scheme A user token of ethan bound to `staging`. */
  readonly user: string;
  /** Scheme B security token for ava, as issued: base64url of the JWS. */
  readonly delegated: string;
  /** The JWS inside `delegated`. */
  readonly delegatedJws: string;
  /** Scheme C access token of root (enterprise_admin). */
  readonly adminAccess: string;
  /** UAT of ethan with brand_create. */
  readonly uat: string;
  readonly uatId: string;
  readonly principals: {
    readonly access: Principal;
    readonly user: Principal;
    readonly delegated: Principal;
    readonly uat: Principal;
  };
}

export async function issueAll({ tg, clock }: Harness): Promise<IssuedTokens> {
  const access = (await tg.accessTokens.login(loginOf('ethan'))).token;
  const pair = await tg.tokenPair.login(loginOf('ethan'));
  const user = (await tg.userTokens.login({ ...loginOf('ethan'), environment: 'staging' })).token;
  const admin = await tg.tokenPair.login(loginOf('root'));
  const delegated = (
    await tg.delegatedLogin.issue({
      adminToken: admin.token,
      domain: 'datastore',
      userIdentity: ACCOUNTS.ava.username,
    })
  ).token;
  const accessPrincipal = await tg.requirePrincipal({ authorization: `JWT ${access}` });
  const created = await tg.uats.create({
    caller: accessPrincipal,
    name: 'ci',
    expiresAt: new Date(clock.now() + 86_400_000),
    permissions: ['brand_create'],
  });
  return {
    access,
    pairAccess: pair.token,
    refresh: pair.refreshToken,
    user,
    delegated,
    delegatedJws: Buffer.from(delegated, 'base64url').toString('latin1'),
    adminAccess: admin.token,
    uat: created.token,
    uatId: created.id,
    principals: {
      access: accessPrincipal,
      user: await tg.requirePrincipal({ authorization: `Bearer ${user}` }),
      delegated: await tg.requirePrincipal({ cookie: `tollgate_session=${delegated}` }),
      uat: await tg.requirePrincipal({ authorization: `UAT ${created.token}` }),
    },
  };
}

function loginOf(name: keyof typeof ACCOUNTS): { username: string; password: string } {
  return { username: ACCOUNTS[name].username, password: ACCOUNTS[name].password };
}

// ---- hostile tokens ------------------------------------------------------------------------------

export function b64url(input: string | Uint8Array): string {
  return Buffer.from(input).toString('base64url');
}

/** The JSON of segment `index` (0 header, 1 payload) of a compact JWS, as an object. */
export function decodeSegment(token: string, index: 0 | 1): Record<string, unknown> {
  const segment = token.split('.')[index];
  if (segment === undefined) throw new Error('not a compact JWS');
  const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
  return value as Record<string, unknown>;
}

/** The raw signature of `input` with the algorithm of `key` (ES256 as the 64-byte JWS form). */
export function signatureOf(key: SigningKey, input: string): Buffer {
  switch (key.alg) {
    case 'HS256':
      return createHmac('sha256', key.privateKey).update(input).digest();
    case 'EdDSA':
      return cryptoSign(null, Buffer.from(input), key.privateKey);
    case 'ES256':
      return cryptoSign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  }
}

/** HMAC-SHA256 with arbitrary secret bytes: for algorithm-confusion tokens. */
export function hmacSignature(secret: Uint8Array | KeyObject, input: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

/** A segment from an object (JSON.stringify), from raw JSON text (duplicate keys...) or raw bytes. */
export function segment(value: object | string | Uint8Array): string {
  if (typeof value === 'string' || value instanceof Uint8Array) return b64url(value);
  return b64url(JSON.stringify(value));
}

/** A compact JWS over exactly these header and payload, validly signed by `key`. */
export function signToken(
  key: SigningKey,
  header: object | string | Uint8Array,
  payload: object | string | Uint8Array,
): string {
  const input = `${segment(header)}.${segment(payload)}`;
  return `${input}.${b64url(signatureOf(key, input))}`;
}

/** The header Tollgate itself writes for `key` and a typ. */
export function headerFor(key: SigningKey, typ: string): { alg: SigningAlgorithm; kid: string; typ: string } {
  return { alg: key.alg, kid: key.kid, typ };
}

/** Claims Tollgate would accept at START (iss, aud, sub, jti, iat, exp), plus any extras. */
export function baseClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    jti: 'jti-1',
    iat: START_S,
    exp: START_S + 600,
    ...extra,
  };
}

// ---- assertions ----------------------------------------------------------------------------------

/** What `fn` threw, or undefined. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Asserts `error` is a TollgateError with `code` (or one of `code`). */
export function expectCode(
  error: unknown,
  code: TollgateErrorCode | readonly TollgateErrorCode[],
): TollgateError {
  expect(error).toBeInstanceOf(TollgateError);
  if (!(error instanceof TollgateError)) throw new Error('unreachable');
  if (typeof code === 'string') expect(error.code).toBe(code);
  else expect(code).toContain(error.code);
  return error;
}

export function expectThrows(
  fn: () => unknown,
  code: TollgateErrorCode | readonly TollgateErrorCode[],
): TollgateError {
  return expectCode(thrown(fn), code);
}

export async function expectRejects(
  promise: Promise<unknown>,
  code: TollgateErrorCode | readonly TollgateErrorCode[],
): Promise<TollgateError> {
  return expectCode(await rejection(promise), code);
}

/** True when the error is a TollgateError; rethrows anything else (a crash is a test failure). */
export function onlyTollgateErrors(error: unknown): true {
  if (error instanceof TollgateError) return true;
  throw error;
}
