import {
  createHttpHandler,
  type ErrorShape,
  fromNodeRequest,
  type GuardResult,
  type GuardRule,
  type HttpHandlerOptions,
  type HttpRequest,
  type HttpResponse,
  isTollgateError,
  nodeRequestHead,
  type Principal,
  type Requirement,
  readJsonBody,
  type Tollgate,
  TollgateError,
  type TollgateHttp,
} from '@tollgate/core';
import type { Middleware, Next, ParameterizedContext } from 'koa';

declare module 'koa' {
  interface DefaultState {
    /** Set by `authenticate()`: the caller, or null on an `optional` route without credentials. */
    principal?: Principal | null;
  }
}

export interface TollgateKoaOptions extends HttpHandlerOptions {
  /** How refusals on the app's own routes are rendered. Default `default` (`{"code","message"}`). */
  readonly errorShape?: ErrorShape;
}

export interface TollgateKoa {
  /** The framework-neutral handler underneath (route table, OpenAPI, rendering). */
  readonly http: TollgateHttp;
  /** Serves the chosen profiles' endpoints; passes everything else on. */
  router(): Middleware;
  /** Authenticates (and optionally authorizes) the request; puts the principal on `ctx.state.principal`. */
  authenticate(rule?: GuardRule): Middleware;
  /** Every one of these permissions. Use after `authenticate()`. */
  requirePermissions(...permissions: string[]): Middleware;
  /** At least one of these roles. Use after `authenticate()`. */
  requireRoles(...roles: string[]): Middleware;
  /** A token bound to an environment. Use after `authenticate()`. */
  requireEnvironment(): Middleware;
  /** Renders a `TollgateError` thrown downstream in the chosen shape; rethrows other errors. */
  errorHandler(shape?: ErrorShape): Middleware;
  /**
   * A JSON body parser with the handler's limits (`maxBodyBytes`: 413, other media types: 415,
   * invalid JSON: 400), refusals rendered like every other; sets `ctx.request.body`.
   */
  json(): Middleware;
  /** Answers 405 with `Allow` (mount with `router.all(path, ...)` after the path's own methods). */
  methodNotAllowed(...allowed: string[]): Middleware;
}

/** The body an earlier body parser put on `ctx.request.body` (Koa itself declares none). */
function parsedBody(ctx: ParameterizedContext): unknown {
  return 'body' in ctx.request ? ctx.request.body : undefined;
}

function toHttpRequest(ctx: ParameterizedContext): HttpRequest {
  // A body parser the app mounted earlier has consumed the stream: hand over what it parsed.
  return fromNodeRequest(ctx.req, { url: ctx.originalUrl, parsedBody: parsedBody(ctx), clientIp: ctx.ip });
}

/**
 * Writes a core `HttpResponse` to a Koa context: status, headers and the body string as they
 * are (Koa writes them unchanged; `null` leaves no body, for 204 and HEAD).
 */
export function writeKoaResponse(ctx: ParameterizedContext, response: HttpResponse): void {
  ctx.status = response.status;
  ctx.set(response.headers);
  if (response.body !== null) ctx.body = response.body;
}

/** Tollgate for Koa 3: a translation layer; every rule is in `@tollgate/core`. */
export function createTollgateKoa(tollgate: Tollgate, options: TollgateKoaOptions = {}): TollgateKoa {
  const http = createHttpHandler(tollgate, options);
  const appShape = options.errorShape ?? 'default';

  const requirement =
    (rule: Requirement): Middleware =>
    async (ctx, next) => {
      const refusal = http.check(ctx.state.principal, rule, appShape);
      if (refusal) writeKoaResponse(ctx, refusal);
      else await next();
    };

  return {
    http,
    router: () => async (ctx, next) => {
      const response = await http.handle(toHttpRequest(ctx));
      if (response) writeKoaResponse(ctx, response);
      else await next();
    },
    authenticate: (rule = {}) => {
      const withShape: GuardRule = { shape: appShape, ...rule };
      const proceed = (ctx: ParameterizedContext, next: Next, result: GuardResult) => {
        if (!result.ok) return writeKoaResponse(ctx, result.response);
        ctx.state.principal = result.principal;
        return next();
      };
      // Not an async function: a credential still in Tollgate's cache is answered at once, with no
      // promise of the middleware's own (Koa's `next()` is the only one left), and before the
      // whole request is translated: a cache hit reads the `Authorization` and `Cookie` headers
      // only (`nodeRequestHead` still turns a repeated `Authorization` into an array, which no hit
      // answers).
      return (ctx, next) => {
        const known = http.guardCached(nodeRequestHead(ctx.req, ctx.originalUrl), withShape);
        if (known !== undefined) return proceed(ctx, next, known);
        return http.guard(toHttpRequest(ctx), withShape).then((result) => proceed(ctx, next, result));
      };
    },
    json: () => async (ctx, next) => {
      if (parsedBody(ctx) === undefined) {
        let body: unknown;
        try {
          body = await readJsonBody(fromNodeRequest(ctx.req), http.options.maxBodyBytes);
        } catch (error) {
          return writeKoaResponse(ctx, http.renderError(error, appShape));
        }
        Object.assign(ctx.request, { body });
      }
      await next();
    },
    methodNotAllowed:
      (...allowed) =>
      (ctx) => {
        writeKoaResponse(ctx, http.renderError(new TollgateError('method_not_allowed'), appShape, allowed));
      },
    requirePermissions: (...permissions) => requirement({ permissions }),
    requireRoles: (...roles) => requirement({ roles }),
    requireEnvironment: () => requirement({ environment: true }),
    errorHandler:
      (shape = appShape) =>
      async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          if (ctx.headerSent || !isTollgateError(error)) throw error;
          writeKoaResponse(ctx, http.renderError(error, shape));
        }
      },
  };
}

export type { GuardRule, Principal } from '@tollgate/core';
