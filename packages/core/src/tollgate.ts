import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from './clock.js';
import {
  extractCredential,
  MAX_CREDENTIAL_LENGTH,
  type RequestCredentials,
  splitAuthorization,
} from './credentials.js';
import { isCanonicalBase64url } from './encoding.js';
import { TollgateError } from './errors.js';
import { JwtCodec, type TollgateClaims } from './jwt.js';
import type { KeySet } from './keys.js';
import { createLoginLimiter, type LoginLimitsOptions } from './login-limits.js';
import {
  generateRefreshToken,
  generateUat,
  hashOpaqueToken,
  isWellFormedRefreshToken,
  isWellFormedUat,
  REFRESH_PREFIX,
  UAT_PREFIX,
} from './opaque.js';
import type { RevocationChannel, RevocationKind, TokenStore, UatRecord, UserDirectory } from './ports.js';
import { RevocationState, type RevocationSyncOptions, revocationKey } from './revocations.js';
import type {
  Actor,
  Credential,
  CredentialSource,
  Environment,
  JwtKind,
  Principal,
  PrincipalData,
  Requirement,
  TokenKind,
  UserRecord,
} from './types.js';

/** Token lifetimes, in seconds. */
export interface Lifetimes {
  /** Access tokens (token pair, JWT login). Default 3600. */
  readonly accessToken: number;
  /** User tokens (scheme A). Default 3600. */
  readonly userToken: number;
  /** Delegated security tokens. Default 28800 (8 h). */
  readonly delegatedToken: number;
  /** Each refresh token. Default 1209600 (14 days). */
  readonly refreshToken: number;
  /** Absolute lifetime of a login: no chain of refreshes outlives it. Default 2592000 (30 days). */
  readonly session: number;
}

export const DEFAULT_LIFETIMES: Lifetimes = Object.freeze({
  accessToken: 3600,
  userToken: 3600,
  delegatedToken: 8 * 3600,
  refreshToken: 14 * 86400,
  session: 30 * 86400,
});

/** Which token kinds each credential source may carry. Anything else is refused. */
export type SourceKinds = Readonly<Record<CredentialSource, readonly TokenKind[]>>;

export const DEFAULT_SOURCE_KINDS: SourceKinds = Object.freeze({
  Bearer: ['access', 'user', 'delegated'],
  JWT: ['access'],
  UAT: ['uat'],
  cookie: ['delegated'],
  path: ['user'],
});

/** Roles that make an administrator able to act for users: everywhere, or in its own domain. */
export const ENTERPRISE_ADMIN_ROLE = 'enterprise_admin';
export const DOMAIN_ADMIN_ROLE = 'domain_admin';
/** The customer-side role that may manage UATs. */
export const COMPANY_ADMIN_ROLE = 'company_admin';

export interface TollgateOptions {
  /** `iss` of every token; checked on every token. */
  readonly issuer: string;
  /** `aud` of every token; checked on every token. */
  readonly audience: string;
  readonly keys: KeySet;
  readonly store: TokenStore;
  readonly users: UserDirectory;
  readonly clock?: Clock;
  readonly lifetimes?: Partial<Lifetimes>;
  /** Clock skew tolerated on `exp`/`nbf`, in seconds. Default 0. */
  readonly leewaySeconds?: number;
  readonly sourceKinds?: Partial<SourceKinds>;
  /** Name of the session cookie carrying a delegated token. Default `tollgate_session`. */
  readonly cookieName?: string;
  /** Longest UAT lifetime a user may ask for, in days. Default 365. */
  readonly uatMaxLifetimeDays?: number;
  readonly cache?: {
    /** Verified credentials kept in memory. Default 10000. */
    readonly maxEntries?: number;
    /** How long a verified UAT is trusted before the store is read again (ms). Default 60000. */
    readonly opaqueTtlMs?: number;
    /**
     * How long a user's record (rights) read for a UAT's first lookup is reused for that user's other
     * UATs (ms). Default 5000, never longer than `opaqueTtlMs`; 0 reads it every time.
     */
    readonly userTtlMs?: number;
  };
  readonly revocations?: Partial<RevocationSyncOptions>;
  /**
   * Pushes revocations to the other app instances at once (e.g. `createRedisRevocationChannel`
   * of `@tollgate/store-redis`). While it is disconnected, revocable credentials (UATs, access
   * tokens of a refresh family) are refused with `store_unavailable` rather than trusted.
   */
  readonly revocationChannel?: RevocationChannel;
  /**
   * Brute-force limits on every password login: per account and per client IP, counted in this
   * process by default. `false` turns them off (only for tests and trusted callers).
   */
  readonly loginLimits?: LoginLimitsOptions | false;
  /**
   * Deletes expired refresh tokens, families, UATs and revocations in the background, in bounded
   * batches (`TokenStore.purgeExpired`). Default: every 10 minutes, 500 rows a batch. `false`: never
   * (call `purgeExpired()` from your own scheduler). Safe to run on every instance at once.
   */
  readonly housekeeping?: { readonly intervalMs?: number; readonly batchSize?: number } | false;
  /** Computes the app's data of a principal from its user (see `TollgateRegister`). */
  readonly principalData?: (user: UserRecord) => PrincipalData;
  /** Failures of background work (revocation sync, UAT last-used updates). Never given a token. */
  readonly onBackgroundError?: (error: unknown) => void;
}

export interface UserTokenResult {
  readonly token: string;
  readonly environment: string | null;
  readonly expiresAt: Date;
}

export interface DelegatedTokenResult {
  /** The security token: base64url of a signed JWT, ready for a cookie or a Bearer header. */
  readonly token: string;
  readonly expiresAt: Date;
}

export interface TokenPairResult {
  readonly customerId: string;
  readonly token: string;
  readonly refreshToken: string;
  /** Seconds the access token is valid. */
  readonly validityTime: number;
  readonly expiresAt: Date;
  readonly refreshTokenExpiresAt: Date;
}

export interface AccessTokenResult {
  readonly token: string;
  readonly expiresAt: Date;
}

export interface UatSummary {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly permissions: readonly string[];
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface CreatedUat extends UatSummary {
  /** The token value: shown once, never stored. */
  readonly token: string;
}

export interface AuthenticateOptions {
  /** Accept only credentials from these sources (e.g. `['JWT', 'Bearer']`). Default: all. */
  readonly sources?: readonly CredentialSource[];
}

/** A password login's input. */
export interface PasswordLogin {
  readonly username: string;
  readonly password: string;
  /** The caller's IP, for the per-IP brute-force limit (adapters pass what their framework trusts). */
  readonly clientIp?: string | undefined;
}

export interface Tollgate {
  /** Checks a username and password. Throws `invalid_credentials` alike for an unknown user and a wrong password. */
  login(input: PasswordLogin): Promise<UserRecord>;
  /** Scheme A: password login to a user token, optionally bound to an environment. */
  loginForUserToken(
    input: PasswordLogin & { readonly environment?: string | null | undefined },
  ): Promise<UserTokenResult>;
  /** Scheme A: an administrator issues a user token for a customer user. */
  issueUserToken(input: {
    caller: Principal;
    username: string;
    environment?: string | null | undefined;
  }): Promise<UserTokenResult>;
  /** Scheme A: a new user token for a valid one, keeping its environment unless another is given. */
  refreshUserToken(input: {
    token: string;
    environment?: string | null | undefined;
  }): Promise<UserTokenResult>;
  /** Scheme A: the environments the user of a (possibly environment-less) user token may use. */
  listEnvironments(input: { token: string }): Promise<readonly Environment[]>;
  /** Scheme B: an administrator's access token signs a user in without their password. */
  delegate(input: {
    adminToken: string;
    domain: string;
    userIdentity: string;
    customData?: string | null;
  }): Promise<DelegatedTokenResult>;
  /** Scheme C: password login to an access token and a rotating refresh token. */
  loginForTokenPair(input: PasswordLogin): Promise<TokenPairResult>;
  /** Scheme C: rotates a refresh token; a reused one revokes its whole family. */
  refreshTokenPair(input: { refreshToken: string }): Promise<TokenPairResult>;
  /** Scheme C: logout; revokes the family of a refresh token. False for an unknown token. */
  revokeTokenPair(input: { refreshToken: string }): Promise<boolean>;
  /** Scheme D: password login to an access token carrying all the user's rights. */
  loginForAccessToken(input: PasswordLogin): Promise<AccessTokenResult>;
  /** Scheme D: creates a UAT for the caller (company_admin, not authenticated by a UAT). */
  createUat(input: {
    caller: Principal;
    name: string;
    expiresAt: Date | string;
    permissions: readonly string[];
  }): Promise<CreatedUat>;
  listUats(input: { caller: Principal }): Promise<readonly UatSummary[]>;
  /** Revokes one of the caller's UATs; it stops working at once. Someone else's id: `not_found`. */
  revokeUat(input: { caller: Principal; id: string }): Promise<void>;
  /** Credentials to principal: the hot path. No I/O for a JWT; one indexed lookup for a new UAT. */
  authenticate(request: RequestCredentials, options?: AuthenticateOptions): Promise<Principal>;
  /**
   * `authenticate`'s answer when it is already known without waiting: one `Authorization` value,
   * no cookie, accepted before and still cached, sources allowed, revocation state fresh. Otherwise
   * undefined, and only `authenticate` decides (it may still accept or refuse). Never throws.
   */
  authenticateCached(request: RequestCredentials, options?: AuthenticateOptions): Principal | undefined;
  /**
   * `authenticate`'s refusal when it is already known without waiting: one `Authorization` value, no
   * cookie, refused before as `invalid_token` for what it is (remembered, bounded), its scheme
   * allowed by `sources`. The same `TollgateError` code and message `authenticate` would reject
   * with, built without a stack trace; otherwise undefined. Never throws.
   */
  cachedRefusal(request: RequestCredentials, options?: AuthenticateOptions): TollgateError | undefined;
  /** Throws `insufficient_permission`, `role_required` or `environment_required`. */
  authorize(principal: Principal, requirement: Requirement): void;
  /** The public signing keys, for `/.well-known/jwks.json`. */
  jwks(): ReturnType<KeySet['jwks']>;
  /**
   * Stops listening on the revocation channel and writes pending UAT last-used times. The store,
   * directory and channel stay open: they belong to the caller.
   */
  close(): void;
  /** Deletes expired rows now, batch after batch (at most 100 batches); returns how many. */
  purgeExpired(): Promise<number>;
  readonly options: {
    readonly issuer: string;
    readonly audience: string;
    readonly cookieName: string;
    readonly lifetimes: Lifetimes;
  };
}

interface CacheEntry {
  /** The whole credential key; the cache's own key is only its tail (see `cacheSlot`). */
  readonly credential: string;
  readonly principal: Principal;
  /** Exclusive: the entry is used only while `now < validUntil`. */
  readonly validUntil: number;
  readonly revocationKey: string | null;
}

const MAX_FIELD_LENGTH = 1024;
const MAX_CUSTOM_DATA_LENGTH = 4096;
const UAT_TOUCH_INTERVAL_MS = 60_000;

function requireString(value: unknown, field: string, max = MAX_FIELD_LENGTH): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new TollgateError('malformed_request', {
      message: `${field} must be a non-empty string of at most ${max} characters`,
    });
  }
  return value;
}

function optionalEnvironment(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  return requireString(value, 'environment', 128);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * Where a credential sits in the cache: its last 32 characters (a signature's, or an opaque token's
 * random part and checksum), the whole key being compared on a hit. A Map hashes its string key in
 * full; a fresh ~700-character header costs ~1 µs to hash and ~0.1 µs to compare.
 */
const CACHE_SLOT_LENGTH = 32;
const cacheSlot = (key: string): string =>
  key.length > CACHE_SLOT_LENGTH ? key.slice(-CACHE_SLOT_LENGTH) : key;

const hasNoCookie = (cookie: RequestCredentials['cookie']): boolean =>
  cookie === undefined || (typeof cookie !== 'string' && cookie.length === 0);

/** The one `Authorization` value of a request without cookies: what the synchronous answers take. */
function soleAuthorization(request: RequestCredentials): string | undefined {
  const { authorization, cookie } = request;
  return typeof authorization === 'string' && hasNoCookie(cookie) ? authorization : undefined;
}

/** How many refused credentials `authenticate` remembers (each at most MAX_CREDENTIAL_LENGTH). */
const MAX_REFUSALS = 1024;
const MAX_RECENT_USERS = 1024;

/**
 * Builds an error without a stack trace: a refusal replayed from memory has no interesting one,
 * and capturing it (~3-7 µs) would cost more than everything else the refusal does.
 */
function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 0;
  } catch {
    return make(); // a frozen `Error` (a hardened realm): keep the trace
  }
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Store and directory failures become `store_unavailable`; Tollgate's own errors pass through. */
async function fromStore<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (cause) {
    if (cause instanceof TollgateError) throw cause;
    throw new TollgateError('store_unavailable', { cause });
  }
}

export function createTollgate(options: TollgateOptions): Tollgate {
  const clock = options.clock ?? systemClock;
  const lifetimes: Lifetimes = Object.freeze({ ...DEFAULT_LIFETIMES, ...options.lifetimes });
  const sourceKinds: SourceKinds = { ...DEFAULT_SOURCE_KINDS, ...options.sourceKinds };
  const cookieName = options.cookieName ?? 'tollgate_session';
  const uatMaxLifetimeMs = (options.uatMaxLifetimeDays ?? 365) * 86_400_000;
  const maxEntries = options.cache?.maxEntries ?? 10_000;
  const opaqueTtlMs = options.cache?.opaqueTtlMs ?? 60_000;
  const onBackgroundError = options.onBackgroundError ?? (() => {});
  const { store, users } = options;
  const loginLimiter = options.loginLimits === false ? null : createLoginLimiter(options.loginLimits);
  const jwt = new JwtCodec({
    keys: options.keys,
    issuer: options.issuer,
    audience: options.audience,
    leewaySeconds: options.leewaySeconds ?? 0,
    maxTokenLength: MAX_CREDENTIAL_LENGTH,
  });
  const revocations = new RevocationState(
    store,
    clock,
    {
      syncIntervalMs: options.revocations?.syncIntervalMs ?? 1000,
      maxStalenessMs: options.revocations?.maxStalenessMs ?? 10_000,
    },
    onBackgroundError,
  );
  const channel = options.revocationChannel;
  // Known here at once; other instances hear it on the channel, or at their next log sync.
  const revoked = (kind: RevocationKind, id: string, expiresAt: number): void => {
    revocations.add(revocationKey(kind, id), expiresAt);
    channel?.publish({ kind, id, expiresAt }).catch(onBackgroundError);
  };
  let unsubscribe: (() => void) | undefined;
  if (channel) {
    revocations.expectChannel();
    unsubscribe = channel.subscribe({
      revoked: (notice) => revocations.add(revocationKey(notice.kind, notice.id), notice.expiresAt),
      connected: () => revocations.channelConnected(),
      disconnected: () => revocations.channelDisconnected(),
    });
  }
  const batchSize = (options.housekeeping ? options.housekeeping.batchSize : undefined) ?? 500;
  const purgeExpired = async (): Promise<number> => {
    let total = 0;
    for (let batch = 0; batch < 100; batch++) {
      const deleted = await fromStore(() => store.purgeExpired({ now: clock.now(), limit: batchSize }));
      total += deleted;
      if (deleted < batchSize) break;
    }
    return total;
  };
  let housekeepingTimer: ReturnType<typeof setInterval> | undefined;
  if (options.housekeeping !== false) {
    let running = false;
    housekeepingTimer = setInterval(() => {
      if (running) return;
      running = true;
      purgeExpired()
        .catch(onBackgroundError)
        .finally(() => {
          running = false;
        });
    }, options.housekeeping?.intervalMs ?? 600_000);
    housekeepingTimer.unref();
  }
  // Keyed by the credential as presented (never by a claim): its slot, the whole of it compared on
  // a hit. Bounded, first in first out; a credential landing in an occupied slot takes it over.
  const cache = new Map<string, CacheEntry>();
  // Evicts in insertion order through one long-lived iterator: a fresh `cache.keys()` would skip
  // every hole that earlier deletes left at the front of V8's table (~7 µs a miss at 10000 entries).
  // Every key before its position has been deleted, so its next key is always the oldest one.
  let evictionOrder: IterableIterator<string> | undefined;

  const remember = (entry: CacheEntry): void => {
    const slot = cacheSlot(entry.credential);
    if (cache.size >= maxEntries && !cache.has(slot)) {
      evictionOrder ??= cache.keys();
      let oldest = evictionOrder.next();
      if (oldest.done) {
        evictionOrder = cache.keys();
        oldest = evictionOrder.next();
      }
      cache.delete(oldest.value as string);
    }
    cache.set(slot, entry);
  };

  // Credentials refused as `invalid_token` for what they are (bad signature, malformed, another
  // issuer...): the same string under the same keys gets the same verdict, so a repeated one is
  // refused again without verifying it (an EdDSA check costs ~100 µs). Kept apart from `cache`, and
  // small, so a flood of refused credentials never evicts an accepted one. Key: as for `cache`.
  const refusals = new Map<string, string>();
  const refuse = (key: string, error: unknown): void => {
    if (!(error instanceof TollgateError) || error.code !== 'invalid_token') return;
    if (refusals.size >= MAX_REFUSALS) refusals.delete(refusals.keys().next().value as string);
    refusals.set(key, error.message);
  };

  const nowSeconds = (): number => Math.floor(clock.now() / 1000);

  // UAT last-used times waiting to be written, by UAT id.
  const pendingTouches = new Map<string, number>();
  const flushTouches = (): void => {
    for (const [id, at] of pendingTouches) store.touchUat({ id, at }).catch(onBackgroundError);
    pendingTouches.clear();
  };

  // ---- issuing -------------------------------------------------------------------------------

  const userClaims = (user: UserRecord, environment: string | null) => {
    const claims: Record<string, unknown> = {
      sub: user.id,
      jti: randomUUID(),
      usr: user.username,
      eml: user.email,
      ukd: user.kind,
      cid: user.customerId,
      dom: user.domain,
      rol: user.roles,
      prm: user.permissions,
      env: environment,
    };
    if (options.principalData) claims.dat = options.principalData(user);
    return claims;
  };

  const signUserToken = async (user: UserRecord, environment: string | null, sessionStart: number) => {
    const iat = nowSeconds();
    const exp = Math.min(iat + lifetimes.userToken, sessionStart + lifetimes.session);
    const token = await jwt.sign('user', {
      ...userClaims(user, environment),
      sst: sessionStart,
      iat,
      exp,
    } as Omit<TollgateClaims, 'iss' | 'aud'>);
    return { token, environment, expiresAt: new Date(exp * 1000) };
  };

  /** `sessionEndsAt` (ms): the family's absolute expiry, which no access token of it outlives. */
  const signAccessToken = async (
    user: UserRecord,
    familyId: string | null,
    sessionEndsAt = Number.POSITIVE_INFINITY,
  ) => {
    const iat = nowSeconds();
    const exp = Math.min(iat + lifetimes.accessToken, Math.floor(sessionEndsAt / 1000));
    const claims = { ...userClaims(user, null), iat, exp, ...(familyId ? { fid: familyId } : {}) };
    const token = await jwt.sign('access', claims as Omit<TollgateClaims, 'iss' | 'aud'>);
    return { token, expiresAt: new Date(exp * 1000), validitySeconds: exp - iat };
  };

  const checkEnvironment = async (user: UserRecord, environment: string | null): Promise<void> => {
    if (environment === null) return;
    if (!user.environments.includes(environment)) throw new TollgateError('environment_not_allowed');
    const catalogue = await fromStore(() => users.listEnvironments());
    if (!catalogue.some((env) => env.id === environment)) throw new TollgateError('environment_not_allowed');
  };

  const activeUser = async (userId: string): Promise<UserRecord> => {
    const user = await fromStore(() => users.findUserById(userId));
    if (!user || user.disabled)
      throw new TollgateError('invalid_token', { message: 'the user no longer exists' });
    return user;
  };

  // Users read for UAT lookups, reused briefly: a user's UATs seen for the first time together cost
  // one directory read, not one each (a round trip on a networked directory). Bounded, FIFO.
  const userTtlMs = Math.min(options.cache?.userTtlMs ?? 5000, opaqueTtlMs);
  const recentUsers = new Map<string, { readonly user: UserRecord; readonly until: number }>();
  const recentActiveUser = async (userId: string, now: number): Promise<UserRecord> => {
    const hit = recentUsers.get(userId);
    if (hit !== undefined && hit.until > now) return hit.user;
    const user = await activeUser(userId);
    if (userTtlMs > 0) {
      recentUsers.delete(userId);
      if (recentUsers.size >= MAX_RECENT_USERS) recentUsers.delete(recentUsers.keys().next().value as string);
      recentUsers.set(userId, { user, until: now + userTtlMs });
    }
    return user;
  };

  const login: Tollgate['login'] = async ({ username, password, clientIp }) => {
    requireString(username, 'username');
    requireString(password, 'password');
    const verify = async () => {
      const found = await fromStore(() => users.verifyPassword(username, password));
      return found && !found.disabled ? found : null;
    };
    const user = loginLimiter ? await loginLimiter.attempt({ username, clientIp }, verify) : await verify();
    if (!user) throw new TollgateError('invalid_credentials');
    return user;
  };

  const requireAdministrator = (caller: Principal): void => {
    if (caller.tokenKind === 'delegated') throw new TollgateError('delegated_token_not_allowed');
    if (caller.tokenKind !== 'access') throw new TollgateError('wrong_token_kind');
    const isAdmin =
      caller.kind === 'administrator' &&
      (caller.roles.includes(ENTERPRISE_ADMIN_ROLE) || caller.roles.includes(DOMAIN_ADMIN_ROLE));
    if (!isAdmin) throw new TollgateError('not_an_administrator');
  };

  const requireInDomain = (caller: Principal, domain: string): void => {
    if (!caller.roles.includes(ENTERPRISE_ADMIN_ROLE) && caller.domain !== domain) {
      throw new TollgateError('outside_domain');
    }
  };

  const verifyPathUserToken = (token: unknown) => {
    requireString(token, 'token', MAX_CREDENTIAL_LENGTH);
    // Decoded like `authenticate` does, so a delegated security token is told apart as a wrong kind.
    const verified = jwt.verify(decodeSecurityToken(token as string), clock.now());
    if (!sourceKinds.path.includes(verified.kind)) throw new TollgateError('wrong_token_kind');
    const sst = verified.claims.sst;
    if (typeof sst !== 'number') throw new TollgateError('invalid_token');
    if (sst + lifetimes.session <= nowSeconds()) throw new TollgateError('session_expired');
    const env = verified.claims.env;
    return { claims: verified.claims, sessionStart: sst, environment: typeof env === 'string' ? env : null };
  };

  const toSummary = (record: UatRecord): UatSummary => ({
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    permissions: record.permissions,
    createdAt: new Date(record.createdAt),
    expiresAt: new Date(record.expiresAt),
    lastUsedAt: record.lastUsedAt === null ? null : new Date(record.lastUsedAt),
    revokedAt: record.revokedAt === null ? null : new Date(record.revokedAt),
  });

  const requireUatManager = (caller: Principal): void => {
    if (caller.tokenKind === 'uat')
      throw new TollgateError('wrong_token_kind', { message: 'a UAT cannot manage UATs' });
    if (caller.tokenKind === 'delegated') throw new TollgateError('delegated_token_not_allowed');
    if (!caller.roles.includes(COMPANY_ADMIN_ROLE)) throw new TollgateError('role_required');
  };

  const issueTokenPair = async (
    user: UserRecord,
    familyId: string,
    refreshToken: string,
    refreshExpiresAt: number,
    sessionEndsAt: number,
  ) => {
    const access = await signAccessToken(user, familyId, sessionEndsAt);
    return {
      customerId: user.customerId,
      token: access.token,
      refreshToken,
      validityTime: access.validitySeconds,
      expiresAt: access.expiresAt,
      refreshTokenExpiresAt: new Date(refreshExpiresAt),
    };
  };

  // A family revocation must outlive every access token issued from the family.
  const familyRevocationExpiry = (now: number) =>
    now + (lifetimes.accessToken + (options.leewaySeconds ?? 0)) * 1000;

  // ---- authenticating ------------------------------------------------------------------------

  const principalFromClaims = (
    kind: JwtKind,
    claims: TollgateClaims,
    source: CredentialSource,
  ): Principal => {
    const { usr, eml, ukd, cid, dom, rol, prm, env } = claims;
    if (
      typeof usr !== 'string' ||
      typeof eml !== 'string' ||
      (ukd !== 'customer' && ukd !== 'administrator') ||
      typeof cid !== 'string' ||
      typeof dom !== 'string' ||
      !isStringArray(rol) ||
      !isStringArray(prm) ||
      (env !== null && typeof env !== 'string')
    ) {
      throw new TollgateError('invalid_token', { message: 'unexpected claims' });
    }
    let actor: Actor | null = null;
    let customData: string | null = null;
    if (kind === 'delegated') {
      const act = claims.act as { sub?: unknown; usr?: unknown } | null | undefined;
      if (!act || typeof act.sub !== 'string' || typeof act.usr !== 'string') {
        throw new TollgateError('invalid_token', { message: 'delegated token without act' });
      }
      actor = Object.freeze({ userId: act.sub, username: act.usr });
      customData = typeof claims.cdt === 'string' ? claims.cdt : null;
    }
    return Object.freeze({
      userId: claims.sub,
      username: usr,
      email: eml,
      kind: ukd,
      customerId: cid,
      domain: dom,
      roles: Object.freeze(rol),
      permissions: Object.freeze(prm),
      environment: env,
      source,
      tokenKind: kind,
      tokenId: claims.jti,
      actor,
      customData,
      expiresAt: claims.exp * 1000,
      data: claims.dat as PrincipalData | undefined,
    });
  };

  /** Tells which kind an opaque or JWT credential claims to be, from its shape alone. */
  const decodeSecurityToken = (token: string): string => {
    // Delegated security tokens travel as base64url of the JWS (CONTRACT.md: a base64url string).
    if (token.includes('.') || !isCanonicalBase64url(token)) return token;
    return Buffer.from(token, 'base64url').toString('latin1');
  };

  const ensureNotRevoked = async (key: string, now: number): Promise<void> => {
    if (!revocations.isFresh(now)) await revocations.sync();
    if (revocations.has(key)) throw new TollgateError('token_revoked');
  };

  const authenticateJwt = async (
    credential: Credential,
    cacheKey: string,
    now: number,
  ): Promise<Principal> => {
    let verified: ReturnType<JwtCodec['verify']>;
    try {
      verified = jwt.verify(decodeSecurityToken(credential.token), now);
    } catch (error) {
      refuse(cacheKey, error);
      throw error;
    }
    if (!sourceKinds[credential.source].includes(verified.kind)) throw new TollgateError('wrong_token_kind');
    const principal = principalFromClaims(verified.kind, verified.claims, credential.source);
    const fid = verified.claims.fid;
    const key = typeof fid === 'string' ? revocationKey('family', fid) : null;
    if (key !== null) await ensureNotRevoked(key, now);
    remember({
      credential: cacheKey,
      principal,
      validUntil: jwt.acceptedUntilMs(verified.claims.exp),
      revocationKey: key,
    });
    return principal;
  };

  const authenticateUat = async (
    credential: Credential,
    cacheKey: string,
    now: number,
  ): Promise<Principal> => {
    if (!sourceKinds[credential.source].includes('uat')) throw new TollgateError('wrong_token_kind');
    // Prefix and checksum first: a mistyped or tampered token costs no lookup.
    if (!isWellFormedUat(credential.token)) {
      const error = new TollgateError('invalid_token');
      refuse(cacheKey, error);
      throw error;
    }
    const record = await fromStore(() => store.findUatByHash(hashOpaqueToken(credential.token)));
    if (!record) throw new TollgateError('invalid_token');
    const key = revocationKey('uat', record.id);
    if (record.revokedAt !== null || revocations.has(key)) throw new TollgateError('token_revoked');
    if (record.expiresAt <= now) throw new TollgateError('token_expired');
    const user = await recentActiveUser(record.userId, now);
    const permissions = record.permissions.filter((permission) => user.permissions.includes(permission));
    const principal: Principal = Object.freeze({
      userId: user.id,
      username: user.username,
      email: user.email,
      kind: user.kind,
      customerId: user.customerId,
      domain: user.domain,
      roles: Object.freeze([...user.roles]),
      permissions: Object.freeze(permissions),
      environment: null,
      source: credential.source,
      tokenKind: 'uat',
      tokenId: record.id,
      actor: null,
      customData: null,
      expiresAt: record.expiresAt,
      data: options.principalData ? options.principalData(user) : undefined,
    });
    await ensureNotRevoked(key, now);
    if (record.lastUsedAt === null || now - record.lastUsedAt >= UAT_TOUCH_INTERVAL_MS) {
      // After the response is on its way: a synchronous driver's durable write (an fsync) must
      // not sit on this request's path.
      if (pendingTouches.size === 0) setImmediate(flushTouches);
      pendingTouches.set(record.id, now);
    }
    remember({
      credential: cacheKey,
      principal,
      validUntil: Math.min(record.expiresAt, now + opaqueTtlMs),
      revocationKey: key,
    });
    return principal;
  };

  /** A cache hit still valid at `now`, or undefined (a stale entry is dropped). */
  const cached = (key: string, now: number): CacheEntry | undefined => {
    const slot = cacheSlot(key);
    const entry = cache.get(slot);
    if (entry === undefined || entry.credential !== key) return undefined;
    if (now < entry.validUntil) return entry;
    cache.delete(slot);
    return undefined;
  };

  const fromCache = async (
    entry: CacheEntry,
    now: number,
    sources: readonly CredentialSource[] | undefined,
  ): Promise<Principal> => {
    if (sources !== undefined && !sources.includes(entry.principal.source)) {
      throw new TollgateError('unsupported_scheme');
    }
    if (entry.revocationKey !== null) await ensureNotRevoked(entry.revocationKey, now);
    return entry.principal;
  };

  // The cache-hit half of `authenticate`, synchronous: adapters answer a hit without a promise.
  const authenticateCached: Tollgate['authenticateCached'] = (request, authOptions) => {
    const authorization = soleAuthorization(request);
    if (authorization === undefined) return undefined;
    const now = clock.now();
    const entry = cached(authorization, now);
    if (entry === undefined) return undefined;
    const sources = authOptions?.sources;
    if (sources !== undefined && !sources.includes(entry.principal.source)) return undefined;
    const key = entry.revocationKey;
    if (key !== null && (!revocations.isFresh(now) || revocations.has(key))) return undefined;
    return entry.principal;
  };

  // The remembered-refusal half of `authenticate`, synchronous, for the same requests as above.
  const cachedRefusal: Tollgate['cachedRefusal'] = (request, authOptions) => {
    const authorization = soleAuthorization(request);
    if (authorization === undefined) return undefined;
    const refusal = refusals.get(authorization);
    if (refusal === undefined) return undefined;
    const sources = authOptions?.sources;
    if (sources !== undefined) {
      // `authenticate` answers a scheme the route does not take with unsupported_scheme first.
      const source = splitAuthorization(authorization)?.source;
      if (source === undefined || !sources.includes(source)) return undefined;
    }
    return withoutStack(() => new TollgateError('invalid_token', { message: refusal }));
  };

  const authenticate: Tollgate['authenticate'] = async (request, authOptions) => {
    const now = clock.now();
    const sources = authOptions?.sources;
    const { authorization, cookie } = request;
    // Common case, one header and no cookie: the header value itself is the cache key, and a
    // hit needs no parsing at all.
    const header =
      typeof authorization === 'string'
        ? authorization
        : authorization?.length === 1
          ? authorization[0]
          : undefined;
    const noCookie = hasNoCookie(cookie);
    if (header !== undefined && noCookie) {
      const hit = cached(header, now);
      if (hit !== undefined) return fromCache(hit, now, sources);
    }
    const credential =
      (header !== undefined && noCookie ? splitAuthorization(header) : null) ??
      extractCredential(request, { cookieName });
    if (credential === null) throw new TollgateError('credentials_missing');
    if (sources !== undefined && !sources.includes(credential.source)) {
      throw new TollgateError('unsupported_scheme');
    }
    let cacheKey: string;
    if (header !== undefined && noCookie) cacheKey = header;
    else {
      // A newline never occurs in a header value, so these keys cannot collide with header keys.
      cacheKey = `\n${credential.source}\n${credential.token}`;
      const hit = cached(cacheKey, now);
      if (hit !== undefined) return fromCache(hit, now, sources);
    }
    const refusal = refusals.get(cacheKey);
    if (refusal !== undefined)
      throw withoutStack(() => new TollgateError('invalid_token', { message: refusal }));
    if (credential.token.startsWith(UAT_PREFIX)) return authenticateUat(credential, cacheKey, now);
    if (credential.token.startsWith(REFRESH_PREFIX)) throw new TollgateError('wrong_token_kind');
    return authenticateJwt(credential, cacheKey, now);
  };

  const authorize: Tollgate['authorize'] = (principal, requirement) => {
    if (requirement.environment && principal.environment === null)
      throw new TollgateError('environment_required');
    if (
      requirement.roles &&
      requirement.roles.length > 0 &&
      !requirement.roles.some((r) => principal.roles.includes(r))
    ) {
      throw new TollgateError('role_required');
    }
    if (requirement.permissions?.some((p) => !principal.permissions.includes(p))) {
      throw new TollgateError('insufficient_permission');
    }
  };

  return {
    options: Object.freeze({ issuer: options.issuer, audience: options.audience, cookieName, lifetimes }),
    login,
    authenticate,
    authenticateCached,
    cachedRefusal,
    authorize,
    jwks: () => options.keys.jwks(),
    close() {
      unsubscribe?.();
      unsubscribe = undefined;
      if (housekeepingTimer) clearInterval(housekeepingTimer);
      flushTouches();
    },

    purgeExpired,

    async loginForUserToken({ environment, ...credentials }) {
      const env = optionalEnvironment(environment);
      const user = await login(credentials);
      if (user.kind === 'administrator') throw new TollgateError('administrator_not_allowed');
      await checkEnvironment(user, env);
      return signUserToken(user, env, nowSeconds());
    },

    async issueUserToken({ caller, username, environment }) {
      requireAdministrator(caller);
      requireString(username, 'username');
      const env = optionalEnvironment(environment);
      const user = await fromStore(() => users.findUserByUsername(username));
      if (!user || user.disabled) throw new TollgateError('unknown_user');
      if (user.kind === 'administrator') throw new TollgateError('administrator_not_allowed');
      requireInDomain(caller, user.domain);
      await checkEnvironment(user, env);
      return signUserToken(user, env, nowSeconds());
    },

    async refreshUserToken({ token, environment }) {
      const presented = verifyPathUserToken(token);
      const requested = optionalEnvironment(environment);
      const user = await activeUser(presented.claims.sub);
      const env = requested ?? presented.environment;
      // Kept environments are checked again: the user may have lost access since.
      await checkEnvironment(user, env);
      return signUserToken(user, env, presented.sessionStart);
    },

    async listEnvironments({ token }) {
      const presented = verifyPathUserToken(token);
      const user = await activeUser(presented.claims.sub);
      const catalogue = await fromStore(() => users.listEnvironments());
      return catalogue.filter((env) => user.environments.includes(env.id));
    },

    async delegate({ adminToken, domain, userIdentity, customData }) {
      requireString(domain, 'domain', 255);
      requireString(userIdentity, 'userIdentity', 320);
      if (
        customData !== undefined &&
        customData !== null &&
        (typeof customData !== 'string' || customData.length > MAX_CUSTOM_DATA_LENGTH)
      ) {
        throw new TollgateError('malformed_request', {
          message: `customData must be a string of at most ${MAX_CUSTOM_DATA_LENGTH} characters`,
        });
      }
      requireString(adminToken, 'token', MAX_CREDENTIAL_LENGTH);
      const caller = await authenticate({ authorization: `Bearer ${adminToken}` }, { sources: ['Bearer'] });
      requireAdministrator(caller);
      requireInDomain(caller, domain);
      const user = await fromStore(() => users.findUserByUsername(userIdentity));
      if (!user || user.disabled || user.domain !== domain) throw new TollgateError('unknown_user');
      if (user.kind === 'administrator') throw new TollgateError('administrator_not_allowed');
      const iat = nowSeconds();
      const exp = iat + lifetimes.delegatedToken;
      const jws = await jwt.sign('delegated', {
        ...userClaims(user, null),
        act: { sub: caller.userId, usr: caller.username },
        cdt: customData ?? null,
        iat,
        exp,
      } as Omit<TollgateClaims, 'iss' | 'aud'>);
      return { token: Buffer.from(jws, 'latin1').toString('base64url'), expiresAt: new Date(exp * 1000) };
    },

    async loginForTokenPair(credentials) {
      const user = await login(credentials);
      const now = clock.now();
      const familyId = randomUUID();
      const absoluteExpiresAt = now + lifetimes.session * 1000;
      const refreshToken = generateRefreshToken();
      const refreshExpiresAt = Math.min(now + lifetimes.refreshToken * 1000, absoluteExpiresAt);
      await fromStore(() =>
        store.createRefreshFamily({
          family: { id: familyId, userId: user.id, createdAt: now, absoluteExpiresAt },
          token: { hash: hashOpaqueToken(refreshToken), issuedAt: now, expiresAt: refreshExpiresAt },
        }),
      );
      return issueTokenPair(user, familyId, refreshToken, refreshExpiresAt, absoluteExpiresAt);
    },

    async refreshTokenPair({ refreshToken }) {
      requireString(refreshToken, 'refreshToken', MAX_CREDENTIAL_LENGTH);
      if (!isWellFormedRefreshToken(refreshToken)) {
        throw new TollgateError(
          refreshToken.startsWith(UAT_PREFIX) || refreshToken.includes('.')
            ? 'wrong_token_kind'
            : 'invalid_token',
        );
      }
      const now = clock.now();
      const next = generateRefreshToken();
      const result = await fromStore(() =>
        store.rotateRefreshToken({
          presentedHash: hashOpaqueToken(refreshToken),
          next: {
            hash: hashOpaqueToken(next),
            issuedAt: now,
            expiresAt: now + lifetimes.refreshToken * 1000,
          },
          now,
          revocationExpiresAt: familyRevocationExpiry(now),
        }),
      );
      switch (result.outcome) {
        case 'not_found':
          throw new TollgateError('invalid_token');
        case 'expired':
          throw new TollgateError('token_expired');
        case 'revoked':
          revocations.add(revocationKey('family', result.family.id), familyRevocationExpiry(now));
          throw new TollgateError('token_revoked');
        case 'reused':
          revoked('family', result.family.id, familyRevocationExpiry(now));
          throw new TollgateError('refresh_token_reused');
        case 'rotated': {
          const user = await activeUser(result.family.userId);
          return issueTokenPair(
            user,
            result.family.id,
            next,
            result.next.expiresAt,
            result.family.absoluteExpiresAt,
          );
        }
      }
    },

    async revokeTokenPair({ refreshToken }) {
      requireString(refreshToken, 'refreshToken', MAX_CREDENTIAL_LENGTH);
      if (!isWellFormedRefreshToken(refreshToken)) return false;
      const now = clock.now();
      const familyId = await fromStore(() =>
        store.revokeRefreshFamilyByToken({
          hash: hashOpaqueToken(refreshToken),
          now,
          revocationExpiresAt: familyRevocationExpiry(now),
        }),
      );
      if (familyId === null) return false;
      revoked('family', familyId, familyRevocationExpiry(now));
      return true;
    },

    async loginForAccessToken(credentials) {
      const user = await login(credentials);
      const { token, expiresAt } = await signAccessToken(user, null);
      return { token, expiresAt };
    },

    async createUat({ caller, name, expiresAt, permissions }) {
      requireUatManager(caller);
      requireString(name, 'name', 200);
      if (
        !isStringArray(permissions) ||
        permissions.length === 0 ||
        new Set(permissions).size !== permissions.length
      ) {
        throw new TollgateError('malformed_request', {
          message: 'permissions must be a non-empty list of distinct strings',
        });
      }
      const expiry = parseExpiry(expiresAt);
      const now = clock.now();
      if (expiry <= now) {
        throw new TollgateError('invalid_expiry', { message: 'The expiry date must be in the future.' });
      }
      if (expiry > now + uatMaxLifetimeMs) {
        throw new TollgateError('invalid_expiry', {
          message: `The expiry date must be at most ${uatMaxLifetimeMs / 86_400_000} days ahead.`,
        });
      }
      const catalogue = await fromStore(() => users.listPermissions());
      const unknown = permissions.find((p) => !catalogue.includes(p));
      if (unknown !== undefined) {
        throw new TollgateError('invalid_permission', { message: `"${unknown}" is not a valid permission.` });
      }
      // The creator's current rights, not the snapshot in its token.
      const creator = await activeUser(caller.userId);
      if (permissions.some((p) => !creator.permissions.includes(p)))
        throw new TollgateError('insufficient_permission');
      const { token, displayPrefix } = generateUat();
      const record: UatRecord = {
        id: randomUUID(),
        userId: creator.id,
        name,
        hash: hashOpaqueToken(token),
        prefix: displayPrefix,
        permissions: [...permissions],
        createdAt: now,
        expiresAt: expiry,
        revokedAt: null,
        lastUsedAt: null,
      };
      await fromStore(() => store.insertUat(record));
      return { ...toSummary(record), token };
    },

    async listUats({ caller }) {
      requireUatManager(caller);
      const records = await fromStore(() => store.listUatsByUser(caller.userId));
      return records.map(toSummary);
    },

    async revokeUat({ caller, id }) {
      requireUatManager(caller);
      requireString(id, 'id', 128);
      const now = clock.now();
      const found = await fromStore(() =>
        store.revokeUat({ id, userId: caller.userId, now, revocationExpiresAt: now + uatMaxLifetimeMs }),
      );
      if (!found) throw new TollgateError('not_found');
      revoked('uat', id, now + uatMaxLifetimeMs);
    },
  };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 instant with an explicit offset, or a Date; anything else is `malformed_request`. */
function parseExpiry(value: Date | string): number {
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'string' && ISO_INSTANT.test(value)
        ? Date.parse(value)
        : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new TollgateError('malformed_request', {
      message: 'expires_at must be an ISO 8601 date-time with an offset',
    });
  }
  return ms;
}
