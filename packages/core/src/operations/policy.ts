import { TollgateError } from '../errors.js';
import type { UserDirectory } from '../ports.js';
import { fromStore } from '../store-errors.js';
import type { Principal, UserRecord } from '../types.js';

/** The default role of an administrator who acts for users everywhere (`RolePolicy.enterpriseAdmin`). */
export const ENTERPRISE_ADMIN_ROLE = 'enterprise_admin';
/** The default role of an administrator who acts for users of its own domain (`RolePolicy.domainAdmin`). */
export const DOMAIN_ADMIN_ROLE = 'domain_admin';
/** The default customer-side role that may manage UATs (`RolePolicy.uatManager`). */
export const COMPANY_ADMIN_ROLE = 'company_admin';

/**
 * Which of a user's roles (`UserRecord.roles`, as the directory gives them) grant Tollgate's own
 * powers. A user holding any one role of a list has that power.
 */
export interface RolePolicy {
  /** Customer users who may create, list and revoke their own UATs. Default `['company_admin']`. */
  readonly uatManager: readonly string[];
  /**
   * Administrators (`kind: 'administrator'`) who act for customer users of every domain: delegated
   * login, user tokens, user management, the whole audit trail. Default `['enterprise_admin']`.
   */
  readonly enterpriseAdmin: readonly string[];
  /** Administrators who do the same within their own domain only. Default `['domain_admin']`. */
  readonly domainAdmin: readonly string[];
}

export const DEFAULT_ROLE_POLICY: RolePolicy = Object.freeze({
  uatManager: Object.freeze([COMPANY_ADMIN_ROLE]),
  enterpriseAdmin: Object.freeze([ENTERPRISE_ADMIN_ROLE]),
  domainAdmin: Object.freeze([DOMAIN_ADMIN_ROLE]),
});

const ROLE_LISTS = ['uatManager', 'enterpriseAdmin', 'domainAdmin'] as const;

/**
 * The role policy of `createTollgate({ roles })`: each list given replaces its default. Refused with a
 * TypeError: an unknown key, a list that is not one or more non-empty strings, and a role that is both
 * an enterprise and a domain administrator's (its reach would be ambiguous).
 */
export function resolveRolePolicy(roles: Partial<RolePolicy> | undefined): RolePolicy {
  if (roles === undefined) return DEFAULT_ROLE_POLICY;
  if (typeof roles !== 'object' || roles === null) throw new TypeError('roles must be an object');
  for (const key of Object.keys(roles)) {
    if (!(ROLE_LISTS as readonly string[]).includes(key)) {
      throw new TypeError(`roles.${key} is not a role list: use ${ROLE_LISTS.join(', ')}`);
    }
  }
  const resolved = { ...DEFAULT_ROLE_POLICY };
  for (const key of ROLE_LISTS) {
    const list: unknown = roles[key];
    if (list === undefined) continue;
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      !list.every((role) => typeof role === 'string' && role.trim().length > 0)
    ) {
      throw new TypeError(`roles.${key} must be a list of one or more role names`);
    }
    resolved[key] = Object.freeze([...new Set(list as string[])]);
  }
  const both = resolved.enterpriseAdmin.filter((role) => resolved.domainAdmin.includes(role));
  if (both.length > 0) {
    throw new TypeError(
      `roles: ${both.map((role) => JSON.stringify(role)).join(', ')} is both an enterpriseAdmin and a domainAdmin role`,
    );
  }
  return Object.freeze(resolved);
}

const holdsAny = (caller: Principal, roles: readonly string[]): boolean =>
  roles.some((role) => caller.roles.includes(role));

/** An administrator whose reach is every domain. */
export const isEnterpriseAdmin = (policy: RolePolicy, caller: Principal): boolean =>
  holdsAny(caller, policy.enterpriseAdmin);

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
export function requireAdministrator(policy: RolePolicy, caller: Principal): void {
  refuseActingToken(caller);
  if (caller.tokenKind !== 'access') throw new TollgateError('wrong_token_kind');
  const isAdmin =
    caller.kind === 'administrator' &&
    (holdsAny(caller, policy.enterpriseAdmin) || holdsAny(caller, policy.domainAdmin));
  if (!isAdmin) throw new TollgateError('not_an_administrator');
}

const withinReach = (policy: RolePolicy, caller: Principal, domain: string): boolean =>
  isEnterpriseAdmin(policy, caller) || caller.domain === domain;

/** An enterprise administrator acts anywhere; a domain administrator only in its domain. */
export function requireInDomain(policy: RolePolicy, caller: Principal, domain: string): void {
  if (!withinReach(policy, caller, domain)) throw new TollgateError('outside_domain');
}

/**
 * The customer user an administrator (already checked) acts for. Unknown, disabled, outside `domain`
 * when one is named, or outside the caller's reach: one answer, `unknown_user`, after the same single
 * directory call, so a domain administrator learns nothing about other organisations. An administrator
 * within reach: `administrator_not_allowed`.
 */
export async function findUserToActFor(
  policy: RolePolicy,
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
    withinReach(policy, caller, user.domain);
  if (!found) throw new TollgateError('unknown_user');
  if (user.kind === 'administrator') throw new TollgateError('administrator_not_allowed');
  return user;
}

/** Who may manage UATs: a UAT manager, signed in by neither a UAT nor on an administrator's behalf. */
export function requireUatManager(policy: RolePolicy, caller: Principal): void {
  if (caller.tokenKind === 'uat') {
    throw new TollgateError('wrong_token_kind', { message: 'a UAT cannot manage UATs' });
  }
  refuseActingToken(caller);
  if (!holdsAny(caller, policy.uatManager)) throw new TollgateError('role_required');
}
