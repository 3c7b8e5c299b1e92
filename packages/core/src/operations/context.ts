import { type Authenticator, revocationOf, type SourceKinds } from '../authn/authenticate.js';
import type { Revocations } from '../authn/revocations.js';
import type { SessionTouches } from '../authn/session-touches.js';
import type { Clock } from '../clock.js';
import { TollgateError } from '../errors.js';
import type { Lifetimes } from '../options.js';
import type { TokenStore, UserDirectory } from '../ports.js';
import { fromStore } from '../store-errors.js';
import type { PrincipalDataOf } from '../tokens/claims.js';
import type { JwtCodec } from '../tokens/jwt-codec.js';
import type { Uuidv7Source } from '../tokens/uuidv7.js';
import type { UserRecord } from '../types.js';
import type { AuditEmitter } from './audit.js';
import type { PasswordLogin } from './login.js';
import type { RolePolicy } from './policy.js';

/** What every operation may use: the ports, the codec and the rules shared between operations. */
export interface OperationContext {
  readonly clock: Clock;
  readonly lifetimes: Lifetimes;
  readonly leewaySeconds: number;
  readonly store: TokenStore;
  readonly users: UserDirectory;
  readonly codec: JwtCodec;
  /** `client_id` of access tokens (RFC 9068). */
  readonly clientId: string;
  readonly principalData: PrincipalDataOf;
  readonly revocations: Revocations;
  readonly authenticator: Authenticator;
  readonly sourceKinds: SourceKinds;
  /** Longest UAT lifetime, in ms. */
  readonly uatMaxLifetimeMs: number;
  /** A rotated refresh token presented again within this is a retry, not reuse (ms). */
  readonly reuseIntervalMs: number;
  readonly audit: AuditEmitter;
  /** Which roles grant Tollgate's own powers (UAT management, acting for users). */
  readonly roles: RolePolicy;
  readonly touches: SessionTouches;
  /**
   * Session ids, in order, each of a millisecond after this instance's last user revocation: a user
   * revocation refuses sessions created up to its millisecond inclusive, never one created after it.
   */
  readonly sessionIds: Uuidv7Source;
  /** Checks a password (limits applied); the user, or `invalid_credentials`. */
  login(input: PasswordLogin): Promise<UserRecord>;
}

export const nowSeconds = (clock: Clock): number => Math.floor(clock.now() / 1000);

/** The user behind a token, still there and enabled; else the token is `invalid_token`. */
export async function activeUser(users: UserDirectory, userId: string): Promise<UserRecord> {
  const user = await fromStore(() => users.findUserById(userId));
  if (!user || user.disabled)
    throw new TollgateError('invalid_token', { message: 'the user no longer exists' });
  return user;
}

/** An environment the user may use and the catalogue still has; null (none) always passes. */
export async function checkEnvironment(
  users: UserDirectory,
  user: UserRecord,
  environment: string | null,
): Promise<void> {
  if (environment === null) return;
  if (!user.environments.includes(environment)) throw new TollgateError('environment_not_allowed');
  const catalogue = await fromStore(() => users.listEnvironments());
  if (!catalogue.some((env) => env.id === environment)) throw new TollgateError('environment_not_allowed');
}

/** A family revocation must outlive every access token issued from the family. */
export const familyRevocationExpiry = (context: OperationContext, now: number): number =>
  now + (context.lifetimes.accessToken + context.leewaySeconds) * 1000;

/** A UAT revocation must outlive the longest-lived UAT. */
export const uatRevocationExpiry = (context: OperationContext, now: number): number =>
  now + context.uatMaxLifetimeMs;

/** A session or user revocation must outlive every JWT issued before it, whatever its kind. */
export const sessionRevocationExpiry = (context: OperationContext, now: number): number => {
  const { accessToken, userToken, delegatedToken } = context.lifetimes;
  return now + (Math.max(accessToken, userToken, delegatedToken) + context.leewaySeconds) * 1000;
};

/** Where a request came from, as the adapter saw it: recorded on sessions and audit events. */
export interface ClientInfo {
  readonly clientIp?: string | undefined;
  readonly userAgent?: string | undefined;
}

/** At most this much of a user agent is kept. */
export const MAX_USER_AGENT_LENGTH = 512;
export const userAgentOf = (client: ClientInfo): string | null =>
  client.userAgent === undefined ? null : client.userAgent.slice(0, MAX_USER_AGENT_LENGTH);

/**
 * Refuses (`token_revoked`) a verified JWT whose session or user was revoked, from the revocation
 * state (synced first when too stale, `store_unavailable` when it cannot be).
 */
export async function checkNotRevoked(
  context: OperationContext,
  claims: Readonly<Record<string, unknown>>,
  userId: string,
): Promise<void> {
  const state = context.revocations.state;
  if (!state.isFresh(context.clock.now())) await state.sync();
  if (state.refuses(revocationOf(claims, userId))) throw new TollgateError('token_revoked');
}
