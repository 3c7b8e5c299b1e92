import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { CredentialSource, Requirement } from '@tollgate/core';
import type { GuardResult, GuardRule, TollgateHttp } from '@tollgate/core/http';
import { PUBLIC_KEY, REQUIREMENTS_KEY, SCHEMES_KEY } from './decorators.js';
import { TollgateHttpException, type TollgateRequest, toHttpRequest } from './http.js';
import { TOLLGATE_HTTP } from './tokens.js';

/**
 * Authenticates the request (`@Schemes` narrows the credential sources) and checks every
 * `@RequirePermissions`, `@RequireRoles` and `@RequireEnvironment` of the controller and the route;
 * puts the principal on the request for `@Principal()`. Refusals are the core's, in `errorShape`.
 * Use per route or controller (`@UseGuards(TollgateGuard)`) or globally (`APP_GUARD`, with `@Public()`).
 */
@Injectable()
export class TollgateGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(TOLLGATE_HTTP) private readonly http: TollgateHttp,
  ) {}

  /** Synchronous (no promise) when the credential is known; Nest awaits the result only when it is a promise. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // HTTP only: a hybrid app's WebSocket or microservice handlers are refused, never let through.
    if (context.getType() !== 'http') return false;
    const handler = context.getHandler();
    const targets = [handler, context.getClass()];
    const routeRequirements = this.reflector.get<readonly Requirement[] | undefined>(
      REQUIREMENTS_KEY,
      handler,
    );
    // Fail closed: a route with a requirement of its own is never public.
    if (
      routeRequirements === undefined &&
      this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets)
    ) {
      return true;
    }
    const sources = this.reflector.getAllAndOverride<readonly CredentialSource[] | undefined>(
      SCHEMES_KEY,
      targets,
    );
    const rule: GuardRule | undefined = sources ? { sources } : undefined;
    // What `switchToHttp().getRequest()` returns, without the three closures it makes per call.
    const request = context.getArgByIndex<TollgateRequest>(0);
    const admit = (result: GuardResult): true => {
      if (!result.ok) throw new TollgateHttpException(result.response);
      request.principal = result.principal;
      // Every requirement of the controller, then every one of the route.
      for (const requirements of [
        this.reflector.get<readonly Requirement[] | undefined>(REQUIREMENTS_KEY, context.getClass()),
        routeRequirements,
      ]) {
        for (const requirement of requirements ?? []) {
          const refusal = this.http.check(result.principal, requirement);
          if (refusal) throw new TollgateHttpException(refusal);
        }
      }
      return true;
    };
    const result = this.http.guard(toHttpRequest(request), rule);
    return result instanceof Promise ? result.then(admit) : admit(result);
  }
}
