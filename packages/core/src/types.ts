/** The kinds of token Tollgate issues; each has its own marker and none can stand in for another. */
export type TokenKind = 'access' | 'user' | 'delegated' | 'refresh' | 'uat';
/** The token kinds that are signed JWTs. */
export type JwtKind = 'access' | 'user' | 'delegated';

/**
 * Where a credential came from: an `Authorization` scheme, the session cookie,
 * or a path segment (the user-token refresh and environments URLs).
 */
export type CredentialSource = 'Bearer' | 'JWT' | 'UAT' | 'cookie' | 'path';

export interface Environment {
  readonly id: string;
  readonly name: string;
}

/** Platform administrators versus customer-associated users. */
export type UserKind = 'customer' | 'administrator';

export interface UserRecord {
  readonly id: string;
  /** The login name (an email address in the demo data). */
  readonly username: string;
  readonly email: string;
  readonly kind: UserKind;
  /** The organisation the user belongs to. */
  readonly customerId: string;
  /** The organisation's domain (administrators of kind `domain_admin` act within it). */
  readonly domain: string;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  /** Ids of the environments the user may use. */
  readonly environments: readonly string[];
  readonly disabled: boolean;
}

/** Who acted on a user's behalf (RFC 8693 `act`). */
export interface Actor {
  readonly userId: string;
  readonly username: string;
}

/**
 * Apps attach their own typed data to every principal by declaration merging:
 *
 * ```ts
 * declare module '@tollgate/core' {
 *   interface TollgateRegister { principalData: { plan: 'free' | 'pro' } }
 * }
 * ```
 * and the `principalData` option of `createTollgate` computes it from the user.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the app through declaration merging
export interface TollgateRegister {}

export type PrincipalData = TollgateRegister extends { principalData: infer T } ? T : unknown;

/** Who is calling, through which credential, with which effective rights. Immutable. */
export interface Principal {
  readonly userId: string;
  readonly username: string;
  readonly email: string;
  readonly kind: UserKind;
  readonly customerId: string;
  readonly domain: string;
  readonly roles: readonly string[];
  /** Effective permissions: for a UAT, its own permissions intersected with the user's current ones. */
  readonly permissions: readonly string[];
  /** The environment the token is bound to, or null (a temporary user token, an access token). */
  readonly environment: string | null;
  readonly source: CredentialSource;
  readonly tokenKind: TokenKind;
  /** The token's id (`jti` of a JWT, id of a UAT). */
  readonly tokenId: string;
  /** The session the token belongs to (`sid`); null for a UAT and for tokens from before sessions. */
  readonly sessionId: string | null;
  /**
   * The administrator acting for the user (RFC 8693 `act`): on a delegated token, and on a user token
   * an administrator issued (and its refreshes). Such a token cannot mint credentials.
   */
  readonly actor: Actor | null;
  readonly customData: string | null;
  /** When the credential stops being valid, in ms since the epoch. */
  readonly expiresAt: number;
  readonly data: PrincipalData | undefined;
}

/** A credential taken from a request, before it is verified. */
export interface Credential {
  readonly source: CredentialSource;
  readonly token: string;
}

/** What a route requires of a principal. */
export interface Requirement {
  /** Every one of these permissions. */
  readonly permissions?: readonly string[];
  /** At least one of these roles. */
  readonly roles?: readonly string[];
  /** A token bound to an environment. */
  readonly environment?: boolean;
}
