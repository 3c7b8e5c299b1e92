import { z } from 'zod';
import type { RequestCredentials } from '../credentials.js';
import { TollgateError } from '../errors.js';
import type { Tollgate } from '../tollgate.js';
import type { CredentialSource, Principal, Requirement } from '../types.js';
import { firstHeader, readJsonBody } from './body.js';
import { delegatedLoginRoutes } from './profiles/delegated-login.js';
import { tokenPairRoutes } from './profiles/token-pair.js';
import { uatJwtRoutes } from './profiles/uat-jwt.js';
import { userTokenRoutes } from './profiles/user-tokens.js';
import { NO_STORE, renderError } from './render.js';
import type {
  ErrorShape,
  GuardResult,
  GuardRule,
  HttpHandlerOptions,
  HttpMethod,
  HttpRequest,
  HttpResponse,
  ProfileName,
  ResolvedHttpOptions,
  RouteDefinition,
} from './types.js';
import { queryRecord, validate } from './validate.js';

const ALL_PROFILES: readonly ProfileName[] = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'];
const PROFILE_ROUTES: Readonly<Record<ProfileName, readonly RouteDefinition[]>> = {
  'user-tokens': userTokenRoutes,
  'delegated-login': delegatedLoginRoutes,
  'token-pair': tokenPairRoutes,
  'uat-jwt': uatJwtRoutes,
};
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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

export interface TollgateHttp {
  /** The mounted routes, prefix applied. */
  readonly routes: readonly RouteDefinition[];
  readonly options: ResolvedHttpOptions;
  /** Serves a request if it is for a mounted route; null when it is not (the app handles it). */
  handle(request: HttpRequest): Promise<HttpResponse | null>;
  /** Authenticates and authorizes a request for an app route; refusals come rendered. */
  guard(request: HttpRequest, rule?: GuardRule): Promise<GuardResult>;
  /**
   * `guard`'s result when it is known without waiting (a credential still in Tollgate's cache, see
   * `Tollgate.authenticateCached`), else undefined: then call `guard`. Lets an adapter answer a
   * cache hit synchronously, without a promise.
   */
  guardCached(request: HttpRequest, rule?: GuardRule): GuardResult | undefined;
  /**
   * Authenticates a request (only these sources; default all) with the session cookie's CSRF
   * rule applied; a refusal is thrown as the `TollgateError` (for adapters that report refusals
   * their framework's own way, e.g. passport strategies).
   */
  authenticate(request: HttpRequest, sources?: readonly CredentialSource[]): Promise<Principal>;
  /** Authorizes a principal already on the request; null when it may proceed. */
  check(
    principal: Principal | null | undefined,
    requirement: Requirement,
    shape?: ErrorShape,
  ): HttpResponse | null;
  /** Renders any error in a profile's shape (a non-Tollgate error as a 500 without detail). */
  renderError(error: unknown, shape?: ErrorShape, allow?: readonly string[]): HttpResponse;
  /** An OpenAPI 3.1 document of the mounted routes, built from the same table that serves them. */
  openapi(info?: OpenApiInfo): Record<string, unknown>;
}

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly segments: readonly string[];
}

function splitPath(path: string): string[] {
  // Trailing slashes are not significant: `/api/v2/me` and `/api/v2/me/` are one route.
  return path.split('/').filter((segment) => segment.length > 0);
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const segment = actual[i]!;
    if (expected.startsWith('{')) {
      let value: string;
      try {
        value = decodeURIComponent(segment);
      } catch (cause) {
        throw new TollgateError('malformed_request', {
          message: 'A path segment is not valid percent-encoding.',
          cause,
        });
      }
      params[expected.slice(1, -1)] = value;
    } else if (expected !== segment) {
      return null;
    }
  }
  return params;
}

function requestCredentials(request: HttpRequest): RequestCredentials {
  return { authorization: request.headers.authorization, cookie: request.headers.cookie };
}

function originOf(value: string): string | null {
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

/**
 * The framework-neutral HTTP face of a Tollgate: the chosen profiles' route table, a guard for
 * the app's own routes, error rendering and the OpenAPI document. Adapters translate to and
 * from `HttpRequest` / `HttpResponse` and call these; they hold no rule.
 */
export function createHttpHandler(tollgate: Tollgate, handlerOptions: HttpHandlerOptions = {}): TollgateHttp {
  const prefix = (handlerOptions.prefix ?? '').replace(/\/+$/, '');
  const options: ResolvedHttpOptions = {
    profiles: handlerOptions.profiles ?? ALL_PROFILES,
    prefix,
    maxBodyBytes: handlerOptions.maxBodyBytes ?? 65_536,
    cookie: {
      secure: handlerOptions.cookie?.secure ?? true,
      sameSite: handlerOptions.cookie?.sameSite ?? 'Lax',
      path: handlerOptions.cookie?.path ?? '/',
      domain: handlerOptions.cookie?.domain,
    },
    trustedOrigins: (handlerOptions.trustedOrigins ?? []).map((origin) => originOf(origin) ?? origin),
    realm: handlerOptions.realm ?? 'tollgate',
    cookieName: tollgate.options.cookieName,
    onUnexpectedError: handlerOptions.onUnexpectedError ?? (() => {}),
  };
  const routes = options.profiles.flatMap((profile) => PROFILE_ROUTES[profile]);
  const compiled: CompiledRoute[] = routes.map((route) => ({
    route,
    segments: splitPath(prefix + route.path),
  }));

  const render = (error: unknown, shape: ErrorShape, allow?: readonly string[]): HttpResponse => {
    if (!(error instanceof TollgateError)) options.onUnexpectedError(error);
    return renderError(error, shape, allow ? { realm: options.realm, allow } : { realm: options.realm });
  };

  const checkOrigin = (request: HttpRequest): void => {
    const claimed = firstHeader(request.headers.origin) ?? firstHeader(request.headers.referer);
    const origin = claimed === undefined ? null : originOf(claimed);
    const host = firstHeader(request.headers.host);
    // The request's own origin: its Host under the configured scheme (https unless the cookie is
    // configured for plain-HTTP development), so http://host is not taken for https://host.
    const scheme = options.cookie.secure ? 'https' : 'http';
    const sameOrigin = origin !== null && host !== undefined && origin === originOf(`${scheme}://${host}`);
    if (origin === null || !(sameOrigin || options.trustedOrigins.includes(origin))) {
      throw new TollgateError('csrf_origin_mismatch');
    }
  };

  const authenticate = async (
    request: HttpRequest,
    sources?: readonly CredentialSource[],
  ): Promise<Principal> => {
    const principal = await tollgate.authenticate(
      requestCredentials(request),
      sources ? { sources } : undefined,
    );
    if (principal.source === 'cookie' && STATE_CHANGING.has(request.method)) checkOrigin(request);
    return principal;
  };

  const serve = async (
    request: HttpRequest,
    route: RouteDefinition,
    params: Record<string, string>,
    search: URLSearchParams,
  ) => {
    const query = route.query ? validate(route.query, queryRecord(search), 'query') : {};
    const body = route.body
      ? validate(route.body, await readJsonBody(request, options.maxBodyBytes), 'body')
      : undefined;
    return route.handle({
      tollgate,
      request,
      params,
      query,
      body,
      options,
      authenticate: (sources) => authenticate(request, sources),
    });
  };

  const withTokenHeaders = (response: HttpResponse, route: RouteDefinition): HttpResponse =>
    route.carriesTokens ? { ...response, headers: { ...response.headers, ...NO_STORE } } : response;

  return {
    routes: compiled.map(({ route }) => ({ ...route, path: prefix + route.path })),
    options,

    async handle(request) {
      let url: URL;
      try {
        url = new URL(request.url, 'http://tollgate.invalid');
      } catch {
        return null;
      }
      const actual = splitPath(url.pathname);
      // HEAD is a GET without the body (RFC 9110 §9.3.2).
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      const allowed: string[] = [];
      let pathRoute: RouteDefinition | undefined;
      for (const { route, segments } of compiled) {
        let params: Record<string, string> | null;
        try {
          params = matchSegments(segments, actual);
        } catch (error) {
          return render(error, route.shape);
        }
        if (params === null) continue;
        pathRoute ??= route;
        if (route.method !== method) {
          allowed.push(route.method);
          continue;
        }
        let response: HttpResponse;
        try {
          response = withTokenHeaders(await serve(request, route, params, url.searchParams), route);
        } catch (error) {
          response = withTokenHeaders(render(error, route.shape), route);
        }
        return method === request.method ? response : { ...response, body: null };
      }
      if (pathRoute === undefined) return null;
      return render(new TollgateError('method_not_allowed'), pathRoute.shape, allowed);
    },

    async guard(request, rule = {}) {
      const shape = rule.shape ?? 'default';
      let principal: Principal;
      try {
        principal = await authenticate(request, rule.sources);
      } catch (error) {
        if (rule.optional && error instanceof TollgateError && error.code === 'credentials_missing') {
          return { ok: true, principal: null };
        }
        return { ok: false, response: render(error, shape) };
      }
      const refusal = this.check(principal, rule, shape);
      return refusal ? { ok: false, response: refusal } : { ok: true, principal };
    },

    guardCached(request, rule = {}) {
      const credentials = requestCredentials(request);
      const authOptions = rule.sources ? { sources: rule.sources } : undefined;
      const principal = tollgate.authenticateCached(credentials, authOptions);
      if (principal === undefined) {
        // A credential refused before is refused again at once, as `guard` would (optional or not).
        const refusal = tollgate.cachedRefusal(credentials, authOptions);
        return refusal ? { ok: false, response: render(refusal, rule.shape ?? 'default') } : undefined;
      }
      // A cookie-borne principal is never answered here: its CSRF check is `guard`'s.
      if (principal.source === 'cookie') return undefined;
      const refusal = this.check(principal, rule, rule.shape ?? 'default');
      return refusal ? { ok: false, response: refusal } : { ok: true, principal };
    },

    check(principal, requirement, shape = 'default') {
      try {
        if (!principal) throw new TollgateError('credentials_missing');
        tollgate.authorize(principal, requirement);
        return null;
      } catch (error) {
        return render(error, shape);
      }
    },

    authenticate,

    renderError: (error, shape = 'default', allow) => render(error, shape, allow),

    openapi: (info = {}) => buildOpenApi(compiled, options, info),
  };
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

function buildOpenApi(compiled: readonly CompiledRoute[], options: ResolvedHttpOptions, info: OpenApiInfo) {
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
