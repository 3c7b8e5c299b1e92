import {
  createHttpHandler,
  type ErrorShape,
  fromNodeRequest,
  type GuardRule,
  type HttpHandlerOptions,
  isTollgateError,
  nodeRequestHead,
  type Principal,
  type Requirement,
  readJsonBody,
  type Tollgate,
  TollgateError,
  type TollgateHttp,
  writeNodeResponse,
} from '@tollgate/core';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';

declare global {
  namespace Express {
    interface Request {
      /** Set by `authenticate()`: the caller, or null on an `optional` route without credentials. */
      principal?: Principal | null;
    }
  }
}

export interface TollgateExpressOptions extends HttpHandlerOptions {
  /** How refusals on the app's own routes are rendered. Default `default` (`{"code","message"}`). */
  readonly errorShape?: ErrorShape;
}

export interface TollgateExpress {
  /** The framework-neutral handler underneath (route table, OpenAPI, rendering). */
  readonly http: TollgateHttp;
  /** Serves the chosen profiles' endpoints; passes everything else on. */
  router(): RequestHandler;
  /** Authenticates (and optionally authorizes) the request; puts the principal on `req.principal`. */
  authenticate(rule?: GuardRule): RequestHandler;
  /** Every one of these permissions. Use after `authenticate()`. */
  requirePermissions(...permissions: string[]): RequestHandler;
  /** At least one of these roles. Use after `authenticate()`. */
  requireRoles(...roles: string[]): RequestHandler;
  /** A token bound to an environment. Use after `authenticate()`. */
  requireEnvironment(): RequestHandler;
  /** Renders a `TollgateError` thrown by a route in the chosen shape; passes other errors on. */
  errorHandler(shape?: ErrorShape): ErrorRequestHandler;
  /**
   * A JSON body parser with the handler's limits (`maxBodyBytes`: 413, other media types: 415,
   * invalid JSON: 400), refusals rendered like every other; sets `req.body`.
   */
  json(): RequestHandler;
  /** Answers 405 with `Allow` (mount with `app.all(path, ...)` after the path's own methods). */
  methodNotAllowed(...allowed: string[]): RequestHandler;
}

function toHttpRequest(req: Request) {
  // A body parser the app mounted earlier has consumed the stream: hand over what it parsed.
  return fromNodeRequest(req, { url: req.originalUrl, parsedBody: req.body as unknown, clientIp: req.ip });
}

/** Tollgate for Express 5 (and 4): a translation layer; every rule is in `@tollgate/core`. */
export function createTollgateExpress(
  tollgate: Tollgate,
  options: TollgateExpressOptions = {},
): TollgateExpress {
  const http = createHttpHandler(tollgate, options);
  const appShape = options.errorShape ?? 'default';

  const requirement = (rule: Requirement): RequestHandler => {
    return (req, res, next) => {
      const refusal = http.check(req.principal, rule, appShape);
      if (refusal) writeNodeResponse(res, refusal);
      else next();
    };
  };

  return {
    http,
    router: () => (req, res, next) => {
      http.handle(toHttpRequest(req)).then((response) => {
        if (response) writeNodeResponse(res, response);
        else next();
      }, next);
    },
    authenticate: (rule = {}) => {
      const withShape: GuardRule = { shape: appShape, ...rule };
      return (req, res, next) => {
        // A credential still in Tollgate's cache is answered at once, without a promise, before the
        // whole request is translated.
        const known = http.guardCached(nodeRequestHead(req, req.originalUrl), withShape);
        if (known !== undefined) {
          if (!known.ok) return writeNodeResponse(res, known.response);
          req.principal = known.principal;
          return next();
        }
        http.guard(toHttpRequest(req), withShape).then((result) => {
          if (!result.ok) return writeNodeResponse(res, result.response);
          req.principal = result.principal;
          next();
        }, next);
      };
    },
    json: () => (req, res, next) => {
      if (req.body !== undefined) return next();
      readJsonBody(fromNodeRequest(req), http.options.maxBodyBytes).then(
        (body) => {
          req.body = body;
          next();
        },
        (error: unknown) => writeNodeResponse(res, http.renderError(error, appShape)),
      );
    },
    methodNotAllowed:
      (...allowed) =>
      (_req, res) => {
        writeNodeResponse(res, http.renderError(new TollgateError('method_not_allowed'), appShape, allowed));
      },
    requirePermissions: (...permissions) => requirement({ permissions }),
    requireRoles: (...roles) => requirement({ roles }),
    requireEnvironment: () => requirement({ environment: true }),
    errorHandler:
      (shape = appShape) =>
      (error, _req, res, next) => {
        if (res.headersSent || !isTollgateError(error)) return next(error);
        writeNodeResponse(res, http.renderError(error, shape));
      },
  };
}

export type { GuardRule, Principal } from '@tollgate/core';
