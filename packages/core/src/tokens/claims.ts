import { randomUUID } from 'node:crypto';
import type { UatRecord } from '../ports.js';
import type { Actor, CredentialSource, JwtKind, Principal, PrincipalData, UserRecord } from '../types.js';
import type { TollgateClaims } from './jwt-codec.js';

/** Computes the app's data of a principal from its user (the `principalData` option). */
export type PrincipalDataOf = ((user: UserRecord) => PrincipalData) | undefined;

/**
 * The claims every user-bearing JWT carries: who the user is and their rights at issuance. Registered
 * names where one exists (OIDC `preferred_username` and `email`, RFC 9068 `roles` and `entitlements`),
 * plain ones for Tollgate's own; the table is docs/claims.md.
 */
export function userClaims(
  user: UserRecord,
  environment: string | null,
  principalData: PrincipalDataOf,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: user.id,
    jti: randomUUID(),
    preferred_username: user.username,
    email: user.email,
    user_kind: user.kind,
    customer_id: user.customerId,
    domain: user.domain,
    roles: user.roles,
    // The user's permissions are entitlements (RFC 9068 §2.2.3.1, SCIM): rights of the user, not
    // scopes a client was granted; an array, so no permission name is split on a space.
    entitlements: user.permissions,
    environment,
  };
  if (principalData) claims.app_data = principalData(user);
  return claims;
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** The RFC 8693 `act` claim naming the administrator who acts for the token's user. */
export function actClaim(actor: Actor): { sub: string; preferred_username: string } {
  return { sub: actor.userId, preferred_username: actor.username };
}

/**
 * The actor a JWT's `act` claim names: null when the claim is absent, undefined when it is there
 * but not the one Tollgate writes (such a token is refused, never read as first-hand).
 */
export function actorFromClaims(claims: Readonly<Record<string, unknown>>): Actor | null | undefined {
  const act = claims.act as { sub?: unknown; preferred_username?: unknown } | null | undefined;
  if (act === undefined) return null;
  if (
    act === null ||
    typeof act !== 'object' ||
    typeof act.sub !== 'string' ||
    typeof act.preferred_username !== 'string'
  ) {
    return undefined;
  }
  return Object.freeze({ userId: act.sub, username: act.preferred_username });
}

/**
 * The principal of a verified JWT, or null when its claims are not the ones Tollgate issues
 * (only possible for a token signed by a key Tollgate trusts but did not sign with itself).
 */
export function principalFromClaims(
  kind: JwtKind,
  claims: TollgateClaims,
  source: CredentialSource,
): Principal | null {
  const {
    preferred_username: username,
    email,
    user_kind: userKind,
    customer_id: customerId,
    domain,
    roles,
    entitlements,
    environment,
  } = claims;
  if (
    typeof username !== 'string' ||
    typeof email !== 'string' ||
    (userKind !== 'customer' && userKind !== 'administrator') ||
    typeof customerId !== 'string' ||
    typeof domain !== 'string' ||
    !isStringArray(roles) ||
    !isStringArray(entitlements) ||
    (environment !== null && typeof environment !== 'string')
  ) {
    return null;
  }
  // A delegated token always names its actor; a user token does when an administrator issued it. Any
  // JWT that names one is read as acting for its user, whatever its kind, so it can never mint.
  const actor = actorFromClaims(claims);
  if (actor === undefined || (kind === 'delegated' && actor === null)) return null;
  const customData =
    kind === 'delegated' && typeof claims.custom_data === 'string' ? claims.custom_data : null;
  return Object.freeze({
    userId: claims.sub,
    username,
    email,
    kind: userKind,
    customerId,
    domain,
    roles: Object.freeze(roles),
    permissions: Object.freeze(entitlements),
    environment,
    source,
    tokenKind: kind,
    tokenId: claims.jti,
    sessionId: typeof claims.sid === 'string' ? claims.sid : null,
    actor,
    customData,
    expiresAt: claims.exp * 1000,
    data: claims.app_data as PrincipalData | undefined,
  });
}

/** The principal of a UAT: its user's identity, its own permissions within the user's current ones. */
export function principalFromUat(
  record: UatRecord,
  user: UserRecord,
  source: CredentialSource,
  principalData: PrincipalDataOf,
): Principal {
  return Object.freeze({
    userId: user.id,
    username: user.username,
    email: user.email,
    kind: user.kind,
    customerId: user.customerId,
    domain: user.domain,
    roles: Object.freeze([...user.roles]),
    permissions: Object.freeze(
      record.permissions.filter((permission) => user.permissions.includes(permission)),
    ),
    environment: null,
    source,
    tokenKind: 'uat',
    tokenId: record.id,
    sessionId: null,
    actor: null,
    customData: null,
    expiresAt: record.expiresAt,
    data: principalData ? principalData(user) : undefined,
  });
}
