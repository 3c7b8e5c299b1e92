import { TollgateError } from '../errors.js';
import type { Principal } from '../types.js';

/** Roles that make an administrator able to act for users: everywhere, or in its own domain. */
export const ENTERPRISE_ADMIN_ROLE = 'enterprise_admin';
export const DOMAIN_ADMIN_ROLE = 'domain_admin';
/** The customer-side role that may manage UATs. */
export const COMPANY_ADMIN_ROLE = 'company_admin';

/** An administrator's own access token (not a delegated one, not another kind). */
export function requireAdministrator(caller: Principal): void {
  if (caller.tokenKind === 'delegated') throw new TollgateError('delegated_token_not_allowed');
  if (caller.tokenKind !== 'access') throw new TollgateError('wrong_token_kind');
  const isAdmin =
    caller.kind === 'administrator' &&
    (caller.roles.includes(ENTERPRISE_ADMIN_ROLE) || caller.roles.includes(DOMAIN_ADMIN_ROLE));
  if (!isAdmin) throw new TollgateError('not_an_administrator');
}

/** An enterprise administrator acts anywhere; a domain administrator only in its domain. */
export function requireInDomain(caller: Principal, domain: string): void {
  if (!caller.roles.includes(ENTERPRISE_ADMIN_ROLE) && caller.domain !== domain) {
    throw new TollgateError('outside_domain');
  }
}

/** Who may manage UATs: a company admin, signed in by neither a UAT nor a delegated login. */
export function requireUatManager(caller: Principal): void {
  if (caller.tokenKind === 'uat') {
    throw new TollgateError('wrong_token_kind', { message: 'a UAT cannot manage UATs' });
  }
  if (caller.tokenKind === 'delegated') throw new TollgateError('delegated_token_not_allowed');
  if (!caller.roles.includes(COMPANY_ADMIN_ROLE)) throw new TollgateError('role_required');
}
