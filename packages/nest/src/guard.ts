import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { CredentialSource, Requirement, TollgateHttp } from '@tollgate/core';
import { PUBLIC_KEY, REQUIREMENTS_KEY, SCHEMES_KEY } from './decorators.js';
import { TollgateHttpException, type TollgateRequest, toHttpRequest } from './http.js';
import { TOLLGATE_HTTP, TOLLGATE_OPTIONS, type TollgateModuleOptions } from './tokens.js';

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
    @Inject(TOLLGATE_OPTIONS) private readonly options: TollgateModuleOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // HTTP only: a hybrid app's WebSocket or microservice handlers are refused, never let through.
    if (context.getType() !== 'http') return false;
    const targets = [context.getHandler(), context.getClass()];
    // Fail closed: a route with a requirement of its own is never public.
    const routeRequires = this.reflector.get<unknown>(REQUIREMENTS_KEY, context.getHandler()) !== undefined;
    if (!routeRequires && this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets)) {
      return true;
    }
    const shape = this.options.errorShape ?? 'default';
    const sources = this.reflector.getAllAndOverride<readonly CredentialSource[] | undefined>(
      SCHEMES_KEY,
      targets,
    );
    const request = context.switchToHttp().getRequest<TollgateRequest>();
    const result = await this.http.guard(toHttpRequest(request), sources ? { shape, sources } : { shape });
    if (!result.ok) throw new TollgateHttpException(result.response);
    request.principal = result.principal;
    for (const target of [context.getClass(), context.getHandler()]) {
      for (const requirement of this.reflector.get<readonly Requirement[] | undefined>(
        REQUIREMENTS_KEY,
        target,
      ) ?? []) {
        const refusal = this.http.check(result.principal, requirement, shape);
        if (refusal) throw new TollgateHttpException(refusal);
      }
    }
    return true;
  }
}
