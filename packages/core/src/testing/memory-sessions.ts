// The memory token store's sessions and revocation log (the `TokenStore` methods about them).
import type { SessionRecord, TokenStore } from '../ports.js';
import {
  copySession,
  ensureOpen,
  isLiveSession,
  type MemoryState,
  newestFirst,
  recordRevocation,
  revokeSession,
  userRevokedSince,
} from './memory-state.js';

type SessionMethods = Pick<
  TokenStore,
  | 'createSession'
  | 'findSession'
  | 'listSessionsByUser'
  | 'touchSession'
  | 'revokeSessions'
  | 'revokeUser'
  | 'listRevocations'
>;

export function memorySessionMethods(state: MemoryState): SessionMethods {
  return {
    async createSession(record) {
      ensureOpen(state);
      if (state.sessions.has(record.id)) throw new Error('A session with this id already exists');
      // Checked before a user revocation that is already recorded: stored revoked by it.
      const revokedAt = userRevokedSince(state, record.userId, record.createdAt);
      const stored = { ...copySession({ ...record, revokedAt }) };
      state.sessions.set(record.id, stored);
      return copySession(stored);
    },

    async findSession(id) {
      ensureOpen(state);
      const session = state.sessions.get(id);
      return session ? copySession(session) : null;
    },

    async listSessionsByUser({ userId, now }) {
      ensureOpen(state);
      return [...state.sessions.values()]
        .filter((session) => session.userId === userId && isLiveSession(session, now))
        .sort(newestFirst)
        .map(copySession);
    },

    async touchSession({ id, at }) {
      ensureOpen(state);
      const session = state.sessions.get(id);
      // Last use only moves forward, whatever order concurrent touches arrive in.
      if (session && session.lastUsedAt < at) session.lastUsedAt = at;
    },

    async revokeSessions({ userId, ids, now, revocationExpiresAt }) {
      ensureOpen(state);
      const revoked: SessionRecord[] = [];
      for (const id of new Set(ids)) {
        const session = state.sessions.get(id);
        if (!session || session.userId !== userId || !isLiveSession(session, now)) continue;
        revokeSession(state, id, now, revocationExpiresAt);
        revoked.push(copySession(session));
      }
      return revoked;
    },

    async revokeUser({ userId, now, revocationExpiresAt }) {
      ensureOpen(state);
      let sessionCount = 0;
      let uatCount = 0;
      // Created after `now`: checked after this revocation, which spares them (as the state in memory does).
      for (const session of state.sessions.values()) {
        if (session.userId !== userId || !isLiveSession(session, now) || session.createdAt > now) continue;
        session.revokedAt = now;
        sessionCount += 1;
      }
      for (const family of state.families.values()) {
        if (family.userId !== userId || family.revokedAt !== null || family.createdAt > now) continue;
        family.revokedAt = now;
      }
      for (const uat of state.uats.values()) {
        if (uat.userId !== userId || uat.revokedAt !== null || uat.expiresAt <= now) continue;
        uat.revokedAt = now;
        uatCount += 1;
      }
      recordRevocation(state, 'user', userId, now, revocationExpiresAt);
      return { sessions: sessionCount, uats: uatCount };
    },

    async listRevocations({ afterSeq, now }) {
      ensureOpen(state);
      const records = [...state.revocations.values()].filter((r) => r.seq > afterSeq && r.expiresAt > now);
      return { records, lastSeq: state.lastSeq };
    },
  };
}
