import type { UatVerifier } from '../authn/uat-verifier.js';
import { TollgateError } from '../errors.js';
import { principalFromClaims } from '../tokens/claims.js';
import { isWellFormedUat, UAT_PREFIX } from '../tokens/opaque.js';
import { decodeSecurityToken, wrappingRefusal } from '../tokens/security-token.js';
import { uuidv7Time } from '../tokens/uuidv7.js';
import { checkNotRevoked, type OperationContext } from './context.js';

/** Tollgate's kinds of token that introspection can find active. */
export type IntrospectedKind = 'access' | 'user' | 'delegated' | 'uat';

/**
 * An RFC 7662 introspection answer for an active token: the registered members (`active`, `sub`,
 * `iss`, `aud`, `exp`, `iat`, `jti`, `username`, `token_type`, `client_id` for access tokens) and
 * the token's other claims as docs/claims.md names them. For a JWT, every claim it carries.
 */
export interface ActiveIntrospection {
  readonly active: true;
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  /** The user's username (RFC 7662 `username`; the token's `preferred_username`). */
  readonly username: string;
  /** `Bearer` for a JWT, `UAT` for a user authorization token (the `Authorization` scheme it is sent with). */
  readonly token_type: 'Bearer' | 'UAT';
  /** Which of Tollgate's kinds the token is (a Tollgate extension). */
  readonly token_kind: IntrospectedKind;
  readonly entitlements: readonly string[];
  readonly roles: readonly string[];
  readonly client_id?: string;
  readonly sid?: string;
  readonly act?: { readonly sub: string; readonly preferred_username: string };
  readonly [claim: string]: unknown;
}

/** RFC 7662 §2.2: anything not active is only `{"active": false}`, saying nothing of why. */
export type IntrospectionResult = { readonly active: false } | ActiveIntrospection;

const INACTIVE: IntrospectionResult = Object.freeze({ active: false });

export type Introspect = (token: string) => Promise<IntrospectionResult>;

/**
 * `introspect(token)`: whether a token is live now, and what it says. Checks what `authenticate`
 * checks (signature, issuer, each kind's audience, time, session, family, user and UAT revocations,
 * the UAT's user still enabled) whatever the app's `sourceKinds`. Refresh tokens are never active
 * here: they are for the login client alone, not for resource servers. A refusal is `{active:false}`;
 * only a store that cannot be read throws (`store_unavailable`), so that no answer is guessed.
 */
export function createIntrospection(context: OperationContext, uats: UatVerifier): Introspect {
  const { codec, clock } = context;

  const jwt = async (token: string): Promise<IntrospectionResult> => {
    const jws = decodeSecurityToken(token);
    const verified = codec.verify(jws, clock.now());
    if (wrappingRefusal(token, jws, verified.kind) !== null) return INACTIVE;
    const principal = principalFromClaims(verified.kind, verified.claims, 'Bearer');
    if (principal === null) return INACTIVE;
    await checkNotRevoked(context, verified.claims, principal.userId);
    return {
      ...verified.claims,
      active: true,
      username: principal.username,
      token_type: 'Bearer',
      token_kind: verified.kind,
      entitlements: principal.permissions,
      roles: principal.roles,
    };
  };

  const uat = async (token: string): Promise<IntrospectionResult> => {
    if (!isWellFormedUat(token)) return INACTIVE;
    const now = clock.now();
    const { principal } = await uats.verify(token, 'UAT', now);
    return {
      active: true,
      iss: codec.issuer,
      sub: principal.userId,
      aud: codec.audiences.access,
      exp: Math.floor(principal.expiresAt / 1000),
      iat: Math.floor((uuidv7Time(principal.tokenId) ?? now) / 1000),
      jti: principal.tokenId,
      username: principal.username,
      token_type: 'UAT',
      token_kind: 'uat',
      preferred_username: principal.username,
      email: principal.email,
      user_kind: principal.kind,
      customer_id: principal.customerId,
      domain: principal.domain,
      roles: principal.roles,
      // The UAT's own permissions, within its user's current ones.
      entitlements: principal.permissions,
      ...(principal.data === undefined ? {} : { app_data: principal.data }),
    };
  };

  return async (token) => {
    try {
      return token.startsWith(UAT_PREFIX) ? await uat(token) : await jwt(token);
    } catch (error) {
      // Refusals (401s: bad, expired, revoked, wrong kind) are "not active"; a store that cannot be
      // read is not an answer.
      if (error instanceof TollgateError && error.status === 401) return INACTIVE;
      throw error;
    }
  };
}
