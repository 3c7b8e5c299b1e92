import { decideRotation } from '../operations/rotation.js';
import type { RotateRefreshTokenResult, TokenStore } from '../ports.js';
import { memorySessionMethods } from './memory-sessions.js';
import {
  copyFamily,
  copyUat,
  createMemoryState,
  ensureOpen,
  type MemoryState,
  recordRevocation,
  revokeSession,
  storeToken,
  userRevokedSince,
} from './memory-state.js';

/**
 * An in-process `TokenStore` for unit tests and single-process demos. Nothing survives a restart.
 *
 * Every method does all its work synchronously before its promise settles, so no other call can
 * interleave with it: each method is atomic, and concurrent rotations of one token have one winner.
 */
export function createMemoryTokenStore(): TokenStore {
  const state = createMemoryState();
  return {
    async createRefreshFamily({ family, token }) {
      ensureOpen(state);
      // Check every constraint before the first write, so a refusal leaves nothing behind.
      if (state.families.has(family.id)) throw new Error('A refresh family with this id already exists');
      if (state.tokens.has(token.hash)) throw new Error('A refresh token with this hash already exists');
      state.families.set(family.id, {
        id: family.id,
        userId: family.userId,
        createdAt: family.createdAt,
        absoluteExpiresAt: family.absoluteExpiresAt,
        revokedAt: null,
      });
      storeToken(state, family.id, 0, token);
    },

    async rotateRefreshToken({
      presentedHash,
      next,
      now,
      revocationExpiresAt,
      reuseIntervalMs,
    }): Promise<RotateRefreshTokenResult> {
      ensureOpen(state);
      const token = state.tokens.get(presentedHash);
      const family = token && state.families.get(token.familyId);
      if (!token || !family) return { outcome: 'not_found' };
      const decision = decideRotation({ token, family, now, nextExpiresAt: next.expiresAt, reuseIntervalMs });
      switch (decision.action) {
        case 'not_found':
        case 'expired':
          return { outcome: decision.action };
        case 'revoked':
          return { outcome: 'revoked', family: copyFamily(family) };
        case 'reused':
          revokeSession(state, family.id, now, revocationExpiresAt);
          return { outcome: 'reused', family: copyFamily(family) };
      }
      if (state.tokens.has(next.hash)) throw new Error('A refresh token with this hash already exists');
      let generation = token.generation;
      if (decision.action === 'retry') {
        // The family keeps exactly one live token: every one not rotated yet is rotated now, and the
        // successor comes after the newest. The presented token keeps its own rotation instant.
        for (const other of state.tokens.values()) {
          if (other.familyId !== family.id) continue;
          if (other.rotatedAt === null) other.rotatedAt = now;
          if (other.generation > generation) generation = other.generation;
        }
      } else {
        token.rotatedAt = now;
      }
      const stored = storeToken(state, family.id, generation + 1, {
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
      ensureOpen(state);
      const token = state.tokens.get(hash);
      const family = token && state.families.get(token.familyId);
      if (!family) return null;
      revokeSession(state, family.id, now, revocationExpiresAt);
      return family.id;
    },

    async insertUat(record, check) {
      ensureOpen(state);
      // Its creator was checked before a user revocation that is already recorded: refused.
      if (check && userRevokedSince(state, record.userId, check.creatorSince) !== null) return false;
      if (state.uats.has(record.id)) throw new Error('A UAT with this id already exists');
      if (state.uatIdByHash.has(record.hash)) throw new Error('A UAT with this hash already exists');
      state.uatOrder += 1;
      state.uats.set(record.id, { ...record, permissions: [...record.permissions], order: state.uatOrder });
      state.uatIdByHash.set(record.hash, record.id);
      return true;
    },

    async findUatByHash(hash) {
      ensureOpen(state);
      const id = state.uatIdByHash.get(hash);
      const uat = id === undefined ? undefined : state.uats.get(id);
      return uat ? copyUat(uat) : null;
    },

    async listUatsByUser(userId) {
      ensureOpen(state);
      return [...state.uats.values()]
        .filter((uat) => uat.userId === userId)
        .sort((a, b) => b.createdAt - a.createdAt || b.order - a.order)
        .map(copyUat);
    },

    async revokeUat({ id, userId, now, revocationExpiresAt }) {
      ensureOpen(state);
      const uat = state.uats.get(id);
      if (!uat || uat.userId !== userId) return false;
      if (uat.revokedAt === null) {
        uat.revokedAt = now;
        recordRevocation(state, 'uat', id, now, revocationExpiresAt);
      }
      return true;
    },

    async touchUat({ id, at }) {
      ensureOpen(state);
      const uat = state.uats.get(id);
      // Last use only moves forward, whatever order concurrent touches arrive in.
      if (uat && (uat.lastUsedAt === null || uat.lastUsedAt < at)) uat.lastUsedAt = at;
    },

    ...memorySessionMethods(state),

    async purgeExpired({ now, limit }) {
      ensureOpen(state);
      return purgeExpired(state, now, limit);
    },

    async close() {
      state.closed = true;
    },
  };
}

/** Deletes at most `limit` expired records; tokens before families, as a relational store must. */
function purgeExpired(state: MemoryState, now: number, limit: number): number {
  let deleted = 0;
  const room = (): boolean => deleted < limit;
  // Tokens before state.families, the same order a relational store needs for its foreign keys.
  for (const [hash, token] of state.tokens) {
    if (!room()) break;
    const family = state.families.get(token.familyId);
    if (token.expiresAt < now || (family !== undefined && family.absoluteExpiresAt < now)) {
      state.tokens.delete(hash);
      deleted += 1;
    }
  }
  if (room()) {
    const withTokens = new Set<string>();
    for (const token of state.tokens.values()) withTokens.add(token.familyId);
    for (const [id, family] of state.families) {
      if (!room()) break;
      if (family.absoluteExpiresAt < now && !withTokens.has(id)) {
        state.families.delete(id);
        deleted += 1;
      }
    }
  }
  for (const [id, session] of state.sessions) {
    if (!room()) break;
    if (session.expiresAt < now) {
      state.sessions.delete(id);
      deleted += 1;
    }
  }
  for (const [id, uat] of state.uats) {
    if (!room()) break;
    if (uat.expiresAt < now) {
      state.uats.delete(id);
      state.uatIdByHash.delete(uat.hash);
      deleted += 1;
    }
  }
  for (const [seq, revocation] of state.revocations) {
    if (!room()) break;
    if (revocation.expiresAt < now) {
      state.revocations.delete(seq);
      deleted += 1;
    }
  }
  return deleted;
}
