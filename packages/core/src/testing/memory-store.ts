import { decideRotation } from '../operations/rotation.js';
import type {
  NewRefreshToken,
  RefreshFamilyRecord,
  RefreshTokenRecord,
  RevocationKind,
  RevocationRecord,
  RotateRefreshTokenResult,
  SessionRecord,
  TokenStore,
  UatRecord,
} from '../ports.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * An in-process `TokenStore` for unit tests and single-process demos. Nothing survives a restart.
 *
 * Every method does all its work synchronously before its promise settles, so no other call can
 * interleave with it: each method is atomic, and concurrent rotations of one token have one winner.
 */
export function createMemoryTokenStore(): TokenStore {
  const families = new Map<string, Mutable<RefreshFamilyRecord>>();
  const tokens = new Map<string, Mutable<RefreshTokenRecord>>();
  const uats = new Map<string, Mutable<UatRecord> & { readonly order: number }>();
  const uatIdByHash = new Map<string, string>();
  const sessions = new Map<string, Mutable<SessionRecord>>();
  // Kept in seq order; Map iteration follows insertion order.
  const revocations = new Map<number, RevocationRecord>();
  let lastSeq = 0;
  let uatOrder = 0;
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new Error('The memory token store is closed');
  };

  const recordRevocation = (kind: RevocationKind, id: string, revokedAt: number, expiresAt: number): void => {
    lastSeq += 1;
    revocations.set(lastSeq, Object.freeze({ seq: lastSeq, kind, id, revokedAt, expiresAt }));
  };

  /**
   * Revokes the session `id` and its refresh family (same id), whichever exist and are not revoked
   * yet, recording one `session` revocation when either changed. Returns whether anything changed.
   */
  const revokeSession = (id: string, now: number, expiresAt: number): boolean => {
    let changed = false;
    const family = families.get(id);
    if (family && family.revokedAt === null) {
      family.revokedAt = now;
      changed = true;
    }
    const session = sessions.get(id);
    if (session && session.revokedAt === null) {
      session.revokedAt = now;
      changed = true;
    }
    if (changed) recordRevocation('session', id, now, expiresAt);
    return changed;
  };
  const isLiveSession = (session: SessionRecord, now: number): boolean =>
    session.revokedAt === null && session.expiresAt > now;
  const copySession = (session: SessionRecord): SessionRecord =>
    Object.freeze({ ...session, actor: session.actor === null ? null : Object.freeze({ ...session.actor }) });
  const newestFirst = (a: SessionRecord, b: SessionRecord): number =>
    b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

  const copyFamily = (family: RefreshFamilyRecord): RefreshFamilyRecord => Object.freeze({ ...family });
  const copyUat = ({ order: _order, ...uat }: Mutable<UatRecord> & { readonly order: number }): UatRecord =>
    Object.freeze({ ...uat, permissions: Object.freeze([...uat.permissions]) });

  const storeToken = (familyId: string, generation: number, token: NewRefreshToken): RefreshTokenRecord => {
    const record: RefreshTokenRecord = {
      hash: token.hash,
      familyId,
      generation,
      issuedAt: token.issuedAt,
      expiresAt: token.expiresAt,
      rotatedAt: null,
    };
    tokens.set(token.hash, { ...record });
    return Object.freeze(record);
  };

  return {
    async createRefreshFamily({ family, token }) {
      ensureOpen();
      // Check every constraint before the first write, so a refusal leaves nothing behind.
      if (families.has(family.id)) throw new Error('A refresh family with this id already exists');
      if (tokens.has(token.hash)) throw new Error('A refresh token with this hash already exists');
      families.set(family.id, {
        id: family.id,
        userId: family.userId,
        createdAt: family.createdAt,
        absoluteExpiresAt: family.absoluteExpiresAt,
        revokedAt: null,
      });
      storeToken(family.id, 0, token);
    },

    async rotateRefreshToken({
      presentedHash,
      next,
      now,
      revocationExpiresAt,
      reuseIntervalMs,
    }): Promise<RotateRefreshTokenResult> {
      ensureOpen();
      const token = tokens.get(presentedHash);
      const family = token && families.get(token.familyId);
      if (!token || !family) return { outcome: 'not_found' };
      const decision = decideRotation({ token, family, now, nextExpiresAt: next.expiresAt, reuseIntervalMs });
      switch (decision.action) {
        case 'not_found':
        case 'expired':
          return { outcome: decision.action };
        case 'revoked':
          return { outcome: 'revoked', family: copyFamily(family) };
        case 'reused':
          revokeSession(family.id, now, revocationExpiresAt);
          return { outcome: 'reused', family: copyFamily(family) };
      }
      if (tokens.has(next.hash)) throw new Error('A refresh token with this hash already exists');
      let generation = token.generation;
      if (decision.action === 'retry') {
        // The family keeps exactly one live token: every one not rotated yet is rotated now, and the
        // successor comes after the newest. The presented token keeps its own rotation instant.
        for (const other of tokens.values()) {
          if (other.familyId !== family.id) continue;
          if (other.rotatedAt === null) other.rotatedAt = now;
          if (other.generation > generation) generation = other.generation;
        }
      } else {
        token.rotatedAt = now;
      }
      const stored = storeToken(family.id, generation + 1, {
        hash: next.hash,
        issuedAt: next.issuedAt,
        expiresAt: decision.nextExpiresAt,
      });
      return {
        outcome: 'rotated',
        family: copyFamily(family),
        retried: decision.action === 'retry',
        next: stored,
      };
    },

    async revokeRefreshFamilyByToken({ hash, now, revocationExpiresAt }) {
      ensureOpen();
      const token = tokens.get(hash);
      const family = token && families.get(token.familyId);
      if (!family) return null;
      revokeSession(family.id, now, revocationExpiresAt);
      return family.id;
    },

    async insertUat(record) {
      ensureOpen();
      if (uats.has(record.id)) throw new Error('A UAT with this id already exists');
      if (uatIdByHash.has(record.hash)) throw new Error('A UAT with this hash already exists');
      uatOrder += 1;
      uats.set(record.id, { ...record, permissions: [...record.permissions], order: uatOrder });
      uatIdByHash.set(record.hash, record.id);
    },

    async findUatByHash(hash) {
      ensureOpen();
      const id = uatIdByHash.get(hash);
      const uat = id === undefined ? undefined : uats.get(id);
      return uat ? copyUat(uat) : null;
    },

    async listUatsByUser(userId) {
      ensureOpen();
      return [...uats.values()]
        .filter((uat) => uat.userId === userId)
        .sort((a, b) => b.createdAt - a.createdAt || b.order - a.order)
        .map(copyUat);
    },

    async revokeUat({ id, userId, now, revocationExpiresAt }) {
      ensureOpen();
      const uat = uats.get(id);
      if (!uat || uat.userId !== userId) return false;
      if (uat.revokedAt === null) {
        uat.revokedAt = now;
        recordRevocation('uat', id, now, revocationExpiresAt);
      }
      return true;
    },

    async touchUat({ id, at }) {
      ensureOpen();
      const uat = uats.get(id);
      // Last use only moves forward, whatever order concurrent touches arrive in.
      if (uat && (uat.lastUsedAt === null || uat.lastUsedAt < at)) uat.lastUsedAt = at;
    },

    async createSession(record) {
      ensureOpen();
      if (sessions.has(record.id)) throw new Error('A session with this id already exists');
      sessions.set(record.id, { ...copySession({ ...record, revokedAt: null }) });
    },

    async findSession(id) {
      ensureOpen();
      const session = sessions.get(id);
      return session ? copySession(session) : null;
    },

    async listSessionsByUser({ userId, now }) {
      ensureOpen();
      return [...sessions.values()]
        .filter((session) => session.userId === userId && isLiveSession(session, now))
        .sort(newestFirst)
        .map(copySession);
    },

    async touchSession({ id, at }) {
      ensureOpen();
      const session = sessions.get(id);
      // Last use only moves forward, whatever order concurrent touches arrive in.
      if (session && session.lastUsedAt < at) session.lastUsedAt = at;
    },

    async revokeSessions({ userId, ids, now, revocationExpiresAt }) {
      ensureOpen();
      const revoked: SessionRecord[] = [];
      for (const id of new Set(ids)) {
        const session = sessions.get(id);
        if (!session || session.userId !== userId || !isLiveSession(session, now)) continue;
        revokeSession(id, now, revocationExpiresAt);
        revoked.push(copySession(session));
      }
      return revoked;
    },

    async revokeUser({ userId, now, revocationExpiresAt }) {
      ensureOpen();
      let sessionCount = 0;
      let uatCount = 0;
      for (const session of sessions.values()) {
        if (session.userId !== userId || !isLiveSession(session, now)) continue;
        session.revokedAt = now;
        sessionCount += 1;
      }
      for (const family of families.values()) {
        if (family.userId === userId && family.revokedAt === null) family.revokedAt = now;
      }
      for (const uat of uats.values()) {
        if (uat.userId !== userId || uat.revokedAt !== null || uat.expiresAt <= now) continue;
        uat.revokedAt = now;
        uatCount += 1;
      }
      recordRevocation('user', userId, now, revocationExpiresAt);
      return { sessions: sessionCount, uats: uatCount };
    },

    async listRevocations({ afterSeq, now }) {
      ensureOpen();
      const records = [...revocations.values()].filter((r) => r.seq > afterSeq && r.expiresAt > now);
      return { records, lastSeq };
    },

    async purgeExpired({ now, limit }) {
      ensureOpen();
      let deleted = 0;
      const room = (): boolean => deleted < limit;
      // Tokens before families, the same order a relational store needs for its foreign keys.
      for (const [hash, token] of tokens) {
        if (!room()) break;
        const family = families.get(token.familyId);
        if (token.expiresAt < now || (family !== undefined && family.absoluteExpiresAt < now)) {
          tokens.delete(hash);
          deleted += 1;
        }
      }
      if (room()) {
        const withTokens = new Set<string>();
        for (const token of tokens.values()) withTokens.add(token.familyId);
        for (const [id, family] of families) {
          if (!room()) break;
          if (family.absoluteExpiresAt < now && !withTokens.has(id)) {
            families.delete(id);
            deleted += 1;
          }
        }
      }
      for (const [id, session] of sessions) {
        if (!room()) break;
        if (session.expiresAt < now) {
          sessions.delete(id);
          deleted += 1;
        }
      }
      for (const [id, uat] of uats) {
        if (!room()) break;
        if (uat.expiresAt < now) {
          uats.delete(id);
          uatIdByHash.delete(uat.hash);
          deleted += 1;
        }
      }
      for (const [seq, revocation] of revocations) {
        if (!room()) break;
        if (revocation.expiresAt < now) {
          revocations.delete(seq);
          deleted += 1;
        }
      }
      return deleted;
    },

    async close() {
      closed = true;
    },
  };
}
