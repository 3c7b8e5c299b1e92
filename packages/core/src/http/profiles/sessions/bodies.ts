import { z } from 'zod';
import type { SessionSummary } from '../../../operations/sessions.js';
import type { UatSummary } from '../../../operations/uats.js';
import type { AuditEvent } from '../../../ports.js';
import { DefaultErrorSchema } from '../../render.js';

// The bodies of the sessions profile: their schemas (for OpenAPI) and how each is written.
export const ErrorBody = DefaultErrorSchema;
const dateTime = z.string().meta({ format: 'date-time' });
const Actor = z.object({ id: z.string(), username: z.string() }).nullable();

export const Session = z
  .object({
    id: z.string(),
    kind: z.enum(['jwt_login', 'user_token', 'token_pair', 'delegated']),
    current: z.boolean(),
    actor: Actor,
    created_at: dateTime,
    last_used_at: dateTime,
    expires_at: dateTime,
    client_ip: z.string().nullable(),
    user_agent: z.string().nullable(),
  })
  .meta({ id: 'Session' });
export const Revoked = z.object({ revoked: z.number().int() }).meta({ id: 'Revoked' });
export const Uat = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    permissions: z.array(z.string()),
    created_at: dateTime,
    expires_at: dateTime,
    last_used_at: dateTime.nullable(),
    revoked_at: dateTime.nullable(),
  })
  .meta({ id: 'UserUat' });
export const AuditEventBody = z
  .object({
    id: z.string(),
    type: z.string(),
    at: dateTime,
    user_id: z.string().nullable(),
    actor_id: z.string().nullable(),
    session_id: z.string().nullable(),
    client_ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });

export const sessionBody = (s: SessionSummary) => ({
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
export const uatBody = (u: UatSummary) => ({
  id: u.id,
  name: u.name,
  prefix: u.prefix,
  permissions: u.permissions,
  created_at: u.createdAt.toISOString(),
  expires_at: u.expiresAt.toISOString(),
  last_used_at: u.lastUsedAt?.toISOString() ?? null,
  revoked_at: u.revokedAt?.toISOString() ?? null,
});
export const auditBody = (e: AuditEvent) => ({
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

export const errors = {
  400: { description: 'Malformed request.', schema: ErrorBody },
  401: { description: 'No or bad credentials.', schema: ErrorBody },
  403: { description: 'Not allowed.', schema: ErrorBody },
};
export const adminErrors = {
  ...errors,
  404: { description: 'No such user within reach (or no such session or token).', schema: ErrorBody },
};
