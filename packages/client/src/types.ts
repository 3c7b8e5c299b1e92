/** Response bodies, as docs/http-profiles.md gives them (and `ROUTES[…].reads` checks). */

/** Scheme A: `POST /Authentication`, `GET /Authentication/UserToken`, `GET /Authentication/refresh/{token}`. */
export interface UserTokenResponse {
  readonly token: string;
  readonly environment: string | null;
  readonly expiresAt: string;
}

/** Scheme A: an element of `GET /Authentication/token/{token}/Environments`. */
export interface Environment {
  readonly id: string;
  readonly name: string;
}

/** Scheme A: `GET /Environment/current`. */
export interface CurrentEnvironment {
  readonly environment: string;
  /** The username. */
  readonly user: string;
}

/** Scheme C: an element of the envelope's `content`. */
export interface TokenPair {
  readonly customerId: string;
  readonly token: string;
  readonly refreshToken: string;
  /** Seconds. */
  readonly validityTime: number;
}

/** Scheme C: the success envelope of `/api/v2/auth/token` and `/api/v2/auth/token/refresh`. */
export interface TokenPairEnvelope {
  readonly errorCode: '';
  readonly errorMessage: '';
  readonly content: readonly TokenPair[];
  readonly pageable: {
    readonly page: number;
    readonly size: number;
    readonly totalPages: number;
    readonly totalElements: number;
  };
}

/** Scheme D: `GET /api/v2/me/`. */
export interface Me {
  readonly id: string;
  readonly email: string;
  readonly customerId: string;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  readonly environment: string | null;
  readonly authenticatedBy: 'JWT' | 'UAT' | 'Bearer' | 'cookie';
  /** The administrator acting, for a delegated login. */
  readonly actor: { readonly id: string; readonly username: string } | null;
  readonly customData: string | null;
}

/** Scheme D: `POST /api/v2/me/tokens/` (201); `token` is shown only here. */
export interface CreatedUat {
  readonly id: string;
  readonly name: string;
  readonly token: string;
  readonly prefix: string;
  readonly expires_at: string;
  readonly permissions: readonly string[];
  readonly created_at: string;
}

/** Scheme D: an element of `GET /api/v2/me/tokens/` (newest first, revoked ones included). */
export interface UatSummary {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly expires_at: string;
  readonly permissions: readonly string[];
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
}

// --- The `sessions` profile (opt-in on the server) ---------------------------------------------

/** How a session was started: a JWT login, a user token login, a token pair, a delegated login. */
export type SessionKind = 'jwt_login' | 'user_token' | 'token_pair' | 'delegated';

/**
 * An element of `GET /api/v2/sessions/` (the caller's live sessions, newest first) and of
 * `GET /api/v2/admin/users/{username}/sessions/`.
 */
export interface SessionSummary {
  readonly id: string;
  readonly kind: SessionKind;
  /** True for the session of the token that asked. */
  readonly current: boolean;
  /** The administrator acting, for a delegated session or an issued user token. */
  readonly actor: { readonly id: string; readonly username: string } | null;
  readonly created_at: string;
  readonly last_used_at: string;
  readonly expires_at: string;
  readonly client_ip: string | null;
  readonly user_agent: string | null;
}

/** What `POST /api/v2/sessions/revoke-others/`, `.../revoke-all/` and the admin's bulk revoke answer. */
export interface Revoked {
  readonly revoked: number;
}

/** The audit event types, as the server records them (a test holds this list to the server's). */
export const AUDIT_EVENT_TYPES = [
  'login.succeeded',
  'login.failed',
  'token.issued',
  'token.refreshed',
  'refresh.reuse_detected',
  'session.revoked',
  'user.revoked',
  'delegation.started',
  'delegation.ended',
  'uat.created',
  'uat.revoked',
  'user.created',
  'user.disabled',
  'user.enabled',
  'user.password_changed',
  'rate_limit.hit',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** An element of `GET /api/v2/admin/audit/` (newest first); no password or token value in any. */
export interface AuditEvent {
  /** A UUIDv7 (time-ordered). */
  readonly id: string;
  /** An `AuditEventType`, or a type a newer server records. */
  readonly type: AuditEventType | (string & {});
  readonly at: string;
  /** The user the event is about (null for a failed login of an unknown username). */
  readonly user_id: string | null;
  /** Who acted, when not the user: an administrator's id, or `cli` for the operator. */
  readonly actor_id: string | null;
  readonly session_id: string | null;
  readonly client_ip: string | null;
  readonly user_agent: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/** The filters of `GET /api/v2/admin/audit/`; every one optional. */
export interface AuditQuery {
  /** Events about this user (a domain administrator must name a user of its domain). */
  readonly username?: string;
  /** Events this actor caused (an administrator's user id, or `cli`). */
  readonly actorId?: string;
  readonly type?: AuditEventType;
  /** From this instant on (inclusive): a Date or an ISO 8601 date-time. */
  readonly since?: Date | string;
  /** Before this instant (exclusive). */
  readonly until?: Date | string;
  /** At most this many, newest first: 1 to 1000, default 100. */
  readonly limit?: number;
}

/** The permission catalogue of the demo data (a server may have others). */
export type KnownPermission =
  | 'brand_create'
  | 'product_create'
  | 'scans_download'
  | 'scm_bulk_edit'
  | 'scm_code_edit';
