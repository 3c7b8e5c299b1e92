import { z } from 'zod';
import { TollgateError } from '../errors.js';
import type { SessionKind, SessionRecord } from '../ports.js';
import { fromStore } from '../store-errors.js';
import { uuidv7Time } from '../tokens/uuidv7.js';
import type { Actor, Principal, UserRecord } from '../types.js';
import { type ClientInfo, type OperationContext, sessionRevocationExpiry, userAgentOf } from './context.js';
import { parseInput, recordIdField } from './input.js';
import type { PasswordLogin } from './login.js';

export const sessionIdField = recordIdField;

/** A session as its user (or an administrator) sees it. */
export interface SessionSummary {
  readonly id: string;
  readonly kind: SessionKind;
  /** True for the session of the token that asked. */
  readonly current: boolean;
  /** The administrator acting for the user, if any. */
  readonly actor: Actor | null;
  readonly createdAt: Date;
  readonly lastUsedAt: Date;
  readonly expiresAt: Date;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}

export const toSessionSummary = (record: SessionRecord, currentId: string | null): SessionSummary => ({
  id: record.id,
  kind: record.kind,
  current: record.id === currentId,
  actor: record.actor,
  createdAt: new Date(record.createdAt),
  lastUsedAt: new Date(record.lastUsedAt),
  expiresAt: new Date(record.expiresAt),
  clientIp: record.clientIp,
  userAgent: record.userAgent,
});

/**
 * A session's id, taken before the credentials it rests on are checked: its instant is the session's
 * `createdAt`, which a user revocation is compared with (here, in the store and in every instance's
 * memory), so a sign-in checked before a revocation never outlives it, however long the check took.
 */
export interface SessionStart {
  readonly id: string;
  readonly createdAt: number;
}

export function reserveSession(context: OperationContext): SessionStart {
  const now = context.clock.now();
  const id = context.sessionIds.next(now);
  return { id, createdAt: uuidv7Time(id) ?? now };
}

// Refusals of sessions a user revocation overtook: a password sign-in checks once more on these.
const overtaken = new WeakSet<Error>();

/** Starts a session (a durable row) and returns its id; refused when a user revocation overtook it. */
export async function startSession(
  context: OperationContext,
  input: {
    readonly start: SessionStart;
    readonly user: UserRecord;
    readonly kind: SessionKind;
    readonly actor: Actor | null;
    readonly expiresAt: number;
    readonly client: ClientInfo;
    /** A delegated session's `customData`. */
    readonly customData?: string | null;
  },
): Promise<string> {
  const { start, user, kind, actor, expiresAt, client } = input;
  const stored = await fromStore(() =>
    context.store.createSession({
      id: start.id,
      userId: user.id,
      kind,
      actor,
      createdAt: start.createdAt,
      lastUsedAt: start.createdAt,
      expiresAt,
      clientIp: client.clientIp ?? null,
      userAgent: userAgentOf(client),
      customData: input.customData ?? null,
    }),
  );
  if (stored.revokedAt !== null) {
    const error = new TollgateError('token_revoked', {
      message: "The user's credentials were revoked while this sign-in was checked; sign in again.",
    });
    overtaken.add(error);
    throw error;
  }
  return start.id;
}

/** The audit event of a password sign-in that opened `sessionId`. */
export function auditLoginSucceeded(
  context: OperationContext,
  credentials: PasswordLogin,
  opened: { readonly userId: string; readonly sessionId: string; readonly scheme: SessionKind },
): void {
  const { userId, sessionId, scheme } = opened;
  const subject = { userId, sessionId, clientIp: credentials.clientIp, userAgent: credentials.userAgent };
  context.audit.emit('login.succeeded', subject, { scheme });
}

/**
 * A password sign-in whose session `open` starts. When a user revocation lands between the password
 * check and the session's row (a new password, a disabled user, "log out everywhere"), it is checked
 * once more: a changed password or a disabled user then fails as any wrong login does, and after a
 * "log out everywhere" it goes on in a session of its own.
 */
export async function signInWithPassword<T>(
  context: OperationContext,
  credentials: PasswordLogin,
  open: (user: UserRecord, start: SessionStart) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const start = reserveSession(context);
    const user = await context.login(credentials);
    try {
      return await open(user, start);
    } catch (error) {
      if (attempt > 1 || !(error instanceof Error && overtaken.has(error))) throw error;
    }
  }
}

/**
 * Revokes sessions of a user: durable first, then known here and pushed to the other instances.
 * Returns the sessions revoked; audits each (and the end of a delegation).
 */
export async function revokeSessionsOf(
  context: OperationContext,
  input: {
    readonly userId: string;
    readonly ids: readonly string[];
    readonly by: 'user' | 'administrator';
    readonly actorId: string | null;
    readonly client?: ClientInfo;
  },
): Promise<readonly SessionRecord[]> {
  if (input.ids.length === 0) return [];
  const now = context.clock.now();
  const revocationExpiresAt = sessionRevocationExpiry(context, now);
  const revoked = await fromStore(() =>
    context.store.revokeSessions({ userId: input.userId, ids: input.ids, now, revocationExpiresAt }),
  );
  for (const session of revoked) {
    context.revocations.publish('session', session.id, revocationExpiresAt);
    const subject = {
      userId: input.userId,
      actorId: input.actorId,
      sessionId: session.id,
      clientIp: input.client?.clientIp,
      userAgent: input.client?.userAgent,
    };
    context.audit.emit('session.revoked', subject, { by: input.by });
    if (session.kind === 'delegated') {
      context.audit.emit('delegation.ended', subject, { customData: session.customData });
    }
  }
  return revoked;
}

/** The signed-in user's own sessions: list, end one, end the others, end all. */
export interface SessionOperations {
  /** The caller's live sessions, newest first, the caller's own marked `current`. */
  list(input: { readonly caller: Principal }): Promise<readonly SessionSummary[]>;
  /** Ends one of the caller's sessions (its own included); every token of it is refused at once. `not_found` otherwise. */
  revoke(input: { readonly caller: Principal; readonly sessionId: string } & ClientInfo): Promise<void>;
  /** Ends every session of the caller but the current one; returns how many. */
  revokeOthers(input: { readonly caller: Principal } & ClientInfo): Promise<number>;
  /** Ends every session of the caller, the current one included; returns how many. */
  revokeAll(input: { readonly caller: Principal } & ClientInfo): Promise<number>;
}

/** Sessions are managed by a token of one: not by a UAT (an API key, which belongs to no session). */
function requireSessionCaller(caller: Principal): void {
  if (caller.tokenKind === 'uat') {
    throw new TollgateError('wrong_token_kind', { message: 'A UAT cannot manage sessions.' });
  }
}

export function createSessionOperations(context: OperationContext): SessionOperations {
  const { store, clock } = context;
  const live = (userId: string) => fromStore(() => store.listSessionsByUser({ userId, now: clock.now() }));
  const actorOf = (caller: Principal) => caller.actor?.userId ?? null;

  return {
    async list({ caller }) {
      requireSessionCaller(caller);
      return (await live(caller.userId)).map((s) => toSessionSummary(s, caller.sessionId));
    },

    async revoke({ caller, sessionId, ...client }) {
      requireSessionCaller(caller);
      const { id } = parseInput(z.object({ id: sessionIdField }), { id: sessionId });
      const revoked = await revokeSessionsOf(context, {
        userId: caller.userId,
        ids: [id],
        by: caller.actor ? 'administrator' : 'user',
        actorId: actorOf(caller),
        client,
      });
      if (revoked.length === 0) throw new TollgateError('not_found', { message: 'No such session.' });
    },

    async revokeOthers({ caller, ...client }) {
      requireSessionCaller(caller);
      const ids = (await live(caller.userId)).map((s) => s.id).filter((id) => id !== caller.sessionId);
      const by = caller.actor ? 'administrator' : 'user';
      return (
        await revokeSessionsOf(context, { userId: caller.userId, ids, by, actorId: actorOf(caller), client })
      ).length;
    },

    async revokeAll({ caller, ...client }) {
      requireSessionCaller(caller);
      const ids = (await live(caller.userId)).map((s) => s.id);
      const by = caller.actor ? 'administrator' : 'user';
      return (
        await revokeSessionsOf(context, { userId: caller.userId, ids, by, actorId: actorOf(caller), client })
      ).length;
    },
  };
}
