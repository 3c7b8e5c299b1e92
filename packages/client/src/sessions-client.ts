import type { AdminCredential } from './client.js';
import { endedOnServer, Session } from './session.js';
import { type CallOptions, type ClientConfig, call } from './transport.js';
import type { AuditEvent, AuditQuery, Revoked, SessionSummary, UatSummary } from './types.js';

// The `sessions` profile: the server serves it only when it is enabled
// (`profiles: [..., 'sessions']`); elsewhere every call here is refused with `not_found`.

/** The signed-in user's own sessions (any session but a UAT one). */
export interface SessionsClient {
  /** `GET /api/v2/sessions/`: the live sessions, newest first; the session asking is `current`. */
  list(session: Session): Promise<SessionSummary[]>;
  /**
   * `DELETE /api/v2/sessions/{id}/`: ends one session; every token of it is refused at once. The id
   * `current` ends `session` itself (as `revokeCurrent` does).
   */
  revoke(session: Session, id: string): Promise<void>;
  /** `DELETE /api/v2/sessions/current/`: ends `session` on the server, then here (its storage is cleared). */
  revokeCurrent(session: Session): Promise<void>;
  /** `POST /api/v2/sessions/revoke-others/`: ends every other session; returns how many. */
  revokeOthers(session: Session): Promise<number>;
  /** `POST /api/v2/sessions/revoke-all/`: ends every session, this one included (ended here too). */
  revokeAll(session: Session): Promise<number>;
}

/**
 * What an administrator does to the customer users within its reach (an enterprise administrator:
 * all of them; a domain administrator: its domain's), with its access token or a session holding
 * one (a token pair or JWT login). An unknown user and one out of reach are both `unknown_user`.
 */
export interface AdminClient {
  /** `GET /api/v2/admin/users/{username}/sessions/`: the user's live sessions, newest first. */
  listSessions(admin: AdminCredential, username: string): Promise<SessionSummary[]>;
  /** `DELETE /api/v2/admin/users/{username}/sessions/{id}/`: ends one session of the user. */
  revokeSession(admin: AdminCredential, username: string, id: string): Promise<void>;
  /** `DELETE /api/v2/admin/users/{username}/sessions/`: ends every session of the user; returns how many. */
  revokeSessions(admin: AdminCredential, username: string): Promise<number>;
  /** `GET /api/v2/admin/users/{username}/uats/`: the user's UATs, newest first, without their values. */
  listUats(admin: AdminCredential, username: string): Promise<UatSummary[]>;
  /** `DELETE /api/v2/admin/users/{username}/uats/{id}/`: revokes one UAT of the user. */
  revokeUat(admin: AdminCredential, username: string, id: string): Promise<void>;
  /** `POST /api/v2/admin/users/{username}/disable/`: no more logins; every credential revoked. */
  disableUser(admin: AdminCredential, username: string): Promise<void>;
  /** `POST /api/v2/admin/users/{username}/enable/`: logins again (earlier credentials stay revoked). */
  enableUser(admin: AdminCredential, username: string): Promise<void>;
  /**
   * `GET /api/v2/admin/audit/`: audit events, newest first (`not_supported` when the server keeps
   * no audit log it can query).
   */
  auditEvents(admin: AdminCredential, query?: AuditQuery): Promise<AuditEvent[]>;
}

const through = (session: Session): Pick<CallOptions, 'send'> => ({
  send: (input, init) => session.fetch(input, init),
});

/** A session's own fetch (refreshed and retried like any call), or a bare token sent as `Bearer`. */
function asAdmin(admin: AdminCredential): Pick<CallOptions, 'send' | 'headers'> {
  if (admin instanceof Session) return through(admin);
  if (typeof admin !== 'string' || admin.length === 0) {
    throw new TypeError('an administrator credential is an access token or a session');
  }
  return { headers: { authorization: `Bearer ${admin}` } };
}

const instant = (value: Date | string | undefined): string | undefined =>
  value instanceof Date ? value.toISOString() : value;

export function makeSessionsClient(config: ClientConfig): SessionsClient {
  const client: SessionsClient = {
    async list(session) {
      return (await call(config, 'listSessions', through(session))) as SessionSummary[];
    },
    async revoke(session, id) {
      if (id === 'current') return client.revokeCurrent(session);
      await call(config, 'revokeSession', { ...through(session), params: { id } });
    },
    async revokeCurrent(session) {
      await call(config, 'revokeSession', { ...through(session), params: { id: 'current' } });
      await endedOnServer(session, 'revokeCurrent');
    },
    async revokeOthers(session) {
      return ((await call(config, 'revokeOtherSessions', through(session))) as Revoked).revoked;
    },
    async revokeAll(session) {
      const { revoked } = (await call(config, 'revokeAllSessions', through(session))) as Revoked;
      await endedOnServer(session, 'revokeAll');
      return revoked;
    },
  };
  return client;
}

export function makeAdminClient(config: ClientConfig): AdminClient {
  return {
    async listSessions(admin, username) {
      return (await call(config, 'adminListSessions', {
        ...asAdmin(admin),
        params: { username },
      })) as SessionSummary[];
    },
    async revokeSession(admin, username, id) {
      await call(config, 'adminRevokeSession', { ...asAdmin(admin), params: { username, id } });
    },
    async revokeSessions(admin, username) {
      const body = await call(config, 'adminRevokeAllSessions', { ...asAdmin(admin), params: { username } });
      return (body as Revoked).revoked;
    },
    async listUats(admin, username) {
      return (await call(config, 'adminListUats', {
        ...asAdmin(admin),
        params: { username },
      })) as UatSummary[];
    },
    async revokeUat(admin, username, id) {
      await call(config, 'adminRevokeUat', { ...asAdmin(admin), params: { username, id } });
    },
    async disableUser(admin, username) {
      await call(config, 'adminDisableUser', { ...asAdmin(admin), params: { username } });
    },
    async enableUser(admin, username) {
      await call(config, 'adminEnableUser', { ...asAdmin(admin), params: { username } });
    },
    async auditEvents(admin, query = {}) {
      return (await call(config, 'adminAuditEvents', {
        ...asAdmin(admin),
        query: {
          username: query.username,
          actorId: query.actorId,
          type: query.type,
          since: instant(query.since),
          until: instant(query.until),
          limit: query.limit === undefined ? undefined : String(query.limit),
        },
      })) as AuditEvent[];
    },
  };
}
