import { randomUUID } from 'node:crypto';
import type { UatRecord } from '../ports.js';
import type { Actor, CredentialSource, JwtKind, Principal, PrincipalData, UserRecord } from '../types.js';
import type { TollgateClaims } from './jwt-codec.js';

/** Computes the app's data of a principal from its user (the `principalData` option). */
export type PrincipalDataOf = ((user: UserRecord) => PrincipalData) | undefined;

/** The claims every user-bearing JWT carries: who the user is and their rights at issuance. */
export function userClaims(
  user: UserRecord,
  environment: string | null,
  principalData: PrincipalDataOf,
): Record<string, unknown> {
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
  if (principalData) claims.dat = principalData(user);
  return claims;
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** The RFC 8693 `act` claim naming the administrator who acts for the token's user. */
export function actClaim(actor: Actor): { sub: string; usr: string } {
  return { sub: actor.userId, usr: actor.username };
}

/**
 * The actor a JWT's `act` claim names: null when the claim is absent, undefined when it is there
 * but not the one Tollgate writes (such a token is refused, never read as first-hand).
 */
export function actorFromClaims(claims: Readonly<Record<string, unknown>>): Actor | null | undefined {
  const act = claims.act as { sub?: unknown; usr?: unknown } | null | undefined;
  if (act === undefined) return null;
  if (act === null || typeof act !== 'object' || typeof act.sub !== 'string' || typeof act.usr !== 'string') {
    return undefined;
  }
  return Object.freeze({ userId: act.sub, username: act.usr });
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
    return null;
  }
  // A delegated token always names its actor; a user token does when an administrator issued it. Any
  // JWT that names one is read as acting for its user, whatever its kind, so it can never mint.
  const actor = actorFromClaims(claims);
  if (actor === undefined || (kind === 'delegated' && actor === null)) return null;
  const customData = kind === 'delegated' && typeof claims.cdt === 'string' ? claims.cdt : null;
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
    sessionId: typeof claims.sid === 'string' ? claims.sid : null,
    actor,
    customData,
    expiresAt: claims.exp * 1000,
    data: claims.dat as PrincipalData | undefined,
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
