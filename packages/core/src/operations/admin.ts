import { z } from 'zod';
import { TollgateError } from '../errors.js';
import type { AuditEvent, AuditLog } from '../ports.js';
import { fromStore } from '../store-errors.js';
import type { Principal, UserRecord } from '../types.js';
import { AUDIT_EVENT_TYPES } from './audit.js';
import { type ClientInfo, type OperationContext, uatRevocationExpiry } from './context.js';
import { parseInput, recordIdField } from './input.js';
import { usernameField } from './login.js';
import { isEnterpriseAdmin, requireAdministrator } from './policy.js';
import { revokeSessionsOf, type SessionSummary, sessionIdField, toSessionSummary } from './sessions.js';
import { type UatSummary, uatSummaryOf } from './uats.js';
import { setUserDisabled } from './users.js';

export const AuditQueryInput = z.object({
  username: usernameField.optional(),
  actorId: recordIdField.optional(),
  type: z.enum(AUDIT_EVENT_TYPES).optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/**
 * What administrators do to users: an enterprise administrator to any customer user, a domain
 * administrator to those of its own domain. Unknown and out-of-reach users are one `unknown_user`.
 */
export interface AdminOperations {
  listSessions(input: {
    readonly caller: Principal;
    readonly username: string;
  }): Promise<readonly SessionSummary[]>;
  /** Ends one session of the user, or all of them when `sessionId` is absent; returns how many. */
  revokeSessions(
    input: {
      readonly caller: Principal;
      readonly username: string;
      readonly sessionId?: string;
    } & ClientInfo,
  ): Promise<number>;
  listUats(input: { readonly caller: Principal; readonly username: string }): Promise<readonly UatSummary[]>;
  revokeUat(
    input: { readonly caller: Principal; readonly username: string; readonly uatId: string } & ClientInfo,
  ): Promise<void>;
  /** Disables the user and revokes every credential it holds, on every instance. */
  disableUser(input: { readonly caller: Principal; readonly username: string } & ClientInfo): Promise<void>;
  enableUser(input: { readonly caller: Principal; readonly username: string } & ClientInfo): Promise<void>;
  /**
   * Audit events, newest first. An enterprise administrator may read all; a domain administrator only
   * a named user's within its domain. `not_supported` without an audit log that can be queried.
   */
  auditEvents(
    input: { readonly caller: Principal } & z.input<typeof AuditQueryInput>,
  ): Promise<readonly AuditEvent[]>;
}

export function createAdminOperations(context: OperationContext, auditLog: AuditLog | null): AdminOperations {
  const { users, store, clock } = context;

  /** A customer user within the administrator's reach, disabled ones included. */
  const userInReach = async (caller: Principal, username: string): Promise<UserRecord> => {
    requireAdministrator(context.roles, caller);
    parseInput(z.object({ username: usernameField }), { username });
    const user = await fromStore(() => users.findUserByUsername(username));
    const reach =
      isEnterpriseAdmin(context.roles, caller) || (user !== null && user.domain === caller.domain);
    if (user === null || !reach) throw new TollgateError('unknown_user');
    if (user.kind === 'administrator') throw new TollgateError('administrator_not_allowed');
    return user;
  };
  const by = (caller: Principal, client: ClientInfo) => ({ actorId: caller.userId, ...client });

  return {
    async listSessions({ caller, username }) {
      const user = await userInReach(caller, username);
      const sessions = await fromStore(() => store.listSessionsByUser({ userId: user.id, now: clock.now() }));
      return sessions.map((s) => toSessionSummary(s, caller.sessionId));
    },

    async revokeSessions({ caller, username, sessionId, ...client }) {
      const user = await userInReach(caller, username);
      let ids: readonly string[];
      if (sessionId !== undefined) {
        ids = [parseInput(z.object({ id: sessionIdField }), { id: sessionId }).id];
      } else {
        const live = await fromStore(() => store.listSessionsByUser({ userId: user.id, now: clock.now() }));
        ids = live.map((s) => s.id);
      }
      const revoked = await revokeSessionsOf(context, {
        userId: user.id,
        ids,
        by: 'administrator',
        actorId: caller.userId,
        client,
      });
      if (sessionId !== undefined && revoked.length === 0) {
        throw new TollgateError('not_found', { message: 'No such session.' });
      }
      return revoked.length;
    },

    async listUats({ caller, username }) {
      const user = await userInReach(caller, username);
      return (await fromStore(() => store.listUatsByUser(user.id))).map(uatSummaryOf);
    },

    async revokeUat({ caller, username, uatId, ...client }) {
      const user = await userInReach(caller, username);
      const { id } = parseInput(z.object({ id: recordIdField }), { id: uatId });
      const now = clock.now();
      const revocationExpiresAt = uatRevocationExpiry(context, now);
      const found = await fromStore(() => store.revokeUat({ id, userId: user.id, now, revocationExpiresAt }));
      if (!found) throw new TollgateError('not_found');
      context.revocations.publish('uat', id, revocationExpiresAt);
      context.audit.emit('uat.revoked', { userId: user.id, ...by(caller, client) }, { uatId: id });
    },

    async disableUser({ caller, username, ...client }) {
      await setUserDisabled(context, await userInReach(caller, username), true, by(caller, client));
    },

    async enableUser({ caller, username, ...client }) {
      await setUserDisabled(context, await userInReach(caller, username), false, by(caller, client));
    },

    async auditEvents({ caller, ...input }) {
      requireAdministrator(context.roles, caller);
      const query = parseInput(AuditQueryInput, input);
      let userId: string | undefined;
      if (query.username !== undefined) userId = (await userInReach(caller, query.username)).id;
      else if (!isEnterpriseAdmin(context.roles, caller)) {
        throw new TollgateError('malformed_request', {
          message: 'A domain administrator reads the audit events of one user of its domain: name it.',
          fields: { username: ['This field is required.'] },
        });
      }
      if (auditLog === null) {
        throw new TollgateError('not_supported', {
          message: 'No audit log that can be queried is configured.',
        });
      }
      return fromStore(() =>
        auditLog.query({
          ...(userId === undefined ? {} : { userId }),
          ...(query.actorId === undefined ? {} : { actorId: query.actorId }),
          ...(query.type === undefined ? {} : { type: query.type }),
          ...(query.since === undefined ? {} : { since: query.since.getTime() }),
          ...(query.until === undefined ? {} : { until: query.until.getTime() }),
          limit: query.limit ?? 100,
        }),
      );
    },
  };
}
