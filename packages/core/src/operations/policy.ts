import { TollgateError } from '../errors.js';
import type { UserDirectory } from '../ports.js';
import { fromStore } from '../store-errors.js';
import type { Principal, UserRecord } from '../types.js';

/** Roles that make an administrator able to act for users: everywhere, or in its own domain. */
export const ENTERPRISE_ADMIN_ROLE = 'enterprise_admin';
export const DOMAIN_ADMIN_ROLE = 'domain_admin';
/** The customer-side role that may manage UATs. */
export const COMPANY_ADMIN_ROLE = 'company_admin';

/**
 * A token that acts for its user on an administrator's behalf (RFC 8693 `act`): a delegated login, or a
 * user token an administrator issued. It may use the user's rights but never mint a credential, so every
 * credential names who really asked for it. One code for both, `delegated_token_not_allowed`.
 */
function refuseActingToken(caller: Principal): void {
  if (caller.tokenKind === 'delegated') throw new TollgateError('delegated_token_not_allowed');
  if (caller.actor !== null) {
    throw new TollgateError('delegated_token_not_allowed', {
      message: 'A user token an administrator issued cannot be used for this.',
    });
  }
}

/** An administrator's own access token (not a delegated one, not another kind). */
export function requireAdministrator(caller: Principal): void {
  refuseActingToken(caller);
  if (caller.tokenKind !== 'access') throw new TollgateError('wrong_token_kind');
  const isAdmin =
    caller.kind === 'administrator' &&
    (caller.roles.includes(ENTERPRISE_ADMIN_ROLE) || caller.roles.includes(DOMAIN_ADMIN_ROLE));
  if (!isAdmin) throw new TollgateError('not_an_administrator');
}

const withinReach = (caller: Principal, domain: string): boolean =>
  caller.roles.includes(ENTERPRISE_ADMIN_ROLE) || caller.domain === domain;

/** An enterprise administrator acts anywhere; a domain administrator only in its domain. */
export function requireInDomain(caller: Principal, domain: string): void {
  if (!withinReach(caller, domain)) throw new TollgateError('outside_domain');
}

/**
 * The customer user an administrator (already checked) acts for. Unknown, disabled, outside `domain`
 * when one is named, or outside the caller's reach: one answer, `unknown_user`, after the same single
 * directory call, so a domain administrator learns nothing about other organisations. An administrator
 * within reach: `administrator_not_allowed`.
 */
export async function findUserToActFor(
  users: UserDirectory,
  caller: Principal,
  username: string,
  domain?: string,
): Promise<UserRecord> {
  const user = await fromStore(() => users.findUserByUsername(username));
  const found =
    user !== null &&
    !user.disabled &&
    (domain === undefined || user.domain === domain) &&
    withinReach(caller, user.domain);
  if (!found) throw new TollgateError('unknown_user');
  if (user.kind === 'administrator') throw new TollgateError('administrator_not_allowed');
  return user;
}

/** Who may manage UATs: a company admin, signed in by neither a UAT nor on an administrator's behalf. */
export function requireUatManager(caller: Principal): void {
  if (caller.tokenKind === 'uat') {
    throw new TollgateError('wrong_token_kind', { message: 'a UAT cannot manage UATs' });
  }
  refuseActingToken(caller);
  if (!caller.roles.includes(COMPANY_ADMIN_ROLE)) throw new TollgateError('role_required');
}
