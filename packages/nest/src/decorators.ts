import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import {
  type Actor as CoreActor,
  type Principal as CorePrincipal,
  type CredentialSource,
  type Requirement,
  TollgateError,
} from '@tollgate/core';
import type { TollgateRequest } from './http.js';

export const PUBLIC_KEY = '@tollgate/nest:public';
export const SCHEMES_KEY = '@tollgate/nest:schemes';
export const REQUIREMENTS_KEY = '@tollgate/nest:requirements';

/** `TollgateGuard` lets every request through to this route (or every route of this controller). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Accepts only these credential sources (`'Bearer'`, `'JWT'`, `'UAT'`, `'cookie'`); a route's own wins. */
export const Schemes = (...sources: CredentialSource[]) => SetMetadata(SCHEMES_KEY, sources);

type RequirementDecorator = ClassDecorator & MethodDecorator;

/** Each requirement decorator adds one requirement; every one on the controller and the route must hold. */
function requirement(value: Requirement): RequirementDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where: object = descriptor?.value ?? target;
    const previous: readonly Requirement[] = Reflect.getMetadata(REQUIREMENTS_KEY, where) ?? [];
    Reflect.defineMetadata(REQUIREMENTS_KEY, [...previous, value], where);
  };
}

/** Every one of these permissions, else 403 `insufficient_permission`. */
export const RequirePermissions = (...permissions: string[]) => requirement({ permissions });
/** At least one of these roles, else 403 `role_required`. */
export const RequireRoles = (...roles: string[]) => requirement({ roles });
/** A token bound to an environment, else 403 `environment_required`. */
export const RequireEnvironment = () => requirement({ environment: true });

/** The caller `TollgateGuard` authenticated; a `credentials_missing` refusal where it did not run. */
export function principalOf(context: ExecutionContext): CorePrincipal {
  const principal = context.switchToHttp().getRequest<TollgateRequest>().principal;
  if (!principal) throw new TollgateError('credentials_missing');
  return principal;
}

/** The authenticated caller: `@Principal() principal: Principal`. */
export const Principal = createParamDecorator<undefined, CorePrincipal>((_data, context) =>
  principalOf(context),
);
/** The core's `Principal`, so one import names both the decorator and the parameter's type. */
export type Principal = CorePrincipal;

/** The environment the caller's token is bound to, or null: `@Environment() environment: string | null`. */
export const Environment = createParamDecorator<undefined, string | null>(
  (_data, context) => principalOf(context).environment,
);

/** The administrator who signed the caller in (delegated login), or null: `@Actor() actor: Actor | null`. */
export const Actor = createParamDecorator<undefined, CoreActor | null>(
  (_data, context) => principalOf(context).actor,
);
/** The core's `Actor`. */
export type Actor = CoreActor;
