import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_CATALOGUE } from '../errors.js';
import type { CredentialSource } from '../types.js';
import { EnvelopeErrorSchema } from './profiles/token-pair/error-body.js';
import { DetailErrorSchema, FieldErrorsSchema } from './profiles/uat-jwt/error-body.js';
import { DefaultErrorSchema } from './render.js';
import type { CompiledRoute } from './router.js';
import type { ErrorShape, HttpMethod, ResolvedHttpOptions, ResponseDoc, RouteDefinition } from './types.js';

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
  /** The success status and its description, and the schema of its JSON body. Default 200 `OK`. */
  readonly success?: { readonly status: number; readonly description: string; readonly schema?: z.ZodType };
  /**
   * The JSON body the route reads (through the adapter's `json()`, so also answers 413 and 415).
   * Default: none.
   */
  readonly body?: z.ZodType;
}

/** An entry of the document's `servers`. */
export interface OpenApiServer {
  /** Absolute, or relative to where the document is served (`/`). */
  readonly url: string;
  readonly description?: string;
}

export interface OpenApiInfo {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
  /** The API's licence (`info.license`). Default none. */
  readonly license?: { readonly name: string; readonly identifier?: string; readonly url?: string };
  /** Where the API is served. Default `[{ url: '/' }]`: the origin that serves the document. */
  readonly servers?: readonly OpenApiServer[];
  /** The app's own routes to document too. */
  readonly appRoutes?: readonly AppRouteDoc[];
}

/** The 400 of the UAT/JWT API: messages per field, or `{"detail"}` (e.g. two credentials at once). */
const DetailBadRequest = z
  .union([FieldErrorsSchema, DetailErrorSchema])
  .meta({ id: 'DetailBadRequest', description: 'Messages per field, or a `detail`.' });

/** Each error shape's body, a named component; a new shape must say how its errors look. */
const ERROR_SCHEMAS: Readonly<
  Record<ErrorShape, { readonly error: z.ZodType; readonly badRequest: z.ZodType }>
> = {
  default: { error: DefaultErrorSchema, badRequest: DefaultErrorSchema },
  envelope: { error: EnvelopeErrorSchema, badRequest: EnvelopeErrorSchema },
  detail: { error: DetailErrorSchema, badRequest: DetailBadRequest },
};

const PROFILE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'user-tokens': 'Scheme A: user tokens bound to environments.',
  'delegated-login': "Scheme B: an administrator signs a user in; the browser's session cookie.",
  'token-pair': 'Scheme C: an access token and a rotating refresh token.',
  'uat-jwt': 'Scheme D: JWT login, `/me` and user authorization tokens (UATs).',
  sessions: "The caller's sessions; administrators' user management and audit trail.",
  oauth: 'For other verifiers: the key set, RFC 8414 metadata and RFC 7662 introspection.',
  app: "The app's own routes, guarded by Tollgate.",
};

/**
 * The `Authorization` schemes. `JWT` and `UAT` are HTTP authentication schemes of their own
 * (`Authorization: JWT <token>`), so `type: http` with that scheme name: OpenAPI takes any scheme
 * name there, and Redocly, swagger-parser and openapi-typescript accept it (test/openapi in the
 * Express example checks).
 */
function securityScheme(source: CredentialSource, options: ResolvedHttpOptions): Record<string, unknown> {
  switch (source) {
    case 'Bearer':
      return {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'An access, user or delegated token: `Authorization: Bearer <token>`.',
      };
    case 'JWT':
      return { type: 'http', scheme: 'JWT', description: 'An access token: `Authorization: JWT <token>`.' };
    case 'UAT':
      return {
        type: 'http',
        scheme: 'UAT',
        description: 'A user authorization token: `Authorization: UAT <token>`.',
      };
    case 'cookie':
      return {
        type: 'apiKey',
        in: 'cookie',
        name: options.cookieName,
        description:
          'The session cookie set by delegated login. A request that changes state must also come from an allowed origin (`Origin`).',
      };
    case 'path':
      // A token in the URL path is a path parameter of the route, documented there.
      return {};
  }
}

const HEADERS = {
  TollgateErrorCode: {
    name: 'Tollgate-Error-Code',
    object: {
      description: "The catalogue code of the refusal, whatever the body's shape.",
      schema: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) },
    },
  },
  WWWAuthenticate: {
    name: 'WWW-Authenticate',
    object: {
      description:
        'One challenge per scheme the route accepts, with the realm and, unless no credentials were sent, `error="invalid_token"` (RFC 9110 §11.6.1, RFC 6750 §3).',
      schema: { type: 'string' },
    },
  },
  RetryAfter: {
    name: 'Retry-After',
    object: {
      description: 'Seconds until a retry may succeed (on 429, and on 503 `login_overloaded`).',
      schema: { type: 'integer', minimum: 1 },
    },
  },
  CacheControl: {
    name: 'Cache-Control',
    object: {
      description: 'The answer carries a token: never stored.',
      schema: { type: 'string', const: 'no-store' },
    },
  },
  Pragma: {
    name: 'Pragma',
    object: { description: 'For HTTP/1.0 caches.', schema: { type: 'string', const: 'no-cache' } },
  },
} as const;
type HeaderKey = keyof typeof HEADERS;
const headerRef = (key: HeaderKey) => ({ $ref: `#/components/headers/${key}` });

const JSON_TYPE = 'application/json';
const STATE_CHANGING: ReadonlySet<HttpMethod> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** One answer being put together: what the route declares, and what its kind adds. */
interface Answer {
  description: string;
  readonly content: Map<string, z.ZodType>;
  readonly headers: Map<string, { $ref: string } | { description: string; schema: { type: 'string' } }>;
}

/** The parts of a route the document is built from: a profile route's, or an app route's. */
interface Documented {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly shape: ErrorShape;
  readonly carriesTokens: boolean;
  readonly security: readonly CredentialSource[] | undefined;
  readonly query?: z.ZodObject;
  readonly strictQuery: boolean;
  readonly body?: z.ZodType;
  readonly login: boolean;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
}

/** The answers of a route: its own, and those every route like it gives, each with its headers. */
function answersOf(route: Documented): Map<number, Answer> {
  const errors = ERROR_SCHEMAS[route.shape];
  const errorSchema = (status: number) => (status === 400 ? errors.badRequest : errors.error);
  const answers = new Map<number, Answer>();
  for (const [key, doc] of Object.entries(route.responses)) {
    const status = Number(key);
    const content = new Map<string, z.ZodType>();
    const type = doc.contentType ?? (doc.schema || status >= 400 ? JSON_TYPE : undefined);
    if (type === JSON_TYPE && status >= 400) content.set(type, errorSchema(status));
    else if (type !== undefined) content.set(type, doc.schema ?? z.string());
    const headers: Answer['headers'] = new Map();
    for (const [name, description] of Object.entries(doc.headers ?? {})) {
      headers.set(name, { description, schema: { type: 'string' } });
    }
    answers.set(status, { description: doc.description, content, headers });
  }
  // Refused before the route's handler runs: always a JSON error, also beside a declared page.
  const early = (status: number, description: string) => {
    const answer = answers.get(status);
    if (answer === undefined) {
      answers.set(status, {
        description,
        content: new Map([[JSON_TYPE, errorSchema(status)]]),
        headers: new Map(),
      });
    } else if (!answer.content.has(JSON_TYPE)) {
      answer.content.set(JSON_TYPE, errorSchema(status));
      answer.description += ` Or: ${description}`;
    }
  };
  // Refused by the operation: unless the route answers it its own way.
  const late = (status: number, description: string) => {
    if (!answers.has(status)) {
      answers.set(status, {
        description,
        content: new Map([[JSON_TYPE, errorSchema(status)]]),
        headers: new Map(),
      });
    }
  };

  // Bad input: a field, a (repeated) query parameter, a path segment that is not percent-encoding;
  // the guard refuses two credentials at once.
  if (route.security || route.body || route.query || route.strictQuery || route.path.includes('{')) {
    early(400, 'Malformed request: a missing or invalid field or parameter, or more than one credential.');
  }
  if (route.security) {
    early(401, 'No credentials, or credentials that are not valid here.');
    if (route.security.includes('cookie') && STATE_CHANGING.has(route.method)) {
      early(403, 'A cookie-authenticated request from an origin that is not allowed.');
    }
  }
  if (route.body) {
    early(413, 'The request body is larger than allowed.');
    early(415, 'The request body is not `application/json`.');
  }
  if (route.login) {
    late(
      429,
      'Too many failed logins for this user or from this address; retry after `Retry-After` seconds.',
    );
    late(
      503,
      'Too many password checks under way (`login_overloaded`, with `Retry-After`), or the token store cannot be reached (`store_unavailable`).',
    );
  }
  late(503, 'The token store cannot be reached (`store_unavailable`); try again shortly.');

  for (const [status, answer] of answers) {
    const json = answer.content.has(JSON_TYPE);
    if (status >= 400 && json)
      answer.headers.set(HEADERS.TollgateErrorCode.name, headerRef('TollgateErrorCode'));
    if (status === 401 && json)
      answer.headers.set(HEADERS.WWWAuthenticate.name, headerRef('WWWAuthenticate'));
    if (status === 429 || status === 503)
      answer.headers.set(HEADERS.RetryAfter.name, headerRef('RetryAfter'));
    if (route.carriesTokens) {
      answer.headers.set(HEADERS.CacheControl.name, headerRef('CacheControl'));
      answer.headers.set(HEADERS.Pragma.name, headerRef('Pragma'));
    }
  }
  return new Map([...answers].sort(([a], [b]) => a - b));
}

function responseConfig(answer: Answer): ResponseConfig {
  return {
    description: answer.description,
    ...(answer.headers.size > 0 ? { headers: Object.fromEntries(answer.headers) } : {}),
    ...(answer.content.size > 0
      ? { content: Object.fromEntries([...answer.content].map(([type, schema]) => [type, { schema }])) }
      : {}),
  };
}

function pathParameters(path: string): z.ZodObject | undefined {
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  return names.length > 0 ? z.object(Object.fromEntries(names.map((name) => [name, z.string()]))) : undefined;
}

function registerRoute(registry: OpenAPIRegistry, route: Documented): void {
  const params = pathParameters(route.path);
  const security = (route.security ?? []).filter((source) => source !== 'path');
  const config: RouteConfig = {
    method: route.method.toLowerCase() as RouteConfig['method'],
    path: route.path,
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    request: {
      ...(params ? { params } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.body ? { body: { required: true, content: { [JSON_TYPE]: { schema: route.body } } } } : {}),
    },
    responses: Object.fromEntries(
      [...answersOf(route)].map(([status, answer]) => [String(status), responseConfig(answer)]),
    ),
    // Alternatives: any one of the sources; `[]` for a public route.
    security: security.map((source) => ({ [source]: [] })),
  };
  registry.registerPath(config);
}

const camelCase = (method: HttpMethod, path: string): string =>
  `${method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;

/**
 * An OpenAPI 3.1 document of the mounted routes, generated by zod-to-openapi from the same route
 * table and zod schemas that serve and validate them: bodies, queries and answers from the routes'
 * schemas (those with `.meta({ id })` as named components), each error shape a named component,
 * the error answers each kind of route can give and their headers added from what the route is.
 */
export function buildOpenApi(
  compiled: readonly CompiledRoute[],
  options: ResolvedHttpOptions,
  info: OpenApiInfo,
): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  const used = new Set<CredentialSource>();
  const tags = new Set<string>();
  const document = (route: Documented) => {
    for (const source of route.security ?? []) if (source !== 'path') used.add(source);
    tags.add(route.tag);
    registerRoute(registry, route);
  };

  for (const { route } of compiled) document(fromProfile(route, options.prefix));
  for (const route of info.appRoutes ?? []) document(fromApp(route, options.errorShape));

  for (const [key, { object }] of Object.entries(HEADERS)) {
    registry.registerComponent('headers', key, object as never);
  }
  for (const source of used) {
    registry.registerComponent('securitySchemes', source, securityScheme(source, options) as never);
  }
  const generated = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'Tollgate',
      version: info.version ?? '1.0.0',
      ...(info.description ? { description: info.description } : {}),
      ...(info.license ? { license: { ...info.license } } : {}),
    },
    servers: (info.servers ?? [{ url: '/' }]).map((server) => ({ ...server })),
    tags: [...tags].map((name) => ({ name, description: PROFILE_DESCRIPTIONS[name] ?? name })),
  });
  // The generator always writes `webhooks` and may leave empty component maps: these APIs have none.
  const { webhooks: _none, components = {}, ...rest } = generated;
  const named = Object.entries(components).filter(([, entries]) => Object.keys(entries ?? {}).length > 0);
  return { ...rest, components: Object.fromEntries(named) };
}

function fromProfile(route: RouteDefinition, prefix: string): Documented {
  const tokenInPath = route.secrets?.params?.length
    ? `The token in the path is the credential (\`${route.secrets.params.join('`, `')}\`).`
    : undefined;
  return {
    method: route.method,
    path: prefix + route.path,
    operationId: route.operationId,
    summary: route.summary,
    ...(tokenInPath ? { description: tokenInPath } : {}),
    tag: route.profile,
    shape: route.shape,
    carriesTokens: route.carriesTokens,
    security: route.security,
    ...(route.query ? { query: route.query } : {}),
    strictQuery: route.strictQuery ?? false,
    ...(route.body ? { body: route.body } : {}),
    login: route.login ?? false,
    responses: route.responses,
  };
}

function fromApp(route: AppRouteDoc, shape: ErrorShape): Documented {
  const success = route.success ?? { status: 200, description: 'OK' };
  return {
    method: route.method,
    path: route.path,
    operationId: camelCase(route.method, route.path),
    summary: route.summary,
    ...(route.permissions?.length ? { description: `Requires: ${route.permissions.join(', ')}.` } : {}),
    tag: 'app',
    shape,
    carriesTokens: false,
    security: route.sources ?? ['Bearer', 'JWT', 'UAT', 'cookie'],
    strictQuery: false,
    ...(route.body ? { body: route.body } : {}),
    login: false,
    responses: {
      [success.status]: {
        description: success.description,
        ...(success.schema ? { schema: success.schema } : {}),
      },
      ...(route.permissions?.length ? { 403: { description: 'A required permission is missing.' } } : {}),
    },
  };
}
