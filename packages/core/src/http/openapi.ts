import { z } from 'zod';
import type { CredentialSource } from '../types.js';
import type { CompiledRoute } from './router.js';
import type { HttpMethod, ResolvedHttpOptions } from './types.js';

/** One of the app's own protected routes, to list beside the profiles' in the OpenAPI document. */
export interface AppRouteDoc {
  readonly method: HttpMethod;
  /** `{name}` for a path parameter. */
  readonly path: string;
  readonly summary: string;
  /** Credential sources the route accepts. Default: all but `path`. */
  readonly sources?: readonly CredentialSource[];
  /** Permissions the route requires (documented in the description). */
  readonly permissions?: readonly string[];
  /** The success status and its description. Default 200 `OK`. */
  readonly success?: { readonly status: number; readonly description: string };
}

export interface OpenApiInfo {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
  /** The app's own routes to document too. */
  readonly appRoutes?: readonly AppRouteDoc[];
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

const SECURITY_SCHEMES: Readonly<Record<CredentialSource, Record<string, unknown>>> = {
  Bearer: { type: 'http', scheme: 'bearer', description: 'An access, user or delegated token.' },
  JWT: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: '`JWT <token>`: an access token.',
  },
  UAT: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: '`UAT <token>`: a user authorization token.',
  },
  cookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'tollgate_session',
    description: 'A delegated security token.',
  },
  path: { type: 'apiKey', in: 'header', name: 'X-Unused', description: 'A user token in the URL path.' },
};

/** An OpenAPI 3.1 document of the mounted routes, built from the same table that serves them. */
export function buildOpenApi(
  compiled: readonly CompiledRoute[],
  options: ResolvedHttpOptions,
  info: OpenApiInfo,
) {
  const paths: Record<string, Record<string, unknown>> = {};
  const usedSchemes = new Set<CredentialSource>();
  for (const { route } of compiled) {
    const path = options.prefix + route.path;
    const parameters: Record<string, unknown>[] = [];
    for (const match of route.path.matchAll(/\{(\w+)\}/g)) {
      parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
    }
    if (route.query) {
      for (const [name, field] of Object.entries(route.query.shape as Record<string, z.ZodType>)) {
        parameters.push({
          name,
          in: 'query',
          required: !field.safeParse(undefined).success,
          schema: jsonSchema(field),
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      responses[status] = doc.schema
        ? {
            description: doc.description,
            content: { [doc.contentType ?? 'application/json']: { schema: jsonSchema(doc.schema) } },
          }
        : { description: doc.description };
    }
    const security = (route.security ?? []).filter((source) => source !== 'path');
    for (const source of security) usedSchemes.add(source);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.profile],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(route.body) } },
            },
          }
        : {}),
      responses,
      ...(security.length > 0 ? { security: security.map((source) => ({ [source]: [] })) } : {}),
    };
  }
  for (const route of info.appRoutes ?? []) {
    const security = (route.sources ?? ['Bearer', 'JWT', 'UAT', 'cookie']).filter(
      (source) => source !== 'path',
    );
    for (const source of security) usedSchemes.add(source);
    const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const success = route.success ?? { status: 200, description: 'OK' };
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: route.summary,
      tags: ['app'],
      ...(route.permissions?.length ? { description: `Requires: ${route.permissions.join(', ')}.` } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      responses: {
        [success.status]: { description: success.description },
        401: { description: 'No or bad credentials.' },
        403: { description: 'A required permission is missing.' },
      },
      security: security.map((source) => ({ [source]: [] })),
    };
  }
  const securitySchemes: Record<string, unknown> = {};
  for (const source of usedSchemes) {
    securitySchemes[source] =
      source === 'cookie'
        ? { ...SECURITY_SCHEMES.cookie, name: options.cookieName }
        : SECURITY_SCHEMES[source];
  }
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'Tollgate',
      version: info.version ?? '1.0.0',
      ...(info.description ? { description: info.description } : {}),
    },
    paths,
    components: { securitySchemes },
  };
}
