import type { SourceKinds } from './authn/authenticate.js';
import type { RevocationSyncOptions } from './authn/revocation-state.js';
import type { Clock } from './clock.js';
import type { TollgateLogger } from './logger.js';
import type { PasswordHashingOptions } from './operations/hashing-gate.js';
import type { LoginLimitsOptions } from './operations/login-limits.js';
import type { RolePolicy } from './operations/policy.js';
import type { AuditSink, RevocationChannel, TokenStore, UserDirectory } from './ports.js';
import type { KeySet } from './tokens/keys.js';
import type { PrincipalData, UserRecord } from './types.js';

/** Token lifetimes, in seconds. */
export interface Lifetimes {
  /** Access tokens (token pair, JWT login). Default 3600. */
  readonly accessToken: number;
  /** User tokens (scheme A). Default 3600. */
  readonly userToken: number;
  /** Delegated security tokens, and so delegated sessions: their maximum lifetime. Default 3600 (1 h). */
  readonly delegatedToken: number;
  /** Each refresh token. Default 1209600 (14 days). */
  readonly refreshToken: number;
  /** Absolute lifetime of a login: no chain of refreshes outlives it. Default 2592000 (30 days). */
  readonly session: number;
}

export const DEFAULT_LIFETIMES: Lifetimes = Object.freeze({
  accessToken: 3600,
  userToken: 3600,
  delegatedToken: 3600,
  refreshToken: 14 * 86400,
  session: 30 * 86400,
});

export interface TollgateOptions {
  /**
   * `iss` of every token; checked on every token. Best an `https://` URL where the `oauth` HTTP
   * profile is served: its metadata document is at `<issuer>/.well-known/oauth-authorization-server`.
   */
  readonly issuer: string;
  /**
   * `aud` of access tokens (token pair, JWT login): the value resource servers pin. User and delegated
   * tokens carry audiences of their own (`audiences`), so a verifier pinning this one refuses them.
   */
  readonly audience: string;
  /**
   * `aud` of user tokens (default `<audience>:user-token`) and of delegated tokens (default
   * `<audience>:delegated-token`). The three audiences must differ; each kind is verified against its own.
   */
  readonly audiences?: { readonly user?: string; readonly delegated?: string };
  /**
   * `client_id` of access tokens (RFC 9068 §2.2): the client that logged the user in, here Tollgate's
   * own login endpoints. Default `tollgate`.
   */
  readonly clientId?: string;
  readonly keys: KeySet;
  readonly store: TokenStore;
  readonly users: UserDirectory;
  readonly clock?: Clock;
  readonly lifetimes?: Partial<Lifetimes>;
  /**
   * A rotated refresh token presented again within this many seconds of its rotation (two tabs
   * refreshing together, a retry after a lost response) gets a new pair instead of revoking its
   * family; the family keeps exactly one live refresh token. After it, reuse revokes the family.
   * Default 10; 0 turns it off.
   */
  readonly refreshReuseIntervalSeconds?: number;
  /**
   * Where audit events go (logins, issuance, refreshes, reuse, revocations, delegations, UATs, user
   * changes, rate limits): no password and no token value in any. A sink that is an `AuditLog`
   * (`openSqliteStore(...).audit`, `openPostgresStore(...).audit`) also serves the administrators'
   * audit route. Sinks are called after the fact and never awaited by a request.
   */
  readonly audit?: AuditSink | readonly AuditSink[];
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
   * The cap on concurrent password checks (hashes), with a short queue; past it, logins are refused
   * at once with `login_overloaded` (503 + `Retry-After`). Default: as many at once as there are
   * cores (at most 4), 8 waiting, Retry-After 2 s. `false` turns it off.
   */
  readonly passwordHashing?: PasswordHashingOptions | false;
  /**
   * Deletes expired refresh tokens, families, UATs and revocations in the background, in bounded
   * batches (`TokenStore.purgeExpired`). Default: every 10 minutes, 500 rows a batch. `false`: never
   * (call `purgeExpired()` from your own scheduler). Safe to run on every instance at once.
   */
  readonly housekeeping?: { readonly intervalMs?: number; readonly batchSize?: number } | false;
  /**
   * Which of a user's roles grant Tollgate's own powers; a user with any one role of a list has it.
   * Each list given replaces its default: `uatManager` (customer users who manage their UATs, default
   * `['company_admin']`), `enterpriseAdmin` (administrators who act for users of every domain, default
   * `['enterprise_admin']`), `domainAdmin` (administrators who act within their own domain, default
   * `['domain_admin']`). Checked at creation: one or more non-empty names each, no role in both
   * administrator lists.
   */
  readonly roles?: Partial<RolePolicy>;
  /** Computes the app's data of a principal from its user (see `TollgateRegister`). */
  readonly principalData?: (user: UserRecord) => PrincipalData;
  /**
   * Failures of background work (revocation sync and publish, housekeeping, UAT and session last-used
   * updates, audit sinks). Never given a token. Default: a `warn` line on `logger` naming the task,
   * the error redacted; giving this replaces that line.
   */
  readonly onBackgroundError?: (error: unknown) => void;
  /**
   * Where failures no caller sees are logged: background work (unless `onBackgroundError` is given) and,
   * by default, the HTTP layer's unexpected 500s. pino-compatible (`error`/`warn`/`info(obj, msg)`):
   * pass your app's pino logger. Default: JSON lines on stderr (`console.error`). Entries carry the
   * error's type, code, message and stack with token-shaped words and secret-named fields redacted.
   */
  readonly logger?: TollgateLogger;
}
