import { z } from 'zod';
import { TollgateError } from '../../../errors.js';
import { passwordField, usernameField } from '../../../operations/login.js';
import {
  type UatSummary,
  uatExpiryField,
  uatNameField,
  uatPermissionsField,
} from '../../../operations/uats.js';
import type { Principal } from '../../../types.js';
import { defineRoute } from '../../define.js';
import { ERROR_CODE_HEADER, empty, json, NO_STORE } from '../../render.js';
import { clientOf } from '../../session-cookie.js';
import { DetailErrorSchema as Detail, FieldErrorsSchema as FieldErrors } from './error-body.js';

const dateTime = z.string().meta({ format: 'date-time' });

const UatListItem = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    expires_at: dateTime,
    permissions: z.array(z.string()),
    created_at: dateTime,
    last_used_at: dateTime.nullable(),
    revoked_at: dateTime.nullable(),
  })
  .meta({ id: 'UatListItem' });
const CreatedUat = z
  .object({
    id: z.string(),
    name: z.string(),
    token: z.string(),
    prefix: z.string(),
    expires_at: dateTime,
    permissions: z.array(z.string()),
    created_at: dateTime,
  })
  .meta({ id: 'CreatedUat' });
const Me = z
  .object({
    id: z.string(),
    email: z.string(),
    customerId: z.string(),
    roles: z.array(z.string()),
    permissions: z.array(z.string()),
    environment: z.string().nullable(),
    authenticatedBy: z.enum(['JWT', 'UAT', 'Bearer', 'cookie']),
    actor: z.object({ id: z.string(), username: z.string() }).nullable(),
    customData: z.string().nullable(),
  })
  .meta({ id: 'Me' });

const listItem = (uat: UatSummary) => ({
  id: uat.id,
  name: uat.name,
  prefix: uat.prefix,
  expires_at: uat.expiresAt.toISOString(),
  permissions: uat.permissions,
  created_at: uat.createdAt.toISOString(),
  last_used_at: uat.lastUsedAt?.toISOString() ?? null,
  revoked_at: uat.revokedAt?.toISOString() ?? null,
});

export const meBody = (principal: Principal) => ({
  id: principal.userId,
  email: principal.email,
  customerId: principal.customerId,
  roles: principal.roles,
  permissions: principal.permissions,
  environment: principal.environment,
  authenticatedBy: principal.source,
  actor: principal.actor ? { id: principal.actor.userId, username: principal.actor.username } : null,
  customData: principal.customData,
});

const detailResponses = {
  401: { description: 'No or bad credentials.', schema: Detail },
  403: { description: 'Not allowed.', schema: Detail },
};

const MANAGERS = ['JWT', 'Bearer'] as const;

/** Scheme D: JWT login, `/me`, and user authorization tokens (seed `uat-and-jwt.txt`). */
export const uatJwtRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/v2/auth/jwt/',
    profile: 'uat-jwt',
    operationId: 'createJwt',
    summary: "Password login to a JWT carrying all the user's rights (`Authorization: JWT <token>`).",
    shape: 'detail',
    carriesTokens: true,
    body: z.object({ email: usernameField, password: passwordField }).meta({ id: 'JwtLogin' }),
    login: true,
    responses: {
      200: { description: 'The token.', schema: z.object({ token: z.string() }).meta({ id: 'Jwt' }) },
      400: { description: 'Invalid credentials or missing fields.', schema: FieldErrors },
    },
    handle: async ({ tollgate, body, request }) => {
      try {
        const { token } = await tollgate.accessTokens.login({
          username: body.email,
          password: body.password,
          ...clientOf(request),
        });
        return json(200, { token });
      } catch (error) {
        if (!(error instanceof TollgateError) || error.code !== 'invalid_credentials') throw error;
        return json(
          400,
          { non_field_errors: ['Unable to login with provided credentials.'] },
          { [ERROR_CODE_HEADER]: error.code, ...NO_STORE },
        );
      }
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v2/me/',
    profile: 'uat-jwt',
    operationId: 'me',
    summary: 'Who is calling, through which credential, with which rights.',
    shape: 'detail',
    carriesTokens: false,
    security: ['JWT', 'UAT', 'Bearer', 'cookie'],
    responses: { 200: { description: 'The caller.', schema: Me }, 401: detailResponses[401] },
    handle: async ({ authenticate }) => json(200, meBody(await authenticate())),
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v2/me/tokens/',
    profile: 'uat-jwt',
    operationId: 'createUat',
    summary: 'Creates a user authorization token; its value is shown only in this response.',
    shape: 'detail',
    carriesTokens: true,
    security: [...MANAGERS],
    body: z
      .object({ name: uatNameField, expires_at: uatExpiryField, permissions: uatPermissionsField })
      .meta({ id: 'CreateUat' }),
    responses: {
      201: { description: 'The token, shown once.', schema: CreatedUat },
      400: { description: 'Invalid name, expiry or permission.', schema: FieldErrors },
      ...detailResponses,
    },
    handle: async ({ tollgate, body, authenticate }) => {
      const caller = await authenticate();
      const uat = await tollgate.uats.create({
        caller,
        name: body.name,
        expiresAt: body.expires_at,
        permissions: body.permissions,
      });
      const { last_used_at: _used, revoked_at: _revoked, ...created } = listItem(uat);
      return json(201, {
        id: created.id,
        name: created.name,
        token: uat.token,
        prefix: created.prefix,
        expires_at: created.expires_at,
        permissions: created.permissions,
        created_at: created.created_at,
      });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v2/me/tokens/',
    profile: 'uat-jwt',
    operationId: 'listUats',
    summary: "The caller's user authorization tokens, newest first, without their values.",
    shape: 'detail',
    carriesTokens: false,
    security: [...MANAGERS],
    responses: { 200: { description: 'The tokens.', schema: z.array(UatListItem) }, ...detailResponses },
    handle: async ({ tollgate, authenticate }) => {
      const caller = await authenticate();
      return json(200, (await tollgate.uats.list({ caller })).map(listItem));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v2/me/tokens/{id}/',
    profile: 'uat-jwt',
    operationId: 'revokeUat',
    summary: 'Revokes one of the caller’s tokens; it stops working at once.',
    shape: 'detail',
    carriesTokens: false,
    security: [...MANAGERS],
    responses: {
      204: { description: 'Revoked.' },
      ...detailResponses,
      404: { description: 'No such token of the caller.', schema: Detail },
    },
    handle: async ({ tollgate, params, authenticate }) => {
      const caller = await authenticate();
      await tollgate.uats.revoke({ caller, id: params.id! });
      return empty(204);
    },
  }),
] as const;
