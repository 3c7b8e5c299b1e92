import { z } from 'zod';
import { MAX_CREDENTIAL_LENGTH } from '../credentials/authorization.js';
import { TollgateError } from '../errors.js';
import { fromStore } from '../store-errors.js';
import { encodeSecurityToken } from '../tokens/security-token.js';
import {
  activeUser,
  type ClientInfo,
  nowSeconds,
  type OperationContext,
  sessionRevocationExpiry,
} from './context.js';
import { parseInput, plainText } from './input.js';
import { signDelegatedToken } from './issue.js';
import { findUserToActFor, requireAdministrator, requireInDomain } from './policy.js';
import { reserveSession, startSession } from './sessions.js';

export const DelegatedLoginInput = z.object({
  /** The administrator's access token. */
  adminToken: z.string().min(1).max(MAX_CREDENTIAL_LENGTH),
  domain: plainText(255),
  userIdentity: plainText(320),
  customData: z.string().max(4096).nullish(),
});

export interface DelegatedTokenResult {
  /** The security token: base64url of a signed JWT, ready for a cookie or a Bearer header. */
  readonly token: string;
  readonly expiresAt: Date;
  /** The delegated session it belongs to, which the user and the administrator can list and end. */
  readonly sessionId: string;
  /** Seconds until it expires (the cookie's Max-Age). */
  readonly validForSeconds: number;
}

/** Scheme B: admin-delegated login (seed `admin-delegated-login.txt`). */
export interface DelegatedLoginOperations {
  /**
   * An administrator's access token signs a user of its domain in without their password, in a
   * delegated session naming the administrator, at most `lifetimes.delegatedToken` long (1 h by default).
   */
  issue(input: z.input<typeof DelegatedLoginInput> & ClientInfo): Promise<DelegatedTokenResult>;
  /**
   * The auto-login landing: exchanges a security token, once, for a new one in a new delegated session
   * (same user, administrator, customData and end), for the browser's own cookie. The presented token's
   * session ends in the same step, so a replayed landing link is refused (`token_revoked`), as are
   * expired, forged and other kinds of token.
   */
  land(input: { readonly token: string } & ClientInfo): Promise<DelegatedTokenResult>;
}

export function createDelegatedLoginOperations(context: OperationContext): DelegatedLoginOperations {
  const { users, authenticator, clock } = context;
  return {
    async issue({ clientIp, userAgent, ...input }) {
      const { adminToken, domain, userIdentity, customData } = parseInput(DelegatedLoginInput, input);
      const start = reserveSession(context);
      const result = await authenticator.authenticateCredential(
        { source: 'Bearer', token: adminToken },
        { sources: ['Bearer'] },
      );
      if (!result.ok) throw result.error;
      const caller = result.principal;
      requireAdministrator(context.roles, caller);
      requireInDomain(context.roles, caller, domain);
      const user = await findUserToActFor(context.roles, users, caller, userIdentity, domain);
      const actor = { userId: caller.userId, username: caller.username };
      const exp = nowSeconds(clock) + context.lifetimes.delegatedToken;
      const sessionId = await startSession(context, {
        start,
        user,
        kind: 'delegated',
        actor,
        expiresAt: exp * 1000,
        client: { clientIp, userAgent },
        customData: customData ?? null,
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
      return {
        token: encodeSecurityToken(jws),
        expiresAt,
        sessionId,
        validForSeconds: context.lifetimes.delegatedToken,
      };
    },

    async land({ token, clientIp, userAgent }) {
      parseInput(z.object({ token: DelegatedLoginInput.shape.adminToken }), { token });
      const start = reserveSession(context);
      const result = await authenticator.authenticateCredential(
        { source: 'cookie', token },
        { sources: ['cookie'] },
      );
      if (!result.ok) throw result.error;
      const link = result.principal;
      if (link.tokenKind !== 'delegated' || link.sessionId === null || link.actor === null) {
        throw new TollgateError('wrong_token_kind');
      }
      const linkSession = link.sessionId;
      const now = clock.now();
      const revocationExpiresAt = sessionRevocationExpiry(context, now);
      // Used once: only the first landing finds the link's session live and ends it (atomically).
      const ended = await fromStore(() =>
        context.store.revokeSessions({ userId: link.userId, ids: [linkSession], now, revocationExpiresAt }),
      );
      if (ended.length === 0) {
        throw new TollgateError('token_revoked', { message: 'This sign-in link has been used already.' });
      }
      context.revocations.publish('session', linkSession, revocationExpiresAt);
      const user = await activeUser(users, link.userId);
      const exp = Math.floor(link.expiresAt / 1000);
      const sessionId = await startSession(context, {
        start,
        user,
        kind: 'delegated',
        actor: link.actor,
        expiresAt: exp * 1000,
        client: { clientIp, userAgent },
        customData: link.customData,
      });
      const { jws, expiresAt } = await signDelegatedToken(
        context,
        user,
        link.actor,
        link.customData,
        sessionId,
        exp,
      );
      context.audit.emit(
        'token.issued',
        { userId: user.id, actorId: link.actor.userId, sessionId, clientIp, userAgent },
        { tokenKind: 'delegated', jti: null },
      );
      const validForSeconds = Math.max(0, exp - nowSeconds(clock));
      return { token: encodeSecurityToken(jws), expiresAt, sessionId, validForSeconds };
    },
  };
}
