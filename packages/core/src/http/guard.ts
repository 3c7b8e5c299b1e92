import type { AuthResult } from '../authn/authenticate.js';
import { requirementRefusal } from '../authn/authorize.js';
import { TollgateError } from '../errors.js';
import type { Tollgate } from '../tollgate.js';
import type { CredentialSource, Principal, Requirement } from '../types.js';
import { firstHeader } from './body.js';
import type {
  ErrorShape,
  GuardResult,
  GuardRule,
  HttpRequest,
  HttpResponse,
  ResolvedHttpOptions,
} from './types.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NO_RULE: GuardRule = Object.freeze({});
const NO_PRINCIPAL: GuardResult = Object.freeze({ ok: true, principal: null });

/** The origin of a URL, or null when it is none. */
export function originOf(value: string): string | null {
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

export interface Guard {
  guard(request: HttpRequest, rule?: GuardRule): GuardResult | Promise<GuardResult>;
  /** For the profiles' routes: the principal, or the refusal thrown. */
  authenticate(request: HttpRequest, sources?: readonly CredentialSource[]): Promise<Principal>;
  check(
    principal: Principal | null | undefined,
    requirement: Requirement,
    shape?: ErrorShape,
  ): HttpResponse | null;
}

/**
 * Authentication and authorization of a request: the core's one `authenticate`, the session
 * cookie's CSRF rule, the route's requirement, and the refusal rendered in the route's shape.
 */
export function createGuard(
  tollgate: Tollgate,
  options: ResolvedHttpOptions,
  render: (
    error: unknown,
    shape: ErrorShape,
    allow?: readonly string[],
    sources?: readonly CredentialSource[],
  ) => HttpResponse,
): Guard {
  // A remembered refusal is the same error object each time: render it once per rule (the rule
  // fixes the shape and the schemes challenged).
  const rendered = new WeakMap<GuardRule, WeakMap<TollgateError, HttpResponse>>();
  const refused = (error: TollgateError, rule: GuardRule): GuardResult => {
    const shape = rule.shape ?? options.errorShape;
    if (error.code !== 'invalid_token') {
      return { ok: false, error, response: render(error, shape, undefined, rule.sources) };
    }
    let byError = rendered.get(rule);
    if (byError === undefined) {
      byError = new WeakMap();
      rendered.set(rule, byError);
    }
    let response = byError.get(error);
    if (response === undefined) {
      response = render(error, shape, undefined, rule.sources);
      byError.set(error, response);
    }
    return { ok: false, error, response };
  };

  /** A state-changing request carried by the session cookie must come from an allowed origin. */
  const csrfRefusal = (request: HttpRequest): TollgateError | null => {
    const claimed = firstHeader(request.headers.origin) ?? firstHeader(request.headers.referer);
    const origin = claimed === undefined ? null : originOf(claimed);
    const host = firstHeader(request.headers.host);
    // The request's own origin: its Host under the configured scheme (https unless the cookie is
    // configured for plain-HTTP development), so http://host is not taken for https://host.
    const scheme = options.cookie.secure ? 'https' : 'http';
    const sameOrigin = origin !== null && host !== undefined && origin === originOf(`${scheme}://${host}`);
    return origin !== null && (sameOrigin || options.trustedOrigins.includes(origin))
      ? null
      : new TollgateError('csrf_origin_mismatch');
  };

  const decide = (request: HttpRequest, rule: GuardRule, result: AuthResult): GuardResult => {
    if (!result.ok) {
      if (rule.optional && result.error.code === 'credentials_missing') return NO_PRINCIPAL;
      return refused(result.error, rule);
    }
    const { principal } = result;
    if (principal.source === 'cookie' && STATE_CHANGING.has(request.method)) {
      const csrf = csrfRefusal(request);
      if (csrf !== null) return refused(csrf, rule);
    }
    const code = requirementRefusal(principal, rule);
    return code === null ? result : refused(new TollgateError(code), rule);
  };

  return {
    guard(request, rule = NO_RULE) {
      const result = tollgate.authenticate(request.headers, rule);
      return result instanceof Promise
        ? result.then((settled) => decide(request, rule, settled))
        : decide(request, rule, result);
    },

    async authenticate(request, sources) {
      const result = await tollgate.authenticate(request.headers, sources ? { sources } : undefined);
      if (!result.ok) throw result.error;
      if (result.principal.source === 'cookie' && STATE_CHANGING.has(request.method)) {
        const csrf = csrfRefusal(request);
        if (csrf !== null) throw csrf;
      }
      return result.principal;
    },

    check(principal, requirement, shape = options.errorShape) {
      if (!principal) return render(new TollgateError('credentials_missing'), shape);
      const code = requirementRefusal(principal, requirement);
      return code === null ? null : render(new TollgateError(code), shape);
    },
  };
}
