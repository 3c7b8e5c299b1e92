// The HTTP handler itself: serving the mounted routes, the guard, error rendering and the OpenAPI document.
import { TollgateError } from '../errors.js';
import { parseInput } from '../operations/input.js';
import type { Tollgate } from '../tollgate.js';
import type { CredentialSource, Principal, Requirement } from '../types.js';
import { readJsonBody } from './body.js';
import { corsHeaders } from './cors.js';
import { createGuard } from './guard.js';
import { type AppRouteDoc, buildOpenApi, type OpenApiInfo, type OpenApiServer } from './openapi.js';
import { PROFILE_NAMES, PROFILE_ROUTES, resolveOptions } from './options.js';
import { queryRecord } from './query.js';
import { NO_STORE, renderError } from './render.js';
import { compileRoutes, matchSegments, parseRequestTarget, splitPath } from './router.js';
import type {
  ErrorShape,
  GuardResult,
  GuardRule,
  HttpHandlerOptions,
  HttpRequest,
  HttpResponse,
  ResolvedHttpOptions,
  RouteDefinition,
} from './types.js';

export type { AppRouteDoc, OpenApiInfo, OpenApiServer };
export { PROFILE_NAMES };

const NO_APP_ROUTES: readonly AppRouteDoc[] = [];
/** Documents kept per `appRoutes` array (a caller varying its `info` each call gets no unbounded cache). */
const MAX_DOCUMENTS = 8;

export interface TollgateHttp {
  /** The mounted routes, prefix applied. */
  readonly routes: readonly RouteDefinition[];
  readonly options: ResolvedHttpOptions;
  /** Serves a request if it is for a mounted route; null when it is not (the app handles it). */
  handle(request: HttpRequest): Promise<HttpResponse | null>;
  /**
   * Authenticates and authorizes a request for an app route; a refusal comes rendered, with its
   * error. Synchronous when the credential is known (see `Tollgate.authenticate`), else a promise.
   */
  guard(request: HttpRequest, rule?: GuardRule): GuardResult | Promise<GuardResult>;
  /** Authorizes a principal already on the request; null when it may proceed. */
  check(
    principal: Principal | null | undefined,
    requirement: Requirement,
    shape?: ErrorShape,
  ): HttpResponse | null;
  /**
   * Renders any error in a shape (default: the handler's `errorShape`; a non-Tollgate error as a 500).
   * `allow`: a 405's methods; `sources`: what the route accepts, for a 401's challenges (default all).
   */
  renderError(
    error: unknown,
    shape?: ErrorShape,
    allow?: readonly string[],
    sources?: readonly CredentialSource[],
  ): HttpResponse;
  /**
   * An OpenAPI 3.1 document of the mounted routes, generated from the same table that serves them.
   * Built once per `info` (the same `appRoutes` array and the same other fields), a fresh copy each call.
   */
  openapi(info?: OpenApiInfo): Record<string, unknown>;
}

/** The principal `serve` found before the body, never verified twice; narrower sources still hold. */
function alreadyAuthenticated(
  principal: Principal,
  sources?: readonly CredentialSource[],
): Promise<Principal> {
  return sources === undefined || sources.includes(principal.source)
    ? Promise.resolve(principal)
    : Promise.reject(new TollgateError('unsupported_scheme'));
}

/**
 * The framework-neutral HTTP face of a Tollgate: the chosen profiles' route table, a guard for
 * the app's own routes, error rendering and the OpenAPI document. Adapters translate to and
 * from `HttpRequest` / `HttpResponse` and call these; they hold no rule.
 */
export function createHttpHandler(tollgate: Tollgate, handlerOptions: HttpHandlerOptions): TollgateHttp {
  const options = resolveOptions(tollgate, handlerOptions);
  const routes = options.profiles.flatMap((profile) => PROFILE_ROUTES[profile]);
  const compiled = compileRoutes(routes, options.prefix);
  // The parameters a strict route takes; any other is refused.
  const strictQueries = new Map<RouteDefinition, ReadonlySet<string>>(
    routes
      .filter((route) => route.strictQuery)
      .map((route) => [route, new Set(route.query ? Object.keys(route.query.shape) : [])]),
  );

  const render = (
    error: unknown,
    shape: ErrorShape,
    allow?: readonly string[],
    sources?: readonly CredentialSource[],
  ): HttpResponse => {
    if (!(error instanceof TollgateError) || error.code === 'internal_error')
      options.onUnexpectedError(error);
    return renderError(error, shape, { realm: options.realm, allow, sources });
  };
  const guard = createGuard(tollgate, options, render);
  const documents = new WeakMap<readonly AppRouteDoc[], Map<string, Record<string, unknown>>>();

  const serve = async (
    request: HttpRequest,
    route: RouteDefinition,
    params: Record<string, string>,
    search: URLSearchParams,
  ): Promise<HttpResponse> => {
    // A route that needs credentials checks them first, before its query and its body: a caller
    // without good ones is answered 401 while its body is still unread, so a slow or oversize body
    // costs nothing, and it learns nothing of the route's input rules.
    const principal = route.security ? await guard.authenticate(request, route.security) : undefined;
    const known = strictQueries.get(route);
    const record = route.query || known ? queryRecord(search, known) : {};
    const query = route.query ? parseInput(route.query, record, 'query') : {};
    const body = route.body
      ? parseInput(route.body, await readJsonBody(request, options.maxBodyBytes), 'body')
      : undefined;
    return route.handle({
      tollgate,
      request,
      params,
      query,
      body,
      options,
      authenticate:
        principal === undefined
          ? (sources) => guard.authenticate(request, sources)
          : (sources) => alreadyAuthenticated(principal, sources),
    });
  };

  const withTokenHeaders = (response: HttpResponse, route: RouteDefinition): HttpResponse =>
    route.carriesTokens ? { ...response, headers: { ...response.headers, ...NO_STORE } } : response;

  // CORS in one place for every adapter: the answer to an allowed origin carries its headers.
  const { cors } = options;
  const withCors = (
    request: HttpRequest,
    response: HttpResponse,
    methods: () => readonly string[],
  ): HttpResponse => {
    if (cors === null) return response;
    const headers = request.headers.origin === undefined ? null : corsHeaders(cors, request, methods, false);
    // Whatever the origin (or none), the answer depends on it: a shared cache keeps one per origin.
    const vary = response.headers.vary;
    return {
      ...response,
      headers: {
        ...response.headers,
        ...headers,
        vary: vary === undefined ? 'Origin' : /\bOrigin\b/i.test(vary) ? vary : `${vary}, Origin`,
      },
    };
  };
  // The methods served at a path, for `Access-Control-Allow-Methods`: asked only for an allowed origin.
  const methodsAt = (actual: readonly string[]): string[] =>
    compiled
      .filter((entry) => {
        try {
          return matchSegments(entry.segments, actual) !== null;
        } catch {
          return false;
        }
      })
      .map((entry) => entry.route.method);

  return {
    routes: compiled.map(({ route }) => ({ ...route, path: options.prefix + route.path })),
    options,

    async handle(request) {
      const url = parseRequestTarget(request.url);
      if (url === null) return null;
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
          const page = route.errorPage?.(error);
          response = withTokenHeaders(
            page ?? render(error, route.shape, undefined, route.security ?? []),
            route,
          );
        }
        if (cors !== null) response = withCors(request, response, () => methodsAt(actual));
        return method === request.method ? response : { ...response, body: null };
      }
      if (pathRoute === undefined) return null;
      // A preflight from an allowed origin; from any other, the 405 below without a CORS header.
      if (cors !== null && method === 'OPTIONS' && request.headers['access-control-request-method']) {
        const headers = corsHeaders(cors, request, () => allowed, true);
        if (headers !== null) return { status: 204, headers, body: null };
      }
      return withCors(
        request,
        render(new TollgateError('method_not_allowed'), pathRoute.shape, allowed),
        () => allowed,
      );
    },

    guard: guard.guard,
    check: guard.check,
    renderError: (error, shape = options.errorShape, allow, sources) => render(error, shape, allow, sources),
    openapi: (info = {}) => {
      // Generating takes tens of milliseconds: a public /openapi.json must not cost that per request.
      let byFields = documents.get(info.appRoutes ?? NO_APP_ROUTES);
      if (byFields === undefined) {
        byFields = new Map();
        documents.set(info.appRoutes ?? NO_APP_ROUTES, byFields);
      }
      const key = JSON.stringify([info.title, info.version, info.description, info.license, info.servers]);
      let document = byFields.get(key);
      if (document === undefined) {
        document = buildOpenApi(compiled, options, info);
        if (byFields.size >= MAX_DOCUMENTS) byFields.clear();
        byFields.set(key, document);
      }
      return structuredClone(document);
    },
  };
}
