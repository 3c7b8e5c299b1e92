import {
  type CredentialSource,
  ERROR_CATALOGUE,
  isTollgateError,
  TollgateError,
  type TollgateErrorCode,
} from '@tollgate/core';
import type { ErrorShape, GuardResult, GuardRule, HttpResponse, TollgateHttp } from '@tollgate/core/http';
import { fromNodeRequest, type NodeRequestReader } from '@tollgate/core/node';
import type { Request } from 'express';
import { Strategy } from 'passport-strategy';

// `req.user` is typed as the core's `Principal` only where the app asks for it (`import
// '@tollgate/passport/express-user'`): a global `Express.User` augmentation here would impose it on
// every strategy of the app.

/**
 * What a Tollgate strategy hands passport on a refusal, as `this.fail(failure, failure.status)`:
 * a custom callback receives it as `info` (an array of them, one per strategy, when several
 * strategies are named). `message` is what passport's `failureMessage` and `failureFlash` show.
 */
export interface TollgateFailure {
  /** The name of the strategy that refused. */
  readonly strategy: string;
  readonly code: TollgateErrorCode;
  readonly status: number;
  /** The catalogue message of `code`. */
  readonly message: string;
  /** The RFC 6750 `WWW-Authenticate` challenge of a 401, else null. */
  readonly challenge: string | null;
  /** The credential sources the strategy accepts: what a rendered 401 challenges. */
  readonly sources: readonly CredentialSource[];
  /** The refusal itself: render it with `renderPassportFailure` (or the core's `http.renderError`). */
  readonly error: TollgateError;
}

export interface TollgateStrategyOptions {
  /** Registers the strategy under another name (e.g. two instances). Default: the strategy's own. */
  readonly name?: string;
}

const EXPRESS: NodeRequestReader<Request> = {
  url: (req) => req.originalUrl ?? req.url,
  clientIp: (req) => req.ip,
  parsedBody: (req) => req.body as unknown,
};

/**
 * A passport strategy accepting credentials from `sources`: the core authenticates (and applies the
 * session cookie's CSRF rule); the principal goes to `this.success`, a refusal to `this.fail` with
 * its status, anything a retry may cure (`store_unavailable`) or an unexpected error to `this.error`.
 */
abstract class TollgateStrategy extends Strategy {
  readonly name: string;
  // Plain properties, not #private: passport runs each request on Object.create(strategy).
  private readonly http: TollgateHttp;
  private readonly rule: GuardRule;

  protected constructor(http: TollgateHttp, sources: readonly CredentialSource[], name: string) {
    super();
    this.http = http;
    this.rule = Object.freeze({ sources });
    this.name = name;
  }

  override authenticate(req: Request): void {
    // The core parses the request once, whichever strategy runs; a known credential answers at once.
    const result = this.http.guard(fromNodeRequest(req, req, EXPRESS), this.rule);
    if (result instanceof Promise)
      result.then(
        (settled) => this.settle(settled),
        (error) => this.error(error),
      );
    else this.settle(result);
  }

  private settle(result: GuardResult): void {
    if (result.ok) {
      if (result.principal) this.success(result.principal);
      return;
    }
    const { error, response } = result;
    if (error.status >= 500) {
      this.error(error);
      return;
    }
    const failure: TollgateFailure = {
      strategy: this.name,
      code: error.code,
      status: error.status,
      message: ERROR_CATALOGUE[error.code].message,
      challenge: response.headers['www-authenticate'] ?? null,
      sources: this.rule.sources ?? [],
      error,
    };
    this.fail(failure, error.status);
  }
}

/** `Authorization: UAT <token>`: a user authorization token. Default name `tollgate-uat`. */
export class UatStrategy extends TollgateStrategy {
  constructor(http: TollgateHttp, options: TollgateStrategyOptions = {}) {
    super(http, ['UAT'], options.name ?? 'tollgate-uat');
  }
}

/** `Authorization: JWT <token>`: an access token. Default name `tollgate-jwt`. */
export class JwtSchemeStrategy extends TollgateStrategy {
  constructor(http: TollgateHttp, options: TollgateStrategyOptions = {}) {
    super(http, ['JWT'], options.name ?? 'tollgate-jwt');
  }
}

/** `Authorization: Bearer <token>`: an access, user or delegated token. Default name `tollgate-bearer`. */
export class BearerTokenStrategy extends TollgateStrategy {
  constructor(http: TollgateHttp, options: TollgateStrategyOptions = {}) {
    super(http, ['Bearer'], options.name ?? 'tollgate-bearer');
  }
}

/**
 * The session cookie carrying a delegated security token; a state-changing request must come from
 * an allowed origin (the handler's `trustedOrigins`). Default name `tollgate-session`.
 */
export class SessionCookieStrategy extends TollgateStrategy {
  constructor(http: TollgateHttp, options: TollgateStrategyOptions = {}) {
    super(http, ['cookie'], options.name ?? 'tollgate-session');
  }
}

export function isTollgateFailure(value: unknown): value is TollgateFailure {
  return typeof value === 'object' && value !== null && 'error' in value && isTollgateError(value.error);
}

/**
 * The refusal behind passport's failure `info`. With several strategies (an array), the one from the
 * strategy the request's credential was meant for: the others refused its scheme (`unsupported_scheme`).
 * A failure from another kind of strategy (or none) is `invalid_credentials`.
 */
export function tollgateRefusal(info: unknown): TollgateError {
  const failures = (Array.isArray(info) ? info : [info]).filter(isTollgateFailure);
  const failure = failures.find((candidate) => candidate.code !== 'unsupported_scheme') ?? failures[0];
  return failure?.error ?? new TollgateError('invalid_credentials');
}

/**
 * Passport's failure `info` rendered by the core in a profile's shape: status, headers and body. A 401
 * challenges the schemes of every Tollgate strategy that refused (all of them when there is none).
 */
export function renderPassportFailure(
  http: TollgateHttp,
  info: unknown,
  shape: ErrorShape = 'default',
): HttpResponse {
  const failures = (Array.isArray(info) ? info : [info]).filter(isTollgateFailure);
  const sources =
    failures.length > 0 ? [...new Set(failures.flatMap((failure) => failure.sources))] : undefined;
  return http.renderError(tollgateRefusal(info), shape, undefined, sources);
}

export type { Principal } from '@tollgate/core';
