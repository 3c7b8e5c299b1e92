import type { SessionKind } from './token-store.js';

/** What each audit event type records beyond who, when and from where. No password, no token value. */
export interface AuditEventDetails {
  'login.succeeded': { readonly scheme: SessionKind };
  'login.failed': { readonly username: string; readonly reason: 'invalid_credentials' | 'rate_limited' };
  'token.issued': {
    readonly tokenKind: 'access' | 'user' | 'delegated' | 'refresh';
    readonly jti: string | null;
  };
  'token.refreshed': { readonly tokenKind: 'access' | 'user'; readonly retry: boolean };
  'refresh.reuse_detected': Record<string, never>;
  'session.revoked': { readonly by: 'user' | 'administrator' };
  'user.revoked': { readonly reason: 'log_out_everywhere' | 'disabled' | 'password_changed' };
  'delegation.started': { readonly customData: string | null };
  'delegation.ended': { readonly customData: string | null };
  'uat.created': { readonly uatId: string; readonly name: string; readonly permissions: readonly string[] };
  'uat.revoked': { readonly uatId: string };
  'user.created': { readonly username: string };
  'user.disabled': Record<string, never>;
  'user.enabled': Record<string, never>;
  'user.password_changed': Record<string, never>;
  'rate_limit.hit': { readonly username: string | null; readonly rule: string };
}

export type AuditEventType = keyof AuditEventDetails;

/** One audit event of type `T`: who (`userId`), who acted (`actorId`), when, from where. */
export type AuditEvent<T extends AuditEventType = AuditEventType> = {
  readonly [K in T]: {
    /** A UUIDv7 (time-ordered). */
    readonly id: string;
    readonly type: K;
    /** ms since the epoch. */
    readonly at: number;
    /** The user the event is about (null for a failed login of an unknown username). */
    readonly userId: string | null;
    /** Who acted, when not the user: an administrator, or the operator (`'cli'`). */
    readonly actorId: string | null;
    readonly sessionId: string | null;
    readonly clientIp: string | null;
    readonly userAgent: string | null;
    readonly details: AuditEventDetails[K];
  };
}[T];

/**
 * Where audit events go. `record` is called after the fact and never awaited by a request: a sink
 * that fails reports through `onBackgroundError` and the operation stands.
 */
export interface AuditSink {
  record(event: AuditEvent): void | Promise<void>;
}

export interface AuditQuery {
  readonly userId?: string;
  readonly actorId?: string;
  readonly type?: AuditEventType;
  /** Inclusive lower bound on `at` (ms). */
  readonly since?: number;
  /** Exclusive upper bound on `at` (ms). */
  readonly until?: number;
  /** At most this many, newest first. Default 100, at most 1000. */
  readonly limit?: number;
}

/** An audit sink that keeps events in a table, with a query and a retention purge. */
export interface AuditLog extends AuditSink {
  query(query: AuditQuery): Promise<readonly AuditEvent[]>;
  /** Deletes at most `limit` events older than the retention (at < now - retention). Returns how many. */
  purgeExpired(input: { readonly now: number; readonly limit: number }): Promise<number>;
}
