import {
  type AuthenticateOptions,
  type AuthResult,
  createAuthenticator,
  DEFAULT_SOURCE_KINDS,
  type SourceKinds,
} from './authn/authenticate.js';
import { authorize } from './authn/authorize.js';
import { CredentialCache } from './authn/credential-cache.js';
import { createRevocations } from './authn/revocations.js';
import { createSessionTouches } from './authn/session-touches.js';
import { createUatVerifier } from './authn/uat-verifier.js';
import { systemClock } from './clock.js';
import { MAX_CREDENTIAL_LENGTH } from './credentials/authorization.js';
import type { RequestCredentials } from './credentials/request.js';
import { backgroundReporter, consoleLogger, type TollgateLogger } from './logger.js';
import { type AccessTokenOperations, createAccessTokenOperations } from './operations/access-tokens.js';
import { type AdminOperations, createAdminOperations } from './operations/admin.js';
import { createAuditEmitter } from './operations/audit.js';
import type { OperationContext } from './operations/context.js';
import {
  createDelegatedLoginOperations,
  type DelegatedLoginOperations,
} from './operations/delegated-login.js';
import { createHashingGate } from './operations/hashing-gate.js';
import { createHousekeeping } from './operations/housekeeping.js';
import { createIntrospection, type IntrospectionResult } from './operations/introspect.js';
import { createPasswordLogin, type PasswordLogin } from './operations/login.js';
import { createLoginLimiter } from './operations/login-limits.js';
import { type RolePolicy, resolveRolePolicy } from './operations/policy.js';
import { createSessionOperations, type SessionOperations } from './operations/sessions.js';
import { createTokenPairOperations, type TokenPairOperations } from './operations/token-pair.js';
import { createUatOperations, type UatOperations } from './operations/uats.js';
import { createUserTokenOperations, type UserTokenOperations } from './operations/user-tokens.js';
import { createUserLifecycleOperations, type UserLifecycleOperations } from './operations/users.js';
import { DEFAULT_LIFETIMES, type Lifetimes, type TollgateOptions } from './options.js';
import type { AuditLog, AuditSink } from './ports.js';
import { JwtCodec, type TokenAudiences } from './tokens/jwt-codec.js';
import type { KeySet } from './tokens/keys.js';
import { createUuidv7Source } from './tokens/uuidv7.js';
import type { Principal, Requirement, UserRecord } from './types.js';

/** A Tollgate: every operation of the four schemes, grouped by what it is about. */
export interface Tollgate {
  /**
   * Credentials to principal, the hot path: synchronous when the answer is known (a JWT, a
   * credential seen before), a promise only when the store must be read. A refusal is a value.
   */
  authenticate(request: RequestCredentials, options?: AuthenticateOptions): AuthResult | Promise<AuthResult>;
  /** `authenticate`, awaited: the principal, or the refusal thrown as a `TollgateError`. */
  requirePrincipal(request: RequestCredentials, options?: AuthenticateOptions): Promise<Principal>;
  /** Throws `insufficient_permission`, `role_required` or `environment_required`. */
  authorize(principal: Principal, requirement: Requirement): void;
  /** Checks a username and password. `invalid_credentials` alike for an unknown user and a wrong password. */
  login(input: PasswordLogin): Promise<UserRecord>;
  /** Scheme A: user tokens with environments. */
  readonly userTokens: UserTokenOperations;
  /** Scheme B: admin-delegated login. */
  readonly delegatedLogin: DelegatedLoginOperations;
  /** Scheme C: the token pair. */
  readonly tokenPair: TokenPairOperations;
  /** Scheme D: the JWT login. */
  readonly accessTokens: AccessTokenOperations;
  /** Scheme D: user authorization tokens. */
  readonly uats: UatOperations;
  /** The signed-in user's sessions: list, end one, end the others, end all. */
  readonly sessions: SessionOperations;
  /** What administrators do to users within their reach: sessions, UATs, disable and enable, audit. */
  readonly admin: AdminOperations;
  /** The user lifecycle, for the operator (no caller checked): create, set password, disable, enable. */
  readonly users: UserLifecycleOperations;
  /**
   * RFC 7662 token introspection: `{active:false}` for anything not live now (invalid, expired,
   * revoked, a refresh token), else `active: true` with the token's claims. For resource servers that
   * must see a logout at once (a JWT's signature alone stays good until it expires).
   */
  introspect(token: string): Promise<IntrospectionResult>;
  /** The public signing keys, for `/.well-known/jwks.json`. */
  jwks(): ReturnType<KeySet['jwks']>;
  /** Deletes expired rows now, batch after batch (at most 100 batches); returns how many. */
  purgeExpired(): Promise<number>;
  /**
   * Stops listening on the revocation channel and writes pending UAT last-used times. The store,
   * directory and channel stay open: they belong to the caller.
   */
  close(): void;
  readonly options: {
    readonly issuer: string;
    /** `aud` of access tokens. */
    readonly audience: string;
    /** `aud` of each JWT kind (`access` is `audience`). */
    readonly audiences: TokenAudiences;
    /** `client_id` of access tokens. */
    readonly clientId: string;
    readonly cookieName: string;
    readonly lifetimes: Lifetimes;
    readonly refreshReuseIntervalSeconds: number;
    /** Which roles grant Tollgate's own powers (`options.roles` over the defaults). */
    readonly roles: RolePolicy;
    /** Where failures no caller sees are logged (`options.logger`, default stderr); the HTTP layer's default too. */
    readonly logger: TollgateLogger;
  };
}

const isAuditLog = (sink: AuditSink): sink is AuditLog =>
  typeof (sink as Partial<AuditLog>).query === 'function' &&
  typeof (sink as Partial<AuditLog>).purgeExpired === 'function';

/** Wires the capability modules together; every rule lives in them. */
export function createTollgate(options: TollgateOptions): Tollgate {
  const clock = options.clock ?? systemClock;
  const lifetimes: Lifetimes = Object.freeze({ ...DEFAULT_LIFETIMES, ...options.lifetimes });
  const sourceKinds: SourceKinds = { ...DEFAULT_SOURCE_KINDS, ...options.sourceKinds };
  const cookieName = options.cookieName ?? 'tollgate_session';
  const leewaySeconds = options.leewaySeconds ?? 0;
  const logger = options.logger ?? consoleLogger;
  const reportFailure = backgroundReporter(logger, options.onBackgroundError);
  const { store, users, principalData } = options;
  const roles = resolveRolePolicy(options.roles);
  const reuseIntervalSeconds = options.refreshReuseIntervalSeconds ?? 10;
  if (!Number.isFinite(reuseIntervalSeconds) || reuseIntervalSeconds < 0) {
    throw new TypeError('refreshReuseIntervalSeconds must be a number of seconds, at least 0');
  }
  const auditSinks: readonly AuditSink[] =
    options.audit === undefined
      ? []
      : Array.isArray(options.audit)
        ? options.audit
        : [options.audit as AuditSink];
  const audit = createAuditEmitter(auditSinks, clock, reportFailure('audit-sink'));
  const auditLog = auditSinks.find(isAuditLog) ?? null;
  const touches = createSessionTouches(store, reportFailure('last-used-update'));

  const codec = new JwtCodec({
    keys: options.keys,
    issuer: options.issuer,
    audience: options.audience,
    audiences: options.audiences,
    leewaySeconds,
    maxTokenLength: MAX_CREDENTIAL_LENGTH,
  });
  const clientId = options.clientId ?? 'tollgate';
  if (clientId === '') throw new TypeError('clientId must not be empty');
  const revocations = createRevocations({
    store,
    clock,
    sync: {
      syncIntervalMs: options.revocations?.syncIntervalMs ?? 1000,
      maxStalenessMs: options.revocations?.maxStalenessMs ?? 10_000,
    },
    channel: options.revocationChannel,
    onBackgroundError: reportFailure('revocations'),
  });
  const uatVerifier = createUatVerifier({
    store,
    users,
    revocations: revocations.state,
    principalData,
    opaqueTtlMs: options.cache?.opaqueTtlMs ?? 60_000,
    userTtlMs: options.cache?.userTtlMs ?? 5000,
    onBackgroundError: reportFailure('last-used-update'),
  });
  const credentialCache = new CredentialCache({
    maxEntries: options.cache?.maxEntries ?? 10_000,
    maxRefusals: 1024,
  });
  // A key set that changes (a rotation, a dropped key): what was cached under the old keys goes.
  const unsubscribeKeys = options.keys.subscribe?.(() => {
    codec.forgetKeys();
    credentialCache.clear();
  });
  const authenticator = createAuthenticator({
    clock,
    codec,
    cache: credentialCache,
    revocations: revocations.state,
    uats: uatVerifier,
    sourceKinds,
    cookieName,
    touches,
  });
  const login = createPasswordLogin(
    users,
    options.loginLimits === false ? null : createLoginLimiter(options.loginLimits),
    options.passwordHashing === false ? null : createHashingGate(options.passwordHashing),
    audit,
  );
  const context: OperationContext = {
    clock,
    lifetimes,
    leewaySeconds,
    store,
    users,
    codec,
    clientId,
    principalData,
    revocations,
    authenticator,
    sourceKinds,
    uatMaxLifetimeMs: (options.uatMaxLifetimeDays ?? 365) * 86_400_000,
    reuseIntervalMs: reuseIntervalSeconds * 1000,
    audit,
    roles,
    touches,
    sessionIds: createUuidv7Source(),
    login,
  };
  const housekeeping = createHousekeeping({
    store,
    auditLog,
    clock,
    batchSize: (options.housekeeping ? options.housekeeping.batchSize : undefined) ?? 500,
    intervalMs: options.housekeeping === false ? false : (options.housekeeping?.intervalMs ?? 600_000),
    onBackgroundError: reportFailure('housekeeping'),
  });

  return {
    options: Object.freeze({
      issuer: options.issuer,
      audience: options.audience,
      audiences: codec.audiences,
      clientId,
      cookieName,
      lifetimes,
      refreshReuseIntervalSeconds: reuseIntervalSeconds,
      roles,
      logger,
    }),
    authenticate: authenticator.authenticate,
    async requirePrincipal(request, authOptions) {
      const result = await authenticator.authenticate(request, authOptions);
      if (!result.ok) throw result.error;
      return result.principal;
    },
    authorize,
    login,
    userTokens: createUserTokenOperations(context),
    delegatedLogin: createDelegatedLoginOperations(context),
    tokenPair: createTokenPairOperations(context),
    accessTokens: createAccessTokenOperations(context),
    uats: createUatOperations(context),
    sessions: createSessionOperations(context),
    admin: createAdminOperations(context, auditLog),
    users: createUserLifecycleOperations(context),
    introspect: createIntrospection(context, uatVerifier),
    jwks: () => options.keys.jwks(),
    purgeExpired: housekeeping.purgeExpired,
    close() {
      unsubscribeKeys?.();
      revocations.close();
      housekeeping.stop();
      uatVerifier.flush();
      touches.flush();
    },
  };
}
