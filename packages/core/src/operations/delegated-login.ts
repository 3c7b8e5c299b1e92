import { z } from 'zod';
import { MAX_CREDENTIAL_LENGTH } from '../credentials/authorization.js';
import { encodeSecurityToken } from '../tokens/security-token.js';
import type { ClientInfo, OperationContext } from './context.js';
import { nowSeconds } from './context.js';
import { parseInput } from './input.js';
import { signDelegatedToken } from './issue.js';
import { findUserToActFor, requireAdministrator, requireInDomain } from './policy.js';
import { startSession } from './sessions.js';

export const DelegatedLoginInput = z.object({
  /** The administrator's access token. */
  adminToken: z.string().min(1).max(MAX_CREDENTIAL_LENGTH),
  domain: z.string().min(1).max(255),
  userIdentity: z.string().min(1).max(320),
  customData: z.string().max(4096).nullish(),
});

export interface DelegatedTokenResult {
  /** The security token: base64url of a signed JWT, ready for a cookie or a Bearer header. */
  readonly token: string;
  readonly expiresAt: Date;
  /** The delegated session it belongs to, which the user and the administrator can list and end. */
  readonly sessionId: string;
}

/** Scheme B: admin-delegated login (seed `admin-delegated-login.txt`). */
export interface DelegatedLoginOperations {
  /**
   * An administrator's access token signs a user of its domain in without their password, in a
   * delegated session naming the administrator, at most `lifetimes.delegatedToken` long (1 h by default).
   */
  issue(input: z.input<typeof DelegatedLoginInput> & ClientInfo): Promise<DelegatedTokenResult>;
}

export function createDelegatedLoginOperations(context: OperationContext): DelegatedLoginOperations {
  const { users, authenticator, clock } = context;
  return {
    async issue({ clientIp, userAgent, ...input }) {
      const { adminToken, domain, userIdentity, customData } = parseInput(DelegatedLoginInput, input);
      const result = await authenticator.authenticateCredential(
        { source: 'Bearer', token: adminToken },
        { sources: ['Bearer'] },
      );
      if (!result.ok) throw result.error;
      const caller = result.principal;
      requireAdministrator(caller);
      requireInDomain(caller, domain);
      const user = await findUserToActFor(users, caller, userIdentity, domain);
      const actor = { userId: caller.userId, username: caller.username };
      const exp = nowSeconds(clock) + context.lifetimes.delegatedToken;
      const sessionId = await startSession(context, {
        user,
        kind: 'delegated',
        actor,
        expiresAt: exp * 1000,
        client: { clientIp, userAgent },
        now: clock.now(),
      });
      const { jws, expiresAt } = await signDelegatedToken(
        context,
        user,
        actor,
        customData ?? null,
        sessionId,
        exp,
      );
      context.audit.emit(
        'delegation.started',
        { userId: user.id, actorId: caller.userId, sessionId, clientIp, userAgent },
        { customData: customData ?? null },
      );
      return { token: encodeSecurityToken(jws), expiresAt, sessionId };
    },
  };
}
