import { z } from 'zod';
import { AuditQueryInput } from '../../../operations/admin.js';
import type { SessionSummary } from '../../../operations/sessions.js';
import type { UatSummary } from '../../../operations/uats.js';
import type { AuditEvent } from '../../../ports.js';
import type { Principal } from '../../../types.js';
import { defineRoute } from '../../define.js';
import { empty, json } from '../../render.js';
import { clearedSessionCookie, clientOf } from '../../session-cookie.js';
import type { HttpResponse, ResolvedHttpOptions } from '../../types.js';

const ErrorBody = z.object({ code: z.string(), message: z.string() });
const dateTime = z.string().meta({ format: 'date-time' });
const Actor = z.object({ id: z.string(), username: z.string() }).nullable();

const Session = z.object({
  id: z.string(),
  kind: z.enum(['jwt_login', 'user_token', 'token_pair', 'delegated']),
  current: z.boolean(),
  actor: Actor,
  created_at: dateTime,
  last_used_at: dateTime,
  expires_at: dateTime,
  client_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
});
const Revoked = z.object({ revoked: z.number().int() });
const Uat = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  permissions: z.array(z.string()),
  created_at: dateTime,
  expires_at: dateTime,
  last_used_at: dateTime.nullable(),
  revoked_at: dateTime.nullable(),
});
const AuditEventBody = z.object({
  id: z.string(),
  type: z.string(),
  at: dateTime,
  user_id: z.string().nullable(),
  actor_id: z.string().nullable(),
  session_id: z.string().nullable(),
  client_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

const sessionBody = (s: SessionSummary) => ({
  id: s.id,
  kind: s.kind,
  current: s.current,
  actor: s.actor ? { id: s.actor.userId, username: s.actor.username } : null,
  created_at: s.createdAt.toISOString(),
  last_used_at: s.lastUsedAt.toISOString(),
  expires_at: s.expiresAt.toISOString(),
  client_ip: s.clientIp,
  user_agent: s.userAgent,
});
const uatBody = (u: UatSummary) => ({
  id: u.id,
  name: u.name,
  prefix: u.prefix,
  permissions: u.permissions,
  created_at: u.createdAt.toISOString(),
  expires_at: u.expiresAt.toISOString(),
  last_used_at: u.lastUsedAt?.toISOString() ?? null,
  revoked_at: u.revokedAt?.toISOString() ?? null,
});
const auditBody = (e: AuditEvent) => ({
  id: e.id,
  type: e.type,
  at: new Date(e.at).toISOString(),
  user_id: e.userId,
  actor_id: e.actorId,
  session_id: e.sessionId,
  client_ip: e.clientIp,
  user_agent: e.userAgent,
  details: e.details,
});

const errors = {
  400: { description: 'Malformed request.', schema: ErrorBody },
  401: { description: 'No or bad credentials.', schema: ErrorBody },
  403: { description: 'Not allowed.', schema: ErrorBody },
};
const adminErrors = {
  ...errors,
  404: { description: 'No such user within reach (or no such session or token).', schema: ErrorBody },
};

/** A session ended by its own cookie: the cookie goes too. */
const ending = (response: HttpResponse, caller: Principal, options: ResolvedHttpOptions): HttpResponse =>
  caller.source === 'cookie'
    ? { ...response, headers: { ...response.headers, 'set-cookie': clearedSessionCookie(options) } }
    : response;

/** Who may manage their own sessions: any session token (a UAT is refused by the operation). */
const MINE = ['JWT', 'Bearer', 'cookie'] as const;
/** Administrators use their access tokens. */
const ADMIN = ['Bearer', 'JWT'] as const;
const PROFILE = 'sessions' as const;

/**
 * The `sessions` profile (opt-in): the signed-in user's sessions, and what administrators do to
 * users within their reach: sessions, UATs, disable and enable, the audit trail.
 */
export const sessionRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/v2/sessions/',
    profile: PROFILE,
    operationId: 'listSessions',
    summary: "The caller's live sessions, newest first; the caller's own is marked `current`.",
    shape: 'default',
    carriesTokens: false,
    security: [...MINE],
    responses: { 200: { description: 'The sessions.', schema: z.array(Session) }, ...errors },
    handle: async ({ tollgate, authenticate }) => {
      const caller = await authenticate();
      return json(200, (await tollgate.sessions.list({ caller })).map(sessionBody));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v2/sessions/{id}/',
    profile: PROFILE,
    operationId: 'revokeSession',
    summary:
      'Ends one of the caller’s sessions (`current` for its own: the session cookie is cleared); every token of it is refused at once.',
    shape: 'default',
    carriesTokens: false,
    security: [...MINE],
    responses: {
      204: { description: 'Ended.' },
      ...errors,
      404: { description: 'No such live session of the caller.', schema: ErrorBody },
    },
    handle: async ({ tollgate, params, authenticate, request, options }) => {
      const caller = await authenticate();
      const id = params.id === 'current' ? caller.sessionId : params.id!;
      if (id === null) {
        return json(404, { code: 'not_found', message: 'This token belongs to no session.' });
      }
      await tollgate.sessions.revoke({ caller, sessionId: id, ...clientOf(request) });
      return id === caller.sessionId ? ending(empty(204), caller, options) : empty(204);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v2/sessions/revoke-others/',
    profile: PROFILE,
    operationId: 'revokeOtherSessions',
    summary: 'Ends every session of the caller but the current one.',
    shape: 'default',
    carriesTokens: false,
    security: [...MINE],
    responses: { 200: { description: 'How many were ended.', schema: Revoked }, ...errors },
    handle: async ({ tollgate, authenticate, request }) => {
      const caller = await authenticate();
      return json(200, { revoked: await tollgate.sessions.revokeOthers({ caller, ...clientOf(request) }) });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v2/sessions/revoke-all/',
    profile: PROFILE,
    operationId: 'revokeAllSessions',
    summary: 'Ends every session of the caller, the current one included (its cookie is cleared).',
    shape: 'default',
    carriesTokens: false,
    security: [...MINE],
    responses: { 200: { description: 'How many were ended.', schema: Revoked }, ...errors },
    handle: async ({ tollgate, authenticate, request, options }) => {
      const caller = await authenticate();
      const revoked = await tollgate.sessions.revokeAll({ caller, ...clientOf(request) });
      return ending(json(200, { revoked }), caller, options);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v2/admin/users/{username}/sessions/',
    profile: PROFILE,
    operationId: 'adminListSessions',
    summary: "A user's live sessions (administrators, within their reach).",
    shape: 'default',
    carriesTokens: false,
    security: [...ADMIN],
    responses: { 200: { description: 'The sessions.', schema: z.array(Session) }, ...adminErrors },
    handle: async ({ tollgate, params, authenticate }) => {
      const caller = await authenticate();
      const sessions = await tollgate.admin.listSessions({ caller, username: params.username! });
      return json(200, sessions.map(sessionBody));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v2/admin/users/{username}/sessions/',
    profile: PROFILE,
    operationId: 'adminRevokeAllSessions',
    summary: 'Ends every session of a user (administrators, within their reach).',
    shape: 'default',
    carriesTokens: false,
    security: [...ADMIN],
    responses: { 200: { description: 'How many were ended.', schema: Revoked }, ...adminErrors },
    handle: async ({ tollgate, params, authenticate, request }) => {
      const caller = await authenticate();
      const revoked = await tollgate.admin.revokeSessions({
        caller,
        username: params.username!,
        ...clientOf(request),
      });
      return json(200, { revoked });
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v2/admin/users/{username}/sessions/{id}/',
    profile: PROFILE,
    operationId: 'adminRevokeSession',
    summary: 'Ends one session of a user (administrators, within their reach).',
    shape: 'default',
    carriesTokens: false,
    security: [...ADMIN],
    responses: { 204: { description: 'Ended.' }, ...adminErrors },
    handle: async ({ tollgate, params, authenticate, request }) => {
      const caller = await authenticate();
      await tollgate.admin.revokeSessions({
        caller,
        username: params.username!,
        sessionId: params.id!,
        ...clientOf(request),
      });
      return empty(204);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v2/admin/users/{username}/uats/',
    profile: PROFILE,
    operationId: 'adminListUats',
    summary: "A user's UATs, newest first, without their values (administrators, within their reach).",
    shape: 'default',
    carriesTokens: false,
    security: [...ADMIN],
    responses: { 200: { description: 'The tokens.', schema: z.array(Uat) }, ...adminErrors },
    handle: async ({ tollgate, params, authenticate }) => {
      const caller = await authenticate();
      return json(200, (await tollgate.admin.listUats({ caller, username: params.username! })).map(uatBody));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v2/admin/users/{username}/uats/{id}/',
    profile: PROFILE,
    operationId: 'adminRevokeUat',
    summary: "Revokes one of a user's UATs (administrators, within their reach).",
    shape: 'default',
    carriesTokens: false,
    security: [...ADMIN],
    responses: { 204: { description: 'Revoked.' }, ...adminErrors },
    handle: async ({ tollgate, params, authenticate, request }) => {
      const caller = await authenticate();
      await tollgate.admin.revokeUat({
        caller,
        username: params.username!,
        uatId: params.id!,
        ...clientOf(request),
      });
      return empty(204);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v2/admin/users/{username}/disable/',
    profile: PROFILE,
    operationId: 'adminDisableUser',
    summary: 'Disables a user and revokes every credential it holds, on every instance.',
    shape: 'default',
    carriesTokens: false,
    security: [...ADMIN],
    responses: { 204: { description: 'Disabled.' }, ...adminErrors },
    handle: async ({ tollgate, params, authenticate, request }) => {
      const caller = await authenticate();
      await tollgate.admin.disableUser({ caller, username: params.username!, ...clientOf(request) });
      return empty(204);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v2/admin/users/{username}/enable/',
    profile: PROFILE,
    operationId: 'adminEnableUser',
    summary: 'Enables a disabled user (its earlier credentials stay revoked).',
    shape: 'default',
    carriesTokens: false,
    security: [...ADMIN],
    responses: { 204: { description: 'Enabled.' }, ...adminErrors },
    handle: async ({ tollgate, params, authenticate, request }) => {
      const caller = await authenticate();
      await tollgate.admin.enableUser({ caller, username: params.username!, ...clientOf(request) });
      return empty(204);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v2/admin/audit/',
    profile: PROFILE,
    operationId: 'adminAuditEvents',
    summary:
      'Audit events, newest first, filtered by user, actor, type and time (a domain administrator names a user of its domain).',
    shape: 'default',
    carriesTokens: false,
    security: [...ADMIN],
    query: AuditQueryInput,
    strictQuery: true,
    responses: {
      200: { description: 'The events.', schema: z.array(AuditEventBody) },
      ...adminErrors,
      501: { description: 'No audit log that can be queried is configured.', schema: ErrorBody },
    },
    handle: async ({ tollgate, query, authenticate }) => {
      const caller = await authenticate();
      return json(200, (await tollgate.admin.auditEvents({ caller, ...query })).map(auditBody));
    },
  }),
] as const;
