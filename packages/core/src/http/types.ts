import type { z } from 'zod';
import type { TollgateError } from '../errors.js';
import type { TollgateLogger } from '../logger.js';
import type { Tollgate } from '../tollgate.js';
import type { CredentialSource, Principal, Requirement } from '../types.js';
import type { ResolvedCors } from './cors.js';
import type { TollgateHttp } from './handler.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The documented APIs Tollgate can serve; an app mounts the ones it wants. `sessions` (the user's
 * sessions, administrators' user management and audit trail) is Tollgate's own and opt-in; so is
 * `oauth` (the JWKS, RFC 8414 metadata and RFC 7662 introspection, for other verifiers).
 */
export type ProfileName = 'user-tokens' | 'delegated-login' | 'token-pair' | 'uat-jwt' | 'sessions' | 'oauth';

/** A resource server allowed to introspect tokens, authenticated by HTTP Basic (RFC 7662 §2.1). */
export interface IntrospectionClient {
  readonly id: string;
  /** At least 16 characters; compared in constant time. */
  readonly secret: string;
}

/** The `oauth` profile's settings. */
export interface OAuthProfileOptions {
  /**
   * Where this server is reached from outside, e.g. `https://auth.example.com`: the base of the
   * metadata's absolute URLs (`jwks_uri`, `introspection_endpoint`; the handler's `prefix` follows
   * it). Default: the Tollgate's `issuer`, which must then be an http(s) URL. Never taken from a
   * request's `Host`, which a client chooses.
   */
  readonly publicUrl?: string;
  /** Who may call `POST /oauth/introspect`. None: every introspection request is answered 401. */
  readonly introspectionClients?: readonly IntrospectionClient[];
}

/**
 * How an error is rendered: `default` `{"code","message"}`, `envelope` the token-pair API's
 * `{"errorCode","errorMessage","content","pageable"}`, `detail` the UAT/JWT API's `{"detail"}`.
 */
export type ErrorShape = 'default' | 'envelope' | 'detail';

export type HeaderValue = string | readonly string[] | undefined;

/** What an adapter hands the core: a framework's request, translated. */
export interface HttpRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Path and query as received, e.g. `/Authentication?username=a`. */
  readonly url: string;
  /** Headers by lower-case name; repeated headers as arrays (Node: `req.headersDistinct`). */
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /**
   * The body: the raw stream (the core reads at most `maxBodyBytes`), or what a body parser
   * of the app already produced. Absent for requests without one.
   */
  readonly body?: AsyncIterable<Uint8Array> | { readonly parsed: unknown };
  /**
   * The client's IP for the per-IP login limit, as the framework trusts it (Express `req.ip`,
   * Koa `ctx.ip`, which honour the app's proxy settings). Default: the socket's peer address.
   */
  readonly clientIp?: string | undefined;
}

/** What the core hands back: an adapter writes it as it is. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Serialized body, or null for none (204). */
  readonly body: string | null;
}

export interface RouteContext<Query, Body> {
  readonly tollgate: Tollgate;
  readonly request: HttpRequest;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Query;
  readonly body: Body;
  readonly options: ResolvedHttpOptions;
  /**
   * Authenticates the request, accepting only these sources (default: all). On a route that declares
   * `security` the request was authenticated with those sources before its query and body were read:
   * this returns that principal without verifying the credential again.
   */
  authenticate(sources?: readonly CredentialSource[]): Promise<Principal>;
}

/**
 * One answer of a route, for the OpenAPI document. A schema with `.meta({ id })` becomes a named
 * component. An error answer (4xx, 5xx) in JSON is documented with the route's error shape's schema.
 */
export interface ResponseDoc {
  readonly description: string;
  readonly contentType?: string;
  readonly schema?: z.ZodType;
  /** Headers this answer sets besides the ones every route's answers get, by name: their descriptions. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One endpoint of a profile: enough to serve it and to document it in OpenAPI. */
export interface RouteDefinition {
  readonly method: HttpMethod;
  /** Relative to the handler's prefix, `{name}` for a path parameter. */
  readonly path: string;
  readonly profile: ProfileName;
  readonly operationId: string;
  readonly summary: string;
  /** How this route's errors are rendered. */
  readonly shape: ErrorShape;
  /** Adds `Cache-Control: no-store` and `Pragma: no-cache` to every response. */
  readonly carriesTokens: boolean;
  /**
   * Credential sources the route authenticates with (and the OpenAPI document's `security`). A route
   * that declares them authenticates the caller before it reads its query or body: without good
   * credentials it answers 401 and leaves the body unread.
   */
  readonly security?: readonly CredentialSource[];
  /**
   * What of the URL is secret, for `redactUrl`: path parameters and query fields by name. On a route
   * that carries tokens, every query field the route does not declare is treated as secret too.
   */
  readonly secrets?: { readonly params?: readonly string[]; readonly query?: readonly string[] };
  readonly query?: z.ZodObject;
  /**
   * Refuse (400 `malformed_request`, naming it in `fields`) a query parameter `query` does not declare,
   * instead of ignoring it; without `query`, any query parameter. Repeated parameters are refused on
   * every route.
   */
  readonly strictQuery?: boolean;
  readonly body?: z.ZodType;
  /**
   * A password login: limited per user and per address (429 `rate_limited`) and by the password
   * hashing gate (503 `login_overloaded`), both with `Retry-After`. Documents those answers.
   */
  readonly login?: boolean;
  /**
   * The answers the route itself gives. The OpenAPI document adds those every route of its kind can
   * give: 400 for bad input, 401 (and 403 for a cookie on a state-changing method) with `security`,
   * 413 and 415 with a `body`, 429 and 503 for a `login`, 503 when the store cannot be reached.
   */
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /**
   * A page a person reads instead of the error shape, for a route a browser lands on: every refusal
   * (bad query included) goes through it; `undefined` leaves the error to the usual rendering.
   */
  readonly errorPage?: (error: unknown) => HttpResponse | undefined;
  handle(context: RouteContext<unknown, unknown>): Promise<HttpResponse>;
}

export interface CookieOptions {
  /** Adds `Secure`. Default true; set false only for local development over plain HTTP. */
  readonly secure?: boolean;
  /** Default `Lax`. */
  readonly sameSite?: 'Strict' | 'Lax' | 'None';
  /** Default `/`. */
  readonly path?: string;
  readonly domain?: string;
}

/** Which other origins' browser pages may call the profiles' routes. */
export interface CorsOptions {
  /**
   * The allowed origins, exactly as browsers send them (`https://app.example.com`: scheme, host,
   * port): a preflight from one is answered 204 with `Access-Control-*`, its requests get
   * `Access-Control-Allow-Origin`; any other origin gets no CORS header at all. No `*`.
   */
  readonly origins: readonly string[];
  /**
   * Let those pages send the session cookie (`fetch(..., { credentials: 'include' })`):
   * `Access-Control-Allow-Credentials: true`, and the origins are trusted for cookie-authenticated
   * state-changing requests (as `trustedOrigins`). Default false. A cross-site page also needs
   * `cookie.sameSite: 'None'`.
   */
  readonly credentials?: boolean;
  /** How long a browser may reuse a preflight's answer, in seconds. Default 600. */
  readonly maxAge?: number;
  /** Request headers the pages may send. Default `['Authorization', 'Content-Type']`. */
  readonly allowedHeaders?: readonly string[];
  /** Response headers the pages may read. Default `['Tollgate-Error-Code', 'WWW-Authenticate', 'Retry-After']`. */
  readonly exposedHeaders?: readonly string[];
}

export interface HttpHandlerOptions {
  /**
   * Required: which APIs to serve, by name (`PROFILE_NAMES`): `'user-tokens'`, `'delegated-login'`,
   * `'token-pair'`, `'uat-jwt'`, `'sessions'`. `[]` serves none (the guard alone). There is no
   * default: name only what your clients call (`user-tokens`' `GET /Authentication` takes a
   * password in the URL).
   */
  readonly profiles: readonly ProfileName[];
  /**
   * How refusals on the app's own routes (`guard`, `check`, `renderError`) are rendered. The profiles'
   * routes always answer in their own API's shape. Default `default` (`{"code","message"}`).
   */
  readonly errorShape?: ErrorShape;
  /** Mount point of every route, e.g. `/auth`. Default none. */
  readonly prefix?: string;
  /** Larger request bodies are refused with 413. Default 65536. */
  readonly maxBodyBytes?: number;
  /** The session cookie set by delegated login (its name is the Tollgate's `cookieName`). */
  readonly cookie?: CookieOptions;
  /**
   * Origins (`https://app.example.com`) besides the request's own from which a state-changing,
   * cookie-authenticated request is accepted (CSRF defence).
   */
  readonly trustedOrigins?: readonly string[];
  /** The `realm` of `WWW-Authenticate` challenges. Default `tollgate`. */
  readonly realm?: string;
  /**
   * Lets browser pages of other origins call the profiles' routes (CORS, by the `cors` package). Off by
   * default: no CORS header, and a preflight (`OPTIONS`) is answered 405.
   */
  readonly cors?: CorsOptions;
  /**
   * The delegated auto-login landing (`GET /auth/auto-login?token=…&next=…`): the paths it may send
   * the browser to, exactly as written (e.g. `/portal/`). `next` must be one of them; without `next`,
   * the first. Default `['/']`.
   */
  readonly autoLogin?: { readonly redirects?: readonly string[] };
  /**
   * Called with unexpected errors (rendered as 500 `internal_error`). Default: an `error` line on
   * `logger` (the error's type, code, message and stack, token-shaped words and secret-named fields
   * redacted); giving this replaces that line.
   */
  readonly onUnexpectedError?: (error: unknown) => void;
  /**
   * Where the default `onUnexpectedError` logs (pino-compatible: `error`/`warn`/`info(obj, msg)`).
   * Default: the Tollgate's `logger` (itself JSON lines on stderr unless given).
   */
  readonly logger?: TollgateLogger;
  /** The `oauth` profile's public URL and introspection clients (read only when it is served). */
  readonly oauth?: OAuthProfileOptions;
}

export interface ResolvedHttpOptions {
  readonly profiles: readonly ProfileName[];
  readonly errorShape: ErrorShape;
  readonly prefix: string;
  readonly maxBodyBytes: number;
  readonly cookie: Required<Omit<CookieOptions, 'domain'>> & { readonly domain: string | undefined };
  readonly trustedOrigins: readonly string[];
  readonly realm: string;
  /** The `cors` option, checked; null when off. */
  readonly cors: ResolvedCors | null;
  readonly cookieName: string;
  readonly autoLoginRedirects: readonly string[];
  readonly onUnexpectedError: (error: unknown) => void;
  /** The `oauth` profile's settings; the public URL without a trailing slash (empty when not served). */
  readonly oauth: {
    readonly publicUrl: string;
    readonly introspectionClients: readonly IntrospectionClient[];
  };
}

/** What a protected route requires, and how its refusals are rendered. */
export interface GuardRule extends Requirement {
  /** Accept only these credential sources. Default: all. */
  readonly sources?: readonly CredentialSource[];
  /** No credentials at all is not an error: the principal is null. Default false. */
  readonly optional?: boolean;
  /** Default: the handler's `errorShape`. */
  readonly shape?: ErrorShape;
}

export type GuardResult =
  | { readonly ok: true; readonly principal: Principal | null }
  | { readonly ok: false; readonly error: TollgateError; readonly response: HttpResponse };

/**
 * What every adapter returns: the same set of middleware, typed in its framework's own handler
 * types (`M` for a middleware, `E` for an error handler).
 */
export interface TollgateMiddlewareSet<M, E = M> {
  /** The framework-neutral handler underneath (route table, OpenAPI, rendering). */
  readonly http: TollgateHttp;
  /** Serves the chosen profiles' endpoints; passes everything else on. */
  router(): M;
  /** Authenticates (and optionally authorizes) the request; puts the principal on the request. */
  authenticate(rule?: GuardRule): M;
  /** Every one of these permissions. Use after `authenticate()`. */
  requirePermissions(...permissions: string[]): M;
  /** At least one of these roles. Use after `authenticate()`. */
  requireRoles(...roles: string[]): M;
  /** A token bound to an environment. Use after `authenticate()`. */
  requireEnvironment(): M;
  /** Renders a `TollgateError` thrown downstream in the chosen shape; passes other errors on. */
  errorHandler(shape?: ErrorShape): E;
  /**
   * A JSON body parser with the handler's limits (`maxBodyBytes`: 413, other media types: 415,
   * invalid JSON: 400), refusals rendered like every other.
   */
  json(): M;
  /** Answers 405 with `Allow` (mount after the path's own methods). */
  methodNotAllowed(...allowed: string[]): M;
}
