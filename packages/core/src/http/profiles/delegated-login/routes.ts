import { z } from 'zod';
import { DelegatedLoginInput } from '../../../operations/delegated-login.js';
import { defineRoute } from '../../define.js';
import { text } from '../../render.js';
import { clientOf, sessionCookie } from '../../session-cookie.js';

const ErrorBody = z.object({ code: z.string(), message: z.string() });

/** Scheme B: admin-delegated login (seed `admin-delegated-login.txt`). */
export const delegatedLoginRoutes = [
  defineRoute({
    method: 'POST',
    path: '/API3/authentication/authenticateUserByToken',
    profile: 'delegated-login',
    operationId: 'authenticateUserByToken',
    summary: "An administrator's access token signs a user in without their password.",
    shape: 'default',
    carriesTokens: true,
    body: DelegatedLoginInput.omit({ adminToken: true }).extend({
      token: DelegatedLoginInput.shape.adminToken,
    }),
    responses: {
      200: {
        description: 'The security token (base64url); also set as the session cookie.',
        contentType: 'text/plain',
        schema: z.string(),
      },
      400: { description: 'Malformed request.', schema: ErrorBody },
      401: { description: 'Invalid administrator token.', schema: ErrorBody },
      403: {
        description: 'Not an administrator, outside its domain, or an administrator target.',
        schema: ErrorBody,
      },
      404: { description: 'No such user in that domain.', schema: ErrorBody },
    },
    handle: async ({ tollgate, body, options, request }) => {
      const result = await tollgate.delegatedLogin.issue({
        ...clientOf(request),
        adminToken: body.token,
        domain: body.domain,
        userIdentity: body.userIdentity,
        customData: body.customData ?? null,
      });
      const maxAge = tollgate.options.lifetimes.delegatedToken;
      return text(200, result.token, { 'set-cookie': sessionCookie(options, result.token, maxAge) });
    },
  }),
] as const;
