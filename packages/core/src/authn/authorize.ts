import { TollgateError, type TollgateErrorCode } from '../errors.js';
import type { Principal, Requirement } from '../types.js';

/** Why a principal does not meet a requirement, or null when it does. */
export function requirementRefusal(principal: Principal, requirement: Requirement): TollgateErrorCode | null {
  if (requirement.environment && principal.environment === null) return 'environment_required';
  const { roles, permissions } = requirement;
  if (roles && roles.length > 0 && !roles.some((role) => principal.roles.includes(role))) {
    return 'role_required';
  }
  if (permissions?.some((permission) => !principal.permissions.includes(permission))) {
    return 'insufficient_permission';
  }
  return null;
}

/** Throws `insufficient_permission`, `role_required` or `environment_required`. */
export function authorize(principal: Principal, requirement: Requirement): void {
  const code = requirementRefusal(principal, requirement);
  if (code !== null) throw new TollgateError(code);
}
