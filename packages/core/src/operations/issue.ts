import { actClaim, userClaims } from '../tokens/claims.js';
import type { TollgateClaims } from '../tokens/jwt-codec.js';
import type { Actor, UserRecord } from '../types.js';
import { nowSeconds, type OperationContext } from './context.js';

type SignedClaims = Omit<TollgateClaims, 'iss' | 'aud'>;

/**
 * Scheme A's user token: bound to an environment (or none), never outliving its session. One an
 * administrator issued names it as `actor` (RFC 8693 `act`), and so does every refresh of it.
 */
export async function signUserToken(
  context: OperationContext,
  user: UserRecord,
  environment: string | null,
  sessionStart: number,
  sessionId: string,
  actor: Actor | null = null,
): Promise<{ token: string; environment: string | null; expiresAt: Date }> {
  const iat = nowSeconds(context.clock);
  const exp = Math.min(iat + context.lifetimes.userToken, sessionStart + context.lifetimes.session);
  const claims = {
    ...userClaims(user, environment, context.principalData),
    ...(actor ? { act: actClaim(actor) } : {}),
    sid: sessionId,
    // OIDC's `auth_time`: when the login that started the chain happened; no refresh outlives it by
    // more than the session lifetime.
    auth_time: sessionStart,
    iat,
    exp,
  };
  const token = await context.codec.sign('user', claims as SignedClaims);
  return { token, environment, expiresAt: new Date(exp * 1000) };
}

/**
 * An access token (token pair, JWT login) of the session `sessionId` (for a token pair, its refresh
 * family's id), whose revocation refuses it; `sessionEndsAt` (ms) is the session's absolute expiry,
 * which it never outlives.
 */
export async function signAccessToken(
  context: OperationContext,
  user: UserRecord,
  sessionId: string,
  sessionEndsAt = Number.POSITIVE_INFINITY,
): Promise<{ token: string; expiresAt: Date; validitySeconds: number }> {
  const iat = nowSeconds(context.clock);
  const exp = Math.min(iat + context.lifetimes.accessToken, Math.floor(sessionEndsAt / 1000));
  const claims = {
    ...userClaims(user, null, context.principalData),
    client_id: context.clientId, // RFC 9068 §2.2
    sid: sessionId,
    iat,
    exp,
  };
  const token = await context.codec.sign('access', claims as SignedClaims);
  return { token, expiresAt: new Date(exp * 1000), validitySeconds: exp - iat };
}

/** Scheme B's delegated token, naming the acting administrator (RFC 8693 `act`). */
export async function signDelegatedToken(
  context: OperationContext,
  user: UserRecord,
  actor: Actor,
  customData: string | null,
  sessionId: string,
  exp: number,
): Promise<{ jws: string; expiresAt: Date }> {
  const iat = nowSeconds(context.clock);
  const claims = {
    ...userClaims(user, null, context.principalData),
    act: actClaim(actor),
    sid: sessionId,
    custom_data: customData,
    iat,
    exp,
  };
  const jws = await context.codec.sign('delegated', claims as SignedClaims);
  return { jws, expiresAt: new Date(exp * 1000) };
}
