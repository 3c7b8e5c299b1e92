import type { z } from 'zod';
import type { Tollgate } from '../tollgate.js';
import type { CredentialSource, Principal, Requirement } from '../types.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The documented APIs Tollgate can serve; an app mounts the ones it wants. */
export type ProfileName = 'user-tokens' | 'delegated-login' | 'token-pair' | 'uat-jwt';

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
  /** Authenticates the request, accepting only these sources (default: all). */
  authenticate(sources?: readonly CredentialSource[]): Promise<Principal>;
}

export interface ResponseDoc {
  readonly description: string;
  readonly contentType?: string;
  readonly schema?: z.ZodType;
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
  /** Credential sources the route authenticates with, for the OpenAPI document. */
  readonly security?: readonly CredentialSource[];
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
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

export interface HttpHandlerOptions {
  /** Which documented APIs to serve. Default: all four. */
  readonly profiles?: readonly ProfileName[];
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
  /** Called with unexpected errors (rendered as 500 `internal_error`), for logging. */
  readonly onUnexpectedError?: (error: unknown) => void;
}

export interface ResolvedHttpOptions {
  readonly profiles: readonly ProfileName[];
  readonly prefix: string;
  readonly maxBodyBytes: number;
  readonly cookie: Required<Omit<CookieOptions, 'domain'>> & { readonly domain: string | undefined };
  readonly trustedOrigins: readonly string[];
  readonly realm: string;
  readonly cookieName: string;
  readonly onUnexpectedError: (error: unknown) => void;
}

/** What a protected route requires, and how its refusals are rendered. */
export interface GuardRule extends Requirement {
  /** Accept only these credential sources. Default: all. */
  readonly sources?: readonly CredentialSource[];
  /** No credentials at all is not an error: the principal is null. Default false. */
  readonly optional?: boolean;
  /** Default `default`. */
  readonly shape?: ErrorShape;
}

export type GuardResult =
  | { readonly ok: true; readonly principal: Principal | null }
  | { readonly ok: false; readonly response: HttpResponse };
