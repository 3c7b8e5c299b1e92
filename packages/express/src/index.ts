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
  readJsonBody,
  type TollgateMiddlewareSet,
} from '@tollgate/core/http';
import { fromNodeRequest, type NodeRequestReader, writeNodeResponse } from '@tollgate/core/node';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';

declare global {
  namespace Express {
    interface Request {
      /** Set by `authenticate()`: the caller, or null on an `optional` route without credentials. */
      principal?: Principal | null;
    }
  }
}

export type TollgateExpressOptions = HttpHandlerOptions;

/** The adapter's middleware, in Express's own handler types. */
export type TollgateExpress = TollgateMiddlewareSet<RequestHandler, ErrorRequestHandler>;

// What Express has worked out about a request: read only when the core asks for it.
const EXPRESS: NodeRequestReader<Request> = {
  url: (req) => req.originalUrl,
  clientIp: (req) => req.ip,
  // A body parser the app mounted earlier has consumed the stream: hand over what it parsed.
  parsedBody: (req) => req.body as unknown,
};

const toHttpRequest = (req: Request) => fromNodeRequest(req, req, EXPRESS);

/** Tollgate for Express 5 (and 4): a translation layer; every rule is in `@tollgate/core`. */
export function createTollgateExpress(tollgate: Tollgate, options: TollgateExpressOptions): TollgateExpress {
  const http = createHttpHandler(tollgate, options);

  const admit = (req: Request, res: Response, next: NextFunction, result: GuardResult): void => {
    if (result.ok) {
      req.principal = result.principal;
      next();
    } else writeNodeResponse(res, result.response);
  };
  const requirement =
    (rule: Requirement): RequestHandler =>
    (req, res, next) => {
      const refusal = http.check(req.principal, rule);
      if (refusal) writeNodeResponse(res, refusal);
      else next();
    };

  return {
    http,
    router: () => (req, res, next) => {
      http.handle(toHttpRequest(req)).then((response) => {
        if (response) writeNodeResponse(res, response);
        else next();
      }, next);
    },
    authenticate: (rule) => (req, res, next) => {
      const result = http.guard(toHttpRequest(req), rule);
      if (result instanceof Promise) result.then((settled) => admit(req, res, next, settled), next);
      else admit(req, res, next, result);
    },
    json: () => (req, res, next) => {
      if (req.body !== undefined) return next();
      readJsonBody(toHttpRequest(req), http.options.maxBodyBytes).then(
        (body) => {
          req.body = body;
          next();
        },
        (error: unknown) => writeNodeResponse(res, http.renderError(error)),
      );
    },
    methodNotAllowed:
      (...allowed) =>
      (_req, res) => {
        writeNodeResponse(res, http.renderError(new TollgateError('method_not_allowed'), undefined, allowed));
      },
    requirePermissions: (...permissions) => requirement({ permissions }),
    requireRoles: (...roles) => requirement({ roles }),
    requireEnvironment: () => requirement({ environment: true }),
    errorHandler: (shape) => (error, _req, res, next) => {
      if (res.headersSent || !isTollgateError(error)) return next(error);
      writeNodeResponse(res, http.renderError(error, shape));
    },
  };
}

export type { Principal } from '@tollgate/core';
export type { GuardRule } from '@tollgate/core/http';
