import { z } from 'zod';
import { passwordField as password, usernameField as username } from '../../../operations/login.js';
import { environmentField, type UserTokenResult } from '../../../operations/user-tokens.js';
import { defineRoute } from '../../define.js';
import { DefaultErrorSchema as ErrorBody, json } from '../../render.js';
import { clientOf } from '../../session-cookie.js';

const environment = environmentField.optional();

const UserTokenBody = z
  .object({
    token: z.string(),
    environment: z.string().nullable(),
    expiresAt: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'UserToken' });

const userTokenResponse = (result: UserTokenResult) =>
  json(200, {
    token: result.token,
    environment: result.environment,
    expiresAt: result.expiresAt.toISOString(),
  });

const tokenResponses = {
  200: { description: 'A user token.', schema: UserTokenBody },
  400: { description: 'Malformed request.', schema: ErrorBody },
  401: { description: 'Invalid credentials or token.', schema: ErrorBody },
  403: { description: 'Not allowed (administrator, environment, domain).', schema: ErrorBody },
};

const LoginFields = z.object({ username, password, environment });

/**
 * Scheme A: user tokens and environments (seed `user-tokens-environments.txt`). Its GET routes take
 * everything in the query string, so their queries are strict: a misspelt or repeated parameter
 * (`Environment=staging`, `environmentId=`) is named in a 400, never dropped in silence.
 */
export const userTokenRoutes = [
  defineRoute({
    method: 'GET',
    strictQuery: true,
    path: '/Authentication',
    profile: 'user-tokens',
    operationId: 'createUserToken',
    summary: 'Password login to a user token, optionally bound to an environment.',
    shape: 'default',
    carriesTokens: true,
    query: LoginFields,
    secrets: { query: ['password'] },
    login: true,
    responses: tokenResponses,
    handle: async ({ tollgate, query, request }) =>
      userTokenResponse(await tollgate.userTokens.login({ ...query, ...clientOf(request) })),
  }),
  defineRoute({
    method: 'POST',
    path: '/Authentication',
    profile: 'user-tokens',
    operationId: 'createUserTokenFromBody',
    summary: 'Password login to a user token, with the credentials in a JSON body.',
    shape: 'default',
    carriesTokens: true,
    body: LoginFields.extend({ environment: environmentField.nullish() }).meta({ id: 'UserTokenLogin' }),
    login: true,
    responses: tokenResponses,
    handle: async ({ tollgate, body, request }) =>
      userTokenResponse(await tollgate.userTokens.login({ ...body, ...clientOf(request) })),
  }),
  defineRoute({
    method: 'GET',
    strictQuery: true,
    path: '/Authentication/UserToken',
    profile: 'user-tokens',
    operationId: 'issueUserToken',
    summary: "An administrator's access token issues a user token for a customer user.",
    shape: 'default',
    carriesTokens: true,
    security: ['Bearer'],
    query: z.object({ username, environment }),
    responses: { ...tokenResponses, 404: { description: 'No such user.', schema: ErrorBody } },
    handle: async ({ tollgate, query, authenticate, request }) => {
      const caller = await authenticate();
      return userTokenResponse(await tollgate.userTokens.issue({ caller, ...query, ...clientOf(request) }));
    },
  }),
  defineRoute({
    method: 'GET',
    strictQuery: true,
    path: '/Authentication/refresh/{token}',
    profile: 'user-tokens',
    operationId: 'refreshUserToken',
    summary: 'A new user token for a valid one; keeps its environment unless another is given.',
    shape: 'default',
    carriesTokens: true,
    query: z.object({ environment }),
    secrets: { params: ['token'] },
    responses: tokenResponses,
    handle: async ({ tollgate, params, query }) =>
      userTokenResponse(
        await tollgate.userTokens.refresh({ token: params.token!, environment: query.environment }),
      ),
  }),
  defineRoute({
    method: 'GET',
    strictQuery: true,
    path: '/Authentication/token/{token}/Environments',
    profile: 'user-tokens',
    operationId: 'listUserTokenEnvironments',
    summary: "The environments the token's user may use (works for a token with no environment).",
    shape: 'default',
    carriesTokens: false,
    secrets: { params: ['token'] },
    responses: {
      200: {
        description: 'Environments.',
        schema: z.array(z.object({ id: z.string(), name: z.string() }).meta({ id: 'Environment' })),
      },
      401: { description: 'Invalid token.', schema: ErrorBody },
    },
    handle: async ({ tollgate, params }) => {
      const environments = await tollgate.userTokens.environments({ token: params.token! });
      return json(
        200,
        environments.map((env) => ({ id: env.id, name: env.name })),
      );
    },
  }),
  defineRoute({
    method: 'GET',
    strictQuery: true,
    path: '/Environment/current',
    profile: 'user-tokens',
    operationId: 'currentEnvironment',
    summary: "The environment of the caller's user token.",
    shape: 'default',
    carriesTokens: false,
    security: ['Bearer'],
    responses: {
      200: {
        description: 'The environment.',
        schema: z.object({ environment: z.string(), user: z.string() }),
      },
      401: { description: 'Invalid token.', schema: ErrorBody },
      403: { description: 'The token has no environment.', schema: ErrorBody },
    },
    handle: async ({ tollgate, authenticate }) => {
      const principal = await authenticate();
      tollgate.authorize(principal, { environment: true });
      return json(200, { environment: principal.environment, user: principal.username });
    },
  }),
] as const;
