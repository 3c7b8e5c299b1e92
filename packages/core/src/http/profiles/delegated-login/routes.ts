import { z } from 'zod';
import { TollgateError } from '../../../errors.js';
import { DelegatedLoginInput } from '../../../operations/delegated-login.js';
import { defineRoute } from '../../define.js';
import { DefaultErrorSchema as ErrorBody, htmlPage, text } from '../../render.js';
import { clientOf, sessionCookie } from '../../session-cookie.js';

/**
 * What a person landing with a bad link reads: plain words, no detail an attacker could use. Anything
 * but a refusal (a bug) is left to the usual 500, which is logged.
 */
function landingRefusal(error: unknown) {
  if (!(error instanceof TollgateError)) return undefined;
  switch (error.code) {
    case 'internal_error':
      return undefined;
    case 'token_expired':
      return htmlPage(401, 'This sign-in link has expired', 'Ask for a new link to be sent to you.');
    case 'token_revoked':
      return htmlPage(
        401,
        'This sign-in link has been used already',
        'Each link signs you in once. Ask for a new one.',
      );
    case 'store_unavailable':
    case 'login_overloaded':
      return htmlPage(503, 'Sign-in is unavailable', 'Please try again in a moment.', { 'retry-after': '2' });
    case 'malformed_request':
      // A token of the wrong length or alphabet, or a parameter given twice.
      return htmlPage(400, 'This sign-in link is not valid', 'Ask for a new link to be sent to you.');
    default:
      return htmlPage(401, 'This sign-in link is not valid', 'Ask for a new link to be sent to you.');
  }
}

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
    body: DelegatedLoginInput.omit({ adminToken: true })
      .extend({ token: DelegatedLoginInput.shape.adminToken })
      .meta({ id: 'DelegatedLogin' }),
    responses: {
      200: {
        description: 'The security token (base64url); also set as the session cookie.',
        contentType: 'text/plain',
        schema: z.string(),
        headers: { 'Set-Cookie': 'The session cookie: HttpOnly, SameSite, Secure unless turned off.' },
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
      const maxAge = result.validForSeconds;
      return text(200, result.token, { 'set-cookie': sessionCookie(options, result.token, maxAge) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/auth/auto-login',
    profile: 'delegated-login',
    operationId: 'autoLogin',
    summary:
      'The browser lands with a security token (once), gets the session cookie for this origin and is sent on to an allowed path, the token stripped from its URL.',
    shape: 'default',
    carriesTokens: true,
    secrets: { query: ['token'] },
    // Validated in the handler, and every refusal (a repeated parameter too) is a page a person can read.
    query: z.object({ token: z.string().optional(), next: z.string().optional() }),
    errorPage: landingRefusal,
    responses: {
      303: {
        description: 'Signed in: the session cookie is set and the browser sent to `next`.',
        headers: {
          Location: '`next`: a path this server allows.',
          'Set-Cookie': 'The session cookie: HttpOnly, SameSite, Secure unless turned off.',
        },
      },
      400: {
        description:
          'No token, a malformed one, a repeated parameter, or `next` is not an allowed path (an HTML page).',
        contentType: 'text/html',
      },
      401: {
        description: 'The link is invalid, expired or used already (an HTML page).',
        contentType: 'text/html',
      },
      503: {
        description: 'Sign-in cannot be checked now (an HTML page, with `Retry-After`).',
        contentType: 'text/html',
      },
    },
    handle: async ({ tollgate, query, options, request }) => {
      const next = query.next ?? options.autoLoginRedirects[0]!;
      if (!options.autoLoginRedirects.includes(next)) {
        return htmlPage(
          400,
          'This sign-in link goes nowhere allowed',
          'Ask for a new link to be sent to you.',
        );
      }
      if (!query.token) {
        return htmlPage(
          400,
          'This sign-in link is incomplete',
          'The link is missing its token; ask for a new one.',
        );
      }
      const result = await tollgate.delegatedLogin.land({ token: query.token, ...clientOf(request) });
      const maxAge = result.validForSeconds;
      // 303: the next request is a GET of `next`, and the token leaves the address bar and history.
      return {
        status: 303,
        headers: {
          location: next,
          'set-cookie': sessionCookie(options, result.token, maxAge),
          'referrer-policy': 'no-referrer',
        },
        body: null,
      };
    },
  }),
] as const;
