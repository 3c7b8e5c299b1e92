import type { Authenticator, SourceKinds } from '../authn/authenticate.js';
import type { Revocations } from '../authn/revocations.js';
import type { Clock } from '../clock.js';
import { TollgateError } from '../errors.js';
import type { Lifetimes } from '../options.js';
import type { TokenStore, UserDirectory } from '../ports.js';
import { fromStore } from '../store-errors.js';
import type { PrincipalDataOf } from '../tokens/claims.js';
import type { JwtCodec } from '../tokens/jwt-codec.js';
import type { UserRecord } from '../types.js';
import type { PasswordLogin } from './login.js';

/** What every operation may use: the ports, the codec and the rules shared between operations. */
export interface OperationContext {
  readonly clock: Clock;
  readonly lifetimes: Lifetimes;
  readonly leewaySeconds: number;
  readonly store: TokenStore;
  readonly users: UserDirectory;
  readonly codec: JwtCodec;
  readonly principalData: PrincipalDataOf;
  readonly revocations: Revocations;
  readonly authenticator: Authenticator;
  readonly sourceKinds: SourceKinds;
  /** Longest UAT lifetime, in ms. */
  readonly uatMaxLifetimeMs: number;
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
