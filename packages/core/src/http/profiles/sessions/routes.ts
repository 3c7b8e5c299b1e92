import { z } from 'zod';
import type { Principal } from '../../../types.js';
import { defineRoute } from '../../define.js';
import { empty, json } from '../../render.js';
import { clearedSessionCookie, clientOf } from '../../session-cookie.js';
import type { HttpResponse, ResolvedHttpOptions } from '../../types.js';
import { adminRoutes } from './admin-routes.js';
import { ErrorBody, errors, Revoked, Session, sessionBody } from './bodies.js';

/** A session ended by its own cookie: the cookie goes too. */
const ending = (response: HttpResponse, caller: Principal, options: ResolvedHttpOptions): HttpResponse =>
  caller.source === 'cookie'
    ? { ...response, headers: { ...response.headers, 'set-cookie': clearedSessionCookie(options) } }
    : response;

/** Who may manage their own sessions: any session token (a UAT is refused by the operation). */
const MINE = ['JWT', 'Bearer', 'cookie'] as const;
const PROFILE = 'sessions' as const;

/**
 * The `sessions` profile (opt-in): the signed-in user's sessions here, and what administrators do to
 * users within their reach (`admin-routes.ts`): sessions, UATs, disable and enable, the audit trail.
 */
export const sessionRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/v2/sessions/',
    profile: PROFILE,
    strictQuery: true,
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
    strictQuery: true,
    operationId: 'revokeSession',
    summary:
      'Ends one of the caller’s sessions (`current` for its own: the session cookie is cleared); every token of it is refused at once.',
    shape: 'default',
    carriesTokens: false,
    security: [...MINE],
    responses: {
      204: {
        description: 'Ended.',
        headers: { 'Set-Cookie': 'When the session ended is the cookie’s own: the cookie, cleared.' },
      },
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
    strictQuery: true,
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
    strictQuery: true,
    operationId: 'revokeAllSessions',
    summary: 'Ends every session of the caller, the current one included (its cookie is cleared).',
    shape: 'default',
    carriesTokens: false,
    security: [...MINE],
    responses: {
      200: {
        description: 'How many were ended.',
        schema: Revoked,
        headers: { 'Set-Cookie': 'When called with the session cookie: the cookie, cleared.' },
      },
      ...errors,
    },
    handle: async ({ tollgate, authenticate, request, options }) => {
      const caller = await authenticate();
      const revoked = await tollgate.sessions.revokeAll({ caller, ...clientOf(request) });
      return ending(json(200, { revoked }), caller, options);
    },
  }),
  ...adminRoutes,
] as const;
