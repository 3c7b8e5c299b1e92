import { z } from 'zod';
import { MAX_CREDENTIAL_LENGTH } from '../credentials/authorization.js';
import { TollgateError } from '../errors.js';
import { fromStore } from '../store-errors.js';
import { actorFromClaims } from '../tokens/claims.js';
import { decodeSecurityToken, wrappingRefusal } from '../tokens/security-token.js';
import type { Actor, Environment, Principal, UserRecord } from '../types.js';
import {
  activeUser,
  type ClientInfo,
  checkEnvironment,
  checkNotRevoked,
  nowSeconds,
  type OperationContext,
} from './context.js';
import { parseInput, plainText } from './input.js';
import { signUserToken } from './issue.js';
import { type PasswordLogin, passwordField, usernameField } from './login.js';
import { findUserToActFor, requireAdministrator } from './policy.js';
import {
  auditLoginSucceeded,
  reserveSession,
  type SessionStart,
  signInWithPassword,
  startSession,
} from './sessions.js';

export const environmentField = plainText(128);
/** A user token as it travels in a URL path. */
export const pathTokenField = z.string().min(1).max(MAX_CREDENTIAL_LENGTH);

// The direct API takes an empty environment for none, as it always has; the routes refuse it.
const optionalEnvironment = z.preprocess(
  (value) => (value === '' ? null : value),
  environmentField.nullish(),
);

export const UserTokenLoginInput = z.object({
  username: usernameField,
  password: passwordField,
  environment: optionalEnvironment,
  clientIp: z.string().optional(),
  userAgent: z.string().optional(),
});
export const IssueUserTokenInput = z.object({ username: usernameField, environment: optionalEnvironment });
export const RefreshUserTokenInput = z.object({ token: pathTokenField, environment: optionalEnvironment });

export interface UserTokenResult {
  readonly token: string;
  readonly environment: string | null;
  readonly expiresAt: Date;
}

/** Scheme A: user tokens bound to an environment (seed `user-tokens-environments.txt`). */
export interface UserTokenOperations {
  /** Password login to a user token, optionally bound to an environment. Customers only. */
  login(
    input: PasswordLogin & { readonly environment?: string | null | undefined },
  ): Promise<UserTokenResult>;
  /**
   * An administrator issues a user token for a customer user; the token names it as `actor` and cannot
   * mint credentials. Unknown, disabled and (for a domain admin) out-of-domain users: one `unknown_user`.
   */
  issue(
    input: {
      readonly caller: Principal;
      readonly username: string;
      readonly environment?: string | null | undefined;
    } & ClientInfo,
  ): Promise<UserTokenResult>;
  /** A new user token for a valid one, keeping its environment (unless another is given) and its actor. */
  refresh(input: {
    readonly token: string;
    readonly environment?: string | null | undefined;
  }): Promise<UserTokenResult>;
  /** The environments the user of a (possibly environment-less) user token may use. */
  environments(input: { readonly token: string }): Promise<readonly Environment[]>;
}

export function createUserTokenOperations(context: OperationContext): UserTokenOperations {
  const { users, codec, clock, lifetimes } = context;

  const verifyPathToken = (token: string) => {
    // Decoded like `authenticate` does, so a delegated security token is told apart as a wrong kind.
    const jws = decodeSecurityToken(token);
    const verified = codec.verify(jws, clock.now());
    const wrapped = wrappingRefusal(token, jws, verified.kind);
    if (wrapped !== null) throw wrapped;
    if (!context.sourceKinds.path.includes(verified.kind)) throw new TollgateError('wrong_token_kind');
    const authTime = verified.claims.auth_time;
    if (typeof authTime !== 'number') throw new TollgateError('invalid_token');
    if (authTime + lifetimes.session <= nowSeconds(clock)) throw new TollgateError('session_expired');
    const actor = actorFromClaims(verified.claims);
    if (actor === undefined) throw new TollgateError('invalid_token');
    const env = verified.claims.environment;
    const sid = verified.claims.sid;
    return {
      claims: verified.claims,
      sessionId: typeof sid === 'string' ? sid : null,
      sessionStart: authTime,
      environment: typeof env === 'string' ? env : null,
      actor,
    };
  };

  /** A chain's session lives as long as the chain may: `session` seconds from its start. */
  const sessionOf = (
    start: SessionStart,
    user: UserRecord,
    actor: Actor | null,
    client: ClientInfo,
    sessionStart: number,
  ) =>
    startSession(context, {
      start,
      user,
      kind: 'user_token',
      actor,
      expiresAt: (sessionStart + lifetimes.session) * 1000,
      client,
    });

  /**
   * A presented user token, unless its session or user was revoked: the store's session row says so
   * (revoking a session or a user marks it, in the same transaction), so this holds on the store alone,
   * with Redis away. A token from before sessions is checked against the revocation state instead.
   */
  const verifyLive = async (token: string) => {
    const presented = verifyPathToken(token);
    if (presented.sessionId === null) {
      await checkNotRevoked(context, presented.claims, presented.claims.sub);
      return presented;
    }
    const sessionId = presented.sessionId;
    const session = await fromStore(() => context.store.findSession(sessionId));
    if (session === null || session.revokedAt !== null || session.userId !== presented.claims.sub) {
      throw new TollgateError('token_revoked');
    }
    return presented;
  };

  return {
    async login(input) {
      const { environment, ...credentials } = parseInput(UserTokenLoginInput, input);
      return signInWithPassword(context, credentials, async (user, start) => {
        if (user.kind === 'administrator') throw new TollgateError('administrator_not_allowed');
        await checkEnvironment(users, user, environment ?? null);
        const sessionStart = nowSeconds(clock);
        const sessionId = await sessionOf(start, user, null, credentials, sessionStart);
        auditLoginSucceeded(context, credentials, {
          userId: user.id,
          sessionId,
          scheme: 'user_token',
        });
        return signUserToken(context, user, environment ?? null, sessionStart, sessionId);
      });
    },

    async issue({ caller, clientIp, userAgent, ...input }) {
      requireAdministrator(context.roles, caller);
      const { username, environment } = parseInput(IssueUserTokenInput, input);
      const start = reserveSession(context);
      const user = await findUserToActFor(context.roles, users, caller, username);
      await checkEnvironment(users, user, environment ?? null);
      const sessionStart = nowSeconds(clock);
      const actor = { userId: caller.userId, username: caller.username };
      const sessionId = await sessionOf(start, user, actor, { clientIp, userAgent }, sessionStart);
      const token = await signUserToken(context, user, environment ?? null, sessionStart, sessionId, actor);
      const subject = { userId: user.id, actorId: caller.userId, sessionId, clientIp, userAgent };
      context.audit.emit('token.issued', subject, { tokenKind: 'user', jti: null });
      return token;
    },

    async refresh(input) {
      const { token, environment } = parseInput(RefreshUserTokenInput, input);
      // Used only by a token from before sessions, which gets one here.
      const start = reserveSession(context);
      const presented = await verifyLive(token);
      const user = await activeUser(users, presented.claims.sub);
      const env = environment ?? presented.environment;
      // Kept environments are checked again: the user may have lost access since.
      await checkEnvironment(users, user, env);
      // A token from before sessions gets one now, so that it can be listed and revoked from here on.
      const sessionId =
        presented.sessionId ?? (await sessionOf(start, user, presented.actor, {}, presented.sessionStart));
      context.touches.note(sessionId, clock.now());
      context.audit.emit(
        'token.refreshed',
        { userId: user.id, actorId: presented.actor?.userId, sessionId },
        { tokenKind: 'user', retry: false },
      );
      // The actor is carried over: every token of the chain stays attributed to the administrator.
      return signUserToken(context, user, env, presented.sessionStart, sessionId, presented.actor);
    },

    async environments(input) {
      const { token } = parseInput(z.object({ token: pathTokenField }), input);
      const presented = await verifyLive(token);
      const user = await activeUser(users, presented.claims.sub);
      const catalogue = await fromStore(() => users.listEnvironments());
      return catalogue.filter((env) => user.environments.includes(env.id));
    },
  };
}
