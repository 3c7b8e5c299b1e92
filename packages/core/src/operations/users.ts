import { z } from 'zod';
import { TollgateError } from '../errors.js';
import type { UserLifecycle } from '../ports.js';
import { fromStore } from '../store-errors.js';
import { uuidv7 } from '../tokens/uuidv7.js';
import type { UserRecord } from '../types.js';
import { type ClientInfo, type OperationContext, sessionRevocationExpiry } from './context.js';
import { parseInput, plainText, recordIdField } from './input.js';
import { passwordField, usernameField } from './login.js';

/** A new password: long enough to matter, short enough to hash. */
export const newPasswordField = z.string().min(8).max(1024);
const nameList = z.array(plainText(128)).max(1000);

export const CreateUserInput = z.object({
  username: usernameField,
  email: z.email().max(320),
  password: newPasswordField,
  kind: z.enum(['customer', 'administrator']),
  organisationId: recordIdField,
  roles: nameList.optional(),
  permissions: nameList.optional(),
  environments: nameList.optional(),
});

/** Why a user's credentials were all revoked. */
export type UserRevocationReason = 'log_out_everywhere' | 'disabled' | 'password_changed';

/** Who made a lifecycle change: an administrator's id, `'cli'` for the operator, or null. */
export interface ChangedBy extends ClientInfo {
  readonly actorId?: string | null | undefined;
}

/**
 * The user lifecycle on a directory that supports it (SQLite, PostgreSQL, memory): what an operator
 * (the `tollgate` CLI, the app's own code) may do, with no caller to check. Setting a password and
 * disabling a user revoke every credential the user holds, on every instance.
 */
export interface UserLifecycleOperations {
  create(input: z.input<typeof CreateUserInput> & ChangedBy): Promise<UserRecord>;
  setPassword(input: { readonly username: string; readonly password: string } & ChangedBy): Promise<void>;
  disable(input: { readonly username: string } & ChangedBy): Promise<void>;
  enable(input: { readonly username: string } & ChangedBy): Promise<void>;
  /** Revokes every credential of the user issued until now (sessions, their tokens, UATs). */
  logOutEverywhere(input: { readonly username: string } & ChangedBy): Promise<void>;
}

/** Revokes every credential of `user` from before now: durable, known here at once, pushed to all. */
export async function revokeUserCredentials(
  context: OperationContext,
  user: Pick<UserRecord, 'id'>,
  reason: UserRevocationReason,
  changedBy: ChangedBy,
): Promise<void> {
  const now = context.clock.now();
  const revocationExpiresAt = sessionRevocationExpiry(context, now);
  // Sessions this instance starts from now on are of a later millisecond, so the revocation spares them.
  context.sessionIds.raiseFloor(now);
  await fromStore(() => context.store.revokeUser({ userId: user.id, now, revocationExpiresAt }));
  context.revocations.publishUser(user.id, now, revocationExpiresAt);
  context.audit.emit(
    'user.revoked',
    {
      userId: user.id,
      actorId: changedBy.actorId,
      clientIp: changedBy.clientIp,
      userAgent: changedBy.userAgent,
    },
    { reason },
  );
}

export function requireLifecycle(context: OperationContext): UserLifecycle {
  const lifecycle = context.users.lifecycle;
  if (lifecycle === undefined) {
    throw new TollgateError('not_supported', {
      message: 'The user directory cannot create, disable or change users.',
    });
  }
  return lifecycle;
}

const subjectOf = (userId: string, by: ChangedBy) => ({
  userId,
  actorId: by.actorId,
  clientIp: by.clientIp,
  userAgent: by.userAgent,
});

/** Disables or enables `user` (already found and allowed); disabling revokes every credential first. */
export async function setUserDisabled(
  context: OperationContext,
  user: UserRecord,
  disabled: boolean,
  by: ChangedBy,
): Promise<void> {
  const lifecycle = requireLifecycle(context);
  // Disabled before revoked: a login between the two finds the user disabled, not a fresh session.
  await fromStore(() => lifecycle.setDisabled({ userId: user.id, disabled }));
  if (disabled) {
    await revokeUserCredentials(context, user, 'disabled', by);
    context.audit.emit('user.disabled', subjectOf(user.id, by), {});
  } else {
    context.audit.emit('user.enabled', subjectOf(user.id, by), {});
  }
}

export function createUserLifecycleOperations(context: OperationContext): UserLifecycleOperations {
  const find = async (username: string): Promise<UserRecord> => {
    parseInput(z.object({ username: usernameField }), { username });
    const user = await fromStore(() => context.users.findUserByUsername(username));
    if (!user) throw new TollgateError('unknown_user');
    return user;
  };

  return {
    async create({ actorId, clientIp, userAgent, ...input }) {
      const lifecycle = requireLifecycle(context);
      const { roles, permissions, environments, ...fields } = parseInput(CreateUserInput, input);
      const user = await fromStore(() =>
        lifecycle.createUser({
          ...fields,
          roles: roles ?? [],
          permissions: permissions ?? [],
          environments: environments ?? [],
          id: uuidv7(context.clock.now()),
        }),
      );
      context.audit.emit('user.created', subjectOf(user.id, { actorId, clientIp, userAgent }), {
        username: user.username,
      });
      return user;
    },

    async setPassword({ username, password, ...by }) {
      const lifecycle = requireLifecycle(context);
      parseInput(z.object({ password: newPasswordField.and(passwordField) }), { password });
      const user = await find(username);
      if (!(await fromStore(() => lifecycle.setPassword({ userId: user.id, password })))) {
        throw new TollgateError('unknown_user');
      }
      await revokeUserCredentials(context, user, 'password_changed', by);
      context.audit.emit('user.password_changed', subjectOf(user.id, by), {});
    },

    async disable({ username, ...by }) {
      await setUserDisabled(context, await find(username), true, by);
    },

    async enable({ username, ...by }) {
      await setUserDisabled(context, await find(username), false, by);
    },

    async logOutEverywhere({ username, ...by }) {
      await revokeUserCredentials(context, await find(username), 'log_out_everywhere', by);
    },
  };
}
