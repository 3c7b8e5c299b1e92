import {
  isTollgateError,
  type Principal,
  type Requirement,
  type Tollgate,
  TollgateError,
} from '@tollgate/core';
import {
  createHttpHandler,
  type GuardResult,
  type HttpHandlerOptions,
  type HttpResponse,
  readJsonBody,
  type TollgateMiddlewareSet,
} from '@tollgate/core/http';
import { fromNodeRequest, type NodeRequestReader } from '@tollgate/core/node';
import type { Middleware, Next, ParameterizedContext } from 'koa';

declare module 'koa' {
  interface DefaultState {
    /** Set by `authenticate()`: the caller, or null on an `optional` route without credentials. */
    principal?: Principal | null;
  }
}

export type TollgateKoaOptions = HttpHandlerOptions;

/** The adapter's middleware, as Koa middleware. */
export type TollgateKoa = TollgateMiddlewareSet<Middleware>;

/** The body an earlier body parser put on `ctx.request.body` (Koa itself declares none). */
const parsedBody = (ctx: ParameterizedContext): unknown =>
  'body' in ctx.request ? ctx.request.body : undefined;

// What Koa has worked out about a request: read only when the core asks for it.
const KOA: NodeRequestReader<ParameterizedContext> = {
  url: (ctx) => ctx.originalUrl,
  clientIp: (ctx) => ctx.ip,
  parsedBody,
};

const toHttpRequest = (ctx: ParameterizedContext) => fromNodeRequest(ctx.req, ctx, KOA);

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
export function createTollgateKoa(tollgate: Tollgate, options: TollgateKoaOptions): TollgateKoa {
  const http = createHttpHandler(tollgate, options);

  const admit = (ctx: ParameterizedContext, next: Next, result: GuardResult) => {
    if (!result.ok) return writeKoaResponse(ctx, result.response);
    ctx.state.principal = result.principal;
    return next();
  };
  const requirement =
    (rule: Requirement): Middleware =>
    async (ctx, next) => {
      const refusal = http.check(ctx.state.principal, rule);
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
    // Not an async function: a known credential is answered without a promise of the middleware's
    // own (Koa's `next()` is the only one left).
    authenticate: (rule) => (ctx, next) => {
      const result = http.guard(toHttpRequest(ctx), rule);
      return result instanceof Promise
        ? result.then((settled) => admit(ctx, next, settled))
        : admit(ctx, next, result);
    },
    json: () => async (ctx, next) => {
      if (parsedBody(ctx) === undefined) {
        let body: unknown;
        try {
          body = await readJsonBody(toHttpRequest(ctx), http.options.maxBodyBytes);
        } catch (error) {
          return writeKoaResponse(ctx, http.renderError(error));
        }
        Object.assign(ctx.request, { body });
      }
      await next();
    },
    methodNotAllowed:
      (...allowed) =>
      (ctx) => {
        writeKoaResponse(ctx, http.renderError(new TollgateError('method_not_allowed'), undefined, allowed));
      },
    requirePermissions: (...permissions) => requirement({ permissions }),
    requireRoles: (...roles) => requirement({ roles }),
    requireEnvironment: () => requirement({ environment: true }),
    errorHandler: (shape) => async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        if (ctx.headerSent || !isTollgateError(error)) throw error;
        writeKoaResponse(ctx, http.renderError(error, shape));
      }
    },
  };
}

export type { Principal } from '@tollgate/core';
export type { GuardRule } from '@tollgate/core/http';
