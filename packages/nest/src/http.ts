import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ArgumentsHost,
  type CallHandler,
  Catch,
  type ExceptionFilter,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  type NestInterceptor,
  type NestMiddleware,
} from '@nestjs/common';
import { type Principal, TollgateError } from '@tollgate/core';
import { type HttpRequest, type HttpResponse, readJsonBody, type TollgateHttp } from '@tollgate/core/http';
import { fromNodeRequest, type NodeRequestReader, writeNodeResponse } from '@tollgate/core/node';
import { from, mergeMap, type Observable } from 'rxjs';
import { TOLLGATE_HTTP } from './tokens.js';

/** A request on the Express platform, as far as Tollgate reads and writes it. */
export interface TollgateRequest extends IncomingMessage {
  readonly originalUrl?: string;
  /** Express's `req.ip` (honours `trust proxy`); absent on other platforms. */
  readonly ip?: string;
  body?: unknown;
  /** Set by `TollgateGuard`: the authenticated caller. */
  principal?: Principal | null;
}

type Next = (error?: unknown) => void;

// What the platform (Express) has worked out about a request: read only when the core asks for it.
const NEST: NodeRequestReader<TollgateRequest> = {
  url: (req) => req.originalUrl ?? req.url ?? '/',
  clientIp: (req) => req.ip,
  // A body parser that ran earlier (Nest's own, unless the app was created with `bodyParser: false`)
  // has consumed the stream: hand over what it parsed.
  parsedBody: (req) => req.body,
};

export function toHttpRequest(req: TollgateRequest): HttpRequest {
  return fromNodeRequest(req, req, NEST);
}

/**
 * A refusal already rendered by the core (status, headers, body in the profile's shape). Its
 * `getResponse()` is the parsed body, so even another filter answers with the right status and body;
 * `TollgateExceptionFilter` writes the exact bytes and headers.
 */
export class TollgateHttpException extends HttpException {
  constructor(readonly tollgateResponse: HttpResponse) {
    super(parsedBody(tollgateResponse), tollgateResponse.status);
  }
}

function parsedBody(response: HttpResponse): string | Record<string, unknown> {
  if (response.body === null || !response.headers['content-type']?.startsWith('application/json')) {
    return response.body ?? '';
  }
  return JSON.parse(response.body) as Record<string, unknown>;
}

/**
 * Writes a `TollgateHttpException` as the core rendered it, and renders a `TollgateError` thrown by
 * the app (or by a Tollgate middleware) in the module's `errorShape`. Registered globally by the module.
 */
@Catch(TollgateHttpException, TollgateError)
export class TollgateExceptionFilter implements ExceptionFilter<TollgateHttpException | TollgateError> {
  constructor(@Inject(TOLLGATE_HTTP) protected readonly http: TollgateHttp) {}

  catch(exception: TollgateHttpException | TollgateError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<ServerResponse>();
    if (res.headersSent) {
      res.end();
      return;
    }
    writeNodeResponse(
      res,
      exception instanceof TollgateHttpException
        ? exception.tollgateResponse
        : this.http.renderError(exception),
    );
  }
}

/** Serves the chosen profiles' routes (the core's route table); passes every other request on. */
@Injectable()
export class TollgateProfilesMiddleware implements NestMiddleware<TollgateRequest, ServerResponse> {
  constructor(@Inject(TOLLGATE_HTTP) private readonly http: TollgateHttp) {}

  async use(req: TollgateRequest, res: ServerResponse, next: Next): Promise<void> {
    const response = await this.http.handle(toHttpRequest(req));
    if (response) writeNodeResponse(res, response);
    else next();
  }
}

/**
 * Express refuses a path parameter it cannot percent-decode (`%ff`) while matching its layers, so
 * before `TollgateProfilesMiddleware` (mounted on a wildcard, which is a parameter) sees the request:
 * a `URIError` with status 400. On a path of a profile's route this answers as the core does, 400
 * `malformed_request` in that profile's shape; any other error, or path, goes on to Nest's handler.
 * An Express error handler: `TollgateModule` adds it after the routes, before Nest's own.
 */
export function undecodablePathHandler(http: TollgateHttp) {
  return (error: unknown, req: TollgateRequest, res: ServerResponse, next: Next): void => {
    if (!(error instanceof URIError) || (error as { status?: unknown }).status !== 400 || res.headersSent) {
      next(error);
      return;
    }
    // No operation runs: the router refuses the undecodable parameter (or finds no route) first.
    http.handle(toHttpRequest(req)).then(
      (response) => (response ? writeNodeResponse(res, response) : next(error)),
      () => next(error),
    );
  };
}

/**
 * A JSON body parser with the core's limits (`maxBodyBytes`: 413, another media type: 415, invalid
 * JSON: 400), refusals rendered in `errorShape`; sets `req.body` for `@Body()`. Apply it to your own
 * routes (`consumer.apply(TollgateJsonMiddleware).forRoutes(MyController)`).
 *
 * Nest runs middleware before guards: this reads the body of callers `TollgateGuard` then refuses.
 * On guarded routes use `TollgateJsonInterceptor`, which reads it after the guard.
 */
@Injectable()
export class TollgateJsonMiddleware implements NestMiddleware<TollgateRequest, ServerResponse> {
  constructor(@Inject(TOLLGATE_HTTP) private readonly http: TollgateHttp) {}

  async use(req: TollgateRequest, _res: ServerResponse, next: Next): Promise<void> {
    if (req.body === undefined)
      req.body = await readJsonBody(toHttpRequest(req), this.http.options.maxBodyBytes);
    next();
  }
}

/**
 * The same JSON body parser as `TollgateJsonMiddleware`, as an interceptor: Nest runs it after the
 * guards, so a caller `TollgateGuard` refuses is answered before its body is read (a slow or oversize
 * body costs nothing). Sets `req.body` before `@Body()` is resolved. Use it on guarded routes
 * (`@UseInterceptors(TollgateJsonInterceptor)`) with `bodyParser: false`.
 */
@Injectable()
export class TollgateJsonInterceptor implements NestInterceptor {
  constructor(@Inject(TOLLGATE_HTTP) private readonly http: TollgateHttp) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.getArgByIndex<TollgateRequest>(0);
    if (context.getType() !== 'http' || req.body !== undefined) return next.handle();
    return from(readJsonBody(toHttpRequest(req), this.http.options.maxBodyBytes)).pipe(
      mergeMap((body) => {
        req.body = body;
        return next.handle();
      }),
    );
  }
}
