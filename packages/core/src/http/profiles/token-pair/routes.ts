import { z } from 'zod';
import { passwordField, usernameField } from '../../../operations/login.js';
import { RefreshTokenInput, type TokenPairResult } from '../../../operations/token-pair.js';
import { defineRoute } from '../../define.js';
import { empty, json } from '../../render.js';
import { clientOf } from '../../session-cookie.js';
import { EnvelopeErrorSchema as EnvelopeError } from './error-body.js';

const PairEnvelope = z
  .object({
    errorCode: z.literal(''),
    errorMessage: z.literal(''),
    content: z.array(
      z.object({
        customerId: z.string(),
        token: z.string(),
        refreshToken: z.string(),
        validityTime: z.number(),
      }),
    ),
    pageable: z.object({
      page: z.number(),
      size: z.number(),
      totalPages: z.number(),
      totalElements: z.number(),
    }),
  })
  .meta({ id: 'TokenPairEnvelope' });

const envelope = (pair: TokenPairResult) =>
  json(200, {
    errorCode: '',
    errorMessage: '',
    content: [
      {
        customerId: pair.customerId,
        token: pair.token,
        refreshToken: pair.refreshToken,
        validityTime: pair.validityTime,
      },
    ],
    pageable: { page: 0, size: 10, totalPages: 1, totalElements: 1 },
  });

const RefreshBody = RefreshTokenInput.meta({ id: 'RefreshTokenRequest' });

/** Scheme C: a token pair with a rotating refresh token (seed `token-pair.txt`). */
export const tokenPairRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/v2/auth/token',
    profile: 'token-pair',
    operationId: 'createTokenPair',
    summary: 'Password login to an access token and a rotating refresh token.',
    shape: 'envelope',
    carriesTokens: true,
    body: z.object({ username: usernameField, password: passwordField }).meta({ id: 'PasswordLogin' }),
    login: true,
    responses: {
      200: { description: 'The token pair.', schema: PairEnvelope },
      400: { description: 'Malformed request.', schema: EnvelopeError },
      401: { description: 'Invalid credentials (AUTH_1001).', schema: EnvelopeError },
    },
    handle: async ({ tollgate, body, request }) =>
      envelope(await tollgate.tokenPair.login({ ...body, ...clientOf(request) })),
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v2/auth/token/refresh',
    profile: 'token-pair',
    operationId: 'refreshTokenPair',
    summary: 'Exchanges a refresh token for a new pair; a reused one revokes the whole session.',
    shape: 'envelope',
    carriesTokens: true,
    body: RefreshBody,
    responses: {
      200: { description: 'The new token pair.', schema: PairEnvelope },
      400: { description: 'Malformed request.', schema: EnvelopeError },
      401: { description: 'Invalid, expired, revoked or reused refresh token.', schema: EnvelopeError },
    },
    handle: async ({ tollgate, body }) => envelope(await tollgate.tokenPair.refresh(body)),
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v2/auth/token/revoke',
    profile: 'token-pair',
    operationId: 'revokeTokenPair',
    summary: 'Logout: revokes the refresh token, its family and their access tokens.',
    shape: 'envelope',
    carriesTokens: false,
    body: RefreshBody,
    responses: {
      204: { description: 'Revoked (also for an unknown token).' },
      400: { description: 'Malformed request.', schema: EnvelopeError },
    },
    handle: async ({ tollgate, body }) => {
      await tollgate.tokenPair.revoke(body);
      return empty(204);
    },
  }),
] as const;
