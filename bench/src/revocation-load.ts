import { randomUUID } from 'node:crypto';
import { type TokenStore, uuidv7 } from '@tollgate/core';
import { createMemoryTokenStore } from '@tollgate/core/testing';

/** How many revocations a Tollgate holds in memory for the "revoked" rows. */
export interface RevocationLoad {
  /** Sessions revoked (each a `session` record of the store's revocation log). */
  readonly sessions: number;
  /** Users revoked ("log out everywhere", disabled, new password: a `user` record each). */
  readonly users: number;
}

export interface LoadedStore {
  readonly store: TokenStore;
  /** A few of the revoked sessions' ids and users' ids, to prove a Tollgate on the store refuses them. */
  readonly sampleSessionIds: readonly string[];
  readonly sampleUserIds: readonly string[];
  /** When the revocations were made (ms): a session of a revoked user created before this is refused. */
  readonly revokedAt: number;
}

const HOUR = 3_600_000;
const SESSIONS_PER_OWNER = 10;

/**
 * A memory store whose revocation log holds `load.users` user revocations and `load.sessions` session
 * revocations, made through the store's own operations (`revokeUser`, `createSession` +
 * `revokeSessions`) exactly as `users.logOutEverywhere` and `sessions.revoke` make them. A Tollgate
 * on it reads them all into its revocation state at its first sync. None concerns the bench's users.
 */
export async function storeWithRevocations(load: RevocationLoad, now = Date.now()): Promise<LoadedStore> {
  const store = createMemoryTokenStore();
  // Kept a week: nothing expires during a run.
  const revocationExpiresAt = now + 7 * 24 * HOUR;
  const userIds = Array.from({ length: load.users }, () => randomUUID());
  // Users first: `revokeUser` scans the store's sessions, none yet.
  for (const userId of userIds) await store.revokeUser({ userId, now, revocationExpiresAt });

  const sessionIds: string[] = [];
  const owners = Math.max(1, Math.ceil(load.sessions / SESSIONS_PER_OWNER));
  for (let owner = 0; owner < owners; owner++) {
    const userId = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < SESSIONS_PER_OWNER && sessionIds.length < load.sessions; i++) {
      const createdAt = now - HOUR + sessionIds.length;
      const id = uuidv7(createdAt);
      await store.createSession({
        id,
        userId,
        kind: 'token_pair',
        actor: null,
        createdAt,
        lastUsedAt: createdAt,
        expiresAt: now + 24 * HOUR,
        clientIp: null,
        userAgent: null,
        customData: null,
      });
      ids.push(id);
      sessionIds.push(id);
    }
    const revoked = await store.revokeSessions({ userId, ids, now, revocationExpiresAt });
    if (revoked.length !== ids.length) throw new Error('bench setup: a session was not revoked');
  }
  const { records } = await store.listRevocations({ afterSeq: 0, now });
  const kinds = { session: 0, user: 0 } as Record<string, number>;
  for (const record of records) kinds[record.kind] = (kinds[record.kind] ?? 0) + 1;
  if (kinds.session !== load.sessions || kinds.user !== load.users) {
    throw new Error(
      `bench setup: the revocation log holds ${JSON.stringify(kinds)}, not ${JSON.stringify(load)}`,
    );
  }
  const samples = <T>(items: readonly T[]) =>
    items.length === 0 ? [] : [items[0]!, items[items.length >> 1]!, items[items.length - 1]!];
  return {
    store,
    sampleSessionIds: samples(sessionIds),
    sampleUserIds: samples(userIds),
    revokedAt: now,
  };
}
