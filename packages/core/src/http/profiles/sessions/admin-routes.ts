import { z } from 'zod';
import { AuditQueryInput } from '../../../operations/admin.js';
import { defineRoute } from '../../define.js';
import { empty, json } from '../../render.js';
import { clientOf } from '../../session-cookie.js';
import {
  AuditEventBody,
  adminErrors,
  auditBody,
  ErrorBody,
  Revoked,
  Session,
  sessionBody,
  Uat,
  uatBody,
} from './bodies.js';

/** Administrators use their access tokens. */
const ADMIN = ['Bearer', 'JWT'] as const;
const PROFILE = 'sessions' as const;

/** What administrators do to users within their reach, in the `sessions` profile. */
export const adminRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/v2/admin/users/{username}/sessions/',
    profile: PROFILE,
    strictQuery: true,
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
    strictQuery: true,
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
    strictQuery: true,
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
    strictQuery: true,
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
    strictQuery: true,
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
    strictQuery: true,
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
    strictQuery: true,
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
