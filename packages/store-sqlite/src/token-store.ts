import type { SessionKind, SessionRecord } from '@tollgate/core';
import {
  decideRotation,
  type RefreshFamilyRecord,
  type RevocationKind,
  type RevocationRecord,
  type RotateRefreshTokenResult,
  type TokenStore,
  type UatRecord,
} from '@tollgate/core';
import type { Connection } from './driver.js';
import { parseStringArray } from './json.js';

interface FamilyRow {
  readonly family_id: string;
  readonly user_id: string;
  readonly created_at: number;
  readonly absolute_expires_at: number;
  readonly revoked_at: number | null;
}

interface TokenWithFamilyRow extends FamilyRow {
  readonly generation: number;
  readonly expires_at: number;
  readonly rotated_at: number | null;
}

interface UatRow {
  readonly id: string;
  readonly user_id: string;
  readonly name: string;
  readonly hash: string;
  readonly prefix: string;
  readonly permissions: string;
  readonly created_at: number;
  readonly expires_at: number;
  readonly revoked_at: number | null;
  readonly last_used_at: number | null;
}

interface RevocationRow {
  readonly seq: number;
  readonly kind: RevocationKind;
  readonly id: string;
  readonly revoked_at: number;
  readonly expires_at: number;
}

interface SessionRow {
  readonly id: string;
  readonly user_id: string;
  readonly kind: SessionKind;
  readonly actor_user_id: string | null;
  readonly actor_username: string | null;
  readonly created_at: number;
  readonly last_used_at: number;
  readonly expires_at: number;
  readonly revoked_at: number | null;
  readonly client_ip: string | null;
  readonly user_agent: string | null;
  readonly custom_data: string | null;
}

const SESSION_COLUMNS =
  'id, user_id, kind, actor_user_id, actor_username, created_at, last_used_at, expires_at, revoked_at, client_ip, user_agent, custom_data';

function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    actor:
      row.actor_user_id === null || row.actor_username === null
        ? null
        : { userId: row.actor_user_id, username: row.actor_username },
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    clientIp: row.client_ip,
    userAgent: row.user_agent,
    customData: row.custom_data,
  };
}

const UAT_COLUMNS =
  'id, user_id, name, hash, prefix, permissions, created_at, expires_at, revoked_at, last_used_at';

function toFamily(row: FamilyRow): RefreshFamilyRecord {
  return {
    id: row.family_id,
    userId: row.user_id,
    createdAt: row.created_at,
    absoluteExpiresAt: row.absolute_expires_at,
    revokedAt: row.revoked_at,
  };
}

function toUat(row: UatRow): UatRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    hash: row.hash,
    prefix: row.prefix,
    permissions: parseStringArray(row.permissions, 'uats.permissions'),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/**
 * The `TokenStore` on one SQLite connection (either driver). Every write runs in a `BEGIN IMMEDIATE`
 * transaction (or is a single statement), so it holds the file's write lock from its first read:
 * across connections and processes, the decisions below are taken on data nobody else can change.
 * Both drivers are synchronous; each method is `async` so that any driver error (busy after the
 * timeout, closed connection, I/O) becomes a rejected promise, never a resolved guess.
 */
export function createSqliteTokenStore(db: Connection): TokenStore {
  const statements = {
    insertFamily: db.prepare<[string, string, number, number]>(
      'INSERT INTO refresh_families (id, user_id, created_at, absolute_expires_at) VALUES (?, ?, ?, ?)',
    ),
    insertToken: db.prepare<[string, string, number, number, number]>(
      'INSERT INTO refresh_tokens (hash, family_id, generation, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    tokenWithFamily: db.prepare<[string], TokenWithFamilyRow>(
      `SELECT t.generation, t.expires_at, t.rotated_at,
              f.id AS family_id, f.user_id, f.created_at, f.absolute_expires_at, f.revoked_at
       FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id
       WHERE t.hash = ?`,
    ),
    family: db.prepare<[string], FamilyRow>(
      `SELECT id AS family_id, user_id, created_at, absolute_expires_at, revoked_at
       FROM refresh_families WHERE id = ?`,
    ),
    // The conditional update decides the single winner of a rotation.
    markRotated: db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET rotated_at = ? WHERE hash = ? AND rotated_at IS NULL',
    ),
    revokeFamily: db.prepare<[number, string]>(
      'UPDATE refresh_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    ),
    // A retry: every token of the family not rotated yet is rotated now, so one live token remains.
    rotateFamilyTokens: db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET rotated_at = ? WHERE family_id = ? AND rotated_at IS NULL',
    ),
    maxGeneration: db.prepare<[string], { readonly generation: number | null }>(
      'SELECT max(generation) AS generation FROM refresh_tokens WHERE family_id = ?',
    ),
    insertSession: db.prepare<
      [
        string,
        string,
        SessionKind,
        string | null,
        string | null,
        number,
        number,
        number,
        number | null,
        string | null,
        string | null,
        string | null,
      ]
    >(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    session: db.prepare<[string], SessionRow>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`),
    liveSessionsByUser: db.prepare<[string, number], SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM sessions
       WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?
       ORDER BY created_at DESC, id DESC`,
    ),
    touchSession: db.prepare<[number, string, number]>(
      'UPDATE sessions SET last_used_at = ? WHERE id = ? AND last_used_at < ?',
    ),
    revokeSession: db.prepare<[number, string]>(
      'UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    ),
    // Up to the revocation's instant: a session created after it was checked after it (see createSession).
    revokeUserSessions: db.prepare<[number, string, number, number]>(
      `UPDATE sessions SET revoked_at = ?
       WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? AND created_at <= ?`,
    ),
    revokeUserFamilies: db.prepare<[number, string, number]>(
      'UPDATE refresh_families SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND created_at <= ?',
    ),
    userRevokedSince: db.prepare<[string, number], { readonly revoked_at: number | null }>(
      "SELECT max(revoked_at) AS revoked_at FROM revocations WHERE kind = 'user' AND id = ? AND revoked_at >= ?",
    ),
    revokeUserUats: db.prepare<[number, string, number]>(
      'UPDATE uats SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?',
    ),
    insertRevocation: db.prepare<[RevocationKind, string, number, number]>(
      'INSERT INTO revocations (kind, id, revoked_at, expires_at) VALUES (?, ?, ?, ?)',
    ),
    insertUat: db.prepare<
      [string, string, string, string, string, string, number, number, number | null, number | null]
    >(`INSERT INTO uats (${UAT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    uatByHash: db.prepare<[string], UatRow>(`SELECT ${UAT_COLUMNS} FROM uats WHERE hash = ?`),
    uatsByUser: db.prepare<[string], UatRow>(
      `SELECT ${UAT_COLUMNS} FROM uats WHERE user_id = ? ORDER BY created_at DESC, rowid DESC`,
    ),
    revokeUat: db.prepare<[number, string, string]>(
      'UPDATE uats SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL',
    ),
    uatOwned: db.prepare<[string, string], { readonly found: number }>(
      'SELECT 1 AS found FROM uats WHERE id = ? AND user_id = ?',
    ),
    touchUat: db.prepare<[number, string, number]>(
      'UPDATE uats SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
    ),
    revocationsAfter: db.prepare<[number, number], RevocationRow>(
      'SELECT seq, kind, id, revoked_at, expires_at FROM revocations WHERE seq > ? AND expires_at > ? ORDER BY seq',
    ),
    lastSeq: db.prepare<[], { readonly seq: number }>(
      "SELECT seq FROM sqlite_sequence WHERE name = 'revocations'",
    ),
    purgeTokens: db.prepare<[number, number]>(
      `DELETE FROM refresh_tokens WHERE hash IN (
         SELECT hash FROM refresh_tokens WHERE expires_at < ? LIMIT ?)`,
    ),
    purgeTokensOfExpiredFamilies: db.prepare<[number, number]>(
      `DELETE FROM refresh_tokens WHERE hash IN (
         SELECT t.hash FROM refresh_families f JOIN refresh_tokens t ON t.family_id = f.id
         WHERE f.absolute_expires_at < ? LIMIT ?)`,
    ),
    purgeFamilies: db.prepare<[number, number]>(
      `DELETE FROM refresh_families WHERE id IN (
         SELECT f.id FROM refresh_families f
         WHERE f.absolute_expires_at < ? AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.id)
         LIMIT ?)`,
    ),
    purgeSessions: db.prepare<[number, number]>(
      'DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < ? LIMIT ?)',
    ),
    purgeUats: db.prepare<[number, number]>(
      'DELETE FROM uats WHERE id IN (SELECT id FROM uats WHERE expires_at < ? LIMIT ?)',
    ),
    purgeRevocations: db.prepare<[number, number]>(
      'DELETE FROM revocations WHERE seq IN (SELECT seq FROM revocations WHERE expires_at < ? LIMIT ?)',
    ),
  };

  /**
   * Revokes the session `id` and its refresh family (same id), whichever exist and are live, recording
   * one `session` revocation when either changed; a no-op on a revoked one. Call inside a transaction.
   */
  const revokeSession = (id: string, now: number, revocationExpiresAt: number): void => {
    const family = statements.revokeFamily.run(now, id).changes;
    const session = statements.revokeSession.run(now, id).changes;
    if (family + session > 0) statements.insertRevocation.run('session', id, now, revocationExpiresAt);
  };

  const familyRecord = (familyId: string): RefreshFamilyRecord => {
    const row = statements.family.get(familyId);
    if (!row) throw new Error('refresh family vanished inside its transaction');
    return toFamily(row);
  };

  const createFamily = db.transaction((input: Parameters<TokenStore['createRefreshFamily']>[0]) => {
    const { family, token } = input;
    statements.insertFamily.run(family.id, family.userId, family.createdAt, family.absoluteExpiresAt);
    statements.insertToken.run(token.hash, family.id, 0, token.issuedAt, token.expiresAt);
  });

  const rotate = db.transaction(
    (input: Parameters<TokenStore['rotateRefreshToken']>[0]): RotateRefreshTokenResult => {
      const { presentedHash, next, now, revocationExpiresAt, reuseIntervalMs } = input;
      const row = statements.tokenWithFamily.get(presentedHash);
      if (!row) return { outcome: 'not_found' };
      const family = toFamily(row);
      const token = { expiresAt: row.expires_at, rotatedAt: row.rotated_at };
      const decision = decideRotation({ token, family, now, nextExpiresAt: next.expiresAt, reuseIntervalMs });
      let generation: number;
      switch (decision.action) {
        case 'not_found':
        case 'expired':
          return { outcome: decision.action };
        case 'revoked':
          return { outcome: 'revoked', family };
        case 'reused':
          revokeSession(family.id, now, revocationExpiresAt);
          return { outcome: 'reused', family: familyRecord(family.id) };
        case 'rotate':
          // Losing the conditional update would mean another rotation won: a reuse, like a rotated row.
          if (statements.markRotated.run(now, presentedHash).changes !== 1) {
            revokeSession(family.id, now, revocationExpiresAt);
            return { outcome: 'reused', family: familyRecord(family.id) };
          }
          generation = row.generation + 1;
          break;
        case 'retry':
          // The presented token keeps its rotatedAt; its successors are rotated now.
          statements.rotateFamilyTokens.run(now, family.id);
          generation = (statements.maxGeneration.get(family.id)?.generation ?? row.generation) + 1;
          break;
      }
      const expiresAt = decision.nextExpiresAt;
      statements.insertToken.run(next.hash, family.id, generation, next.issuedAt, expiresAt);
      return {
        outcome: 'rotated',
        family,
        retried: decision.action === 'retry',
        next: {
          hash: next.hash,
          familyId: family.id,
          generation,
          issuedAt: next.issuedAt,
          expiresAt,
          rotatedAt: null,
        },
      };
    },
  );

  const revokeByToken = db.transaction(
    (input: Parameters<TokenStore['revokeRefreshFamilyByToken']>[0]): string | null => {
      const row = statements.tokenWithFamily.get(input.hash);
      if (!row) return null;
      revokeSession(row.family_id, input.now, input.revocationExpiresAt);
      return row.family_id;
    },
  );

  const revokeSessions = db.transaction(
    (input: Parameters<TokenStore['revokeSessions']>[0]): readonly SessionRecord[] => {
      const { userId, now, revocationExpiresAt } = input;
      const revoked: SessionRecord[] = [];
      for (const id of new Set(input.ids)) {
        const row = statements.session.get(id);
        if (!row || row.user_id !== userId || row.revoked_at !== null || row.expires_at <= now) continue;
        revokeSession(id, now, revocationExpiresAt);
        revoked.push({ ...toSession(row), revokedAt: now });
      }
      return revoked;
    },
  );

  // Under the write lock, like revokeUser: whichever of the two runs second sees the other.
  const createSession = db.transaction((record: Omit<SessionRecord, 'revokedAt'>): SessionRecord => {
    // Checked before a user revocation that is already recorded: stored revoked by it.
    const revokedAt = statements.userRevokedSince.get(record.userId, record.createdAt)?.revoked_at ?? null;
    statements.insertSession.run(
      record.id,
      record.userId,
      record.kind,
      record.actor?.userId ?? null,
      record.actor?.username ?? null,
      record.createdAt,
      record.lastUsedAt,
      record.expiresAt,
      revokedAt,
      record.clientIp,
      record.userAgent,
      record.customData,
    );
    return { ...record, revokedAt };
  });

  // Under the write lock too: a UAT whose creator was checked before a recorded user revocation is refused.
  const insertUat = db.transaction(
    (record: UatRecord, check: { readonly creatorSince: number } | undefined): boolean => {
      const revokedSince = check && statements.userRevokedSince.get(record.userId, check.creatorSince);
      if ((revokedSince?.revoked_at ?? null) !== null) return false;
      statements.insertUat.run(
        record.id,
        record.userId,
        record.name,
        record.hash,
        record.prefix,
        JSON.stringify(record.permissions),
        record.createdAt,
        record.expiresAt,
        record.revokedAt,
        record.lastUsedAt,
      );
      return true;
    },
  );

  const revokeUser = db.transaction((input: Parameters<TokenStore['revokeUser']>[0]) => {
    const { userId, now, revocationExpiresAt } = input;
    const sessions = statements.revokeUserSessions.run(now, userId, now, now).changes;
    statements.revokeUserFamilies.run(now, userId, now);
    const uats = statements.revokeUserUats.run(now, userId, now).changes;
    statements.insertRevocation.run('user', userId, now, revocationExpiresAt);
    return { sessions, uats };
  });

  const revokeUat = db.transaction((input: Parameters<TokenStore['revokeUat']>[0]): boolean => {
    const { id, userId, now, revocationExpiresAt } = input;
    if (statements.revokeUat.run(now, id, userId).changes === 1) {
      statements.insertRevocation.run('uat', id, now, revocationExpiresAt);
      return true;
    }
    return statements.uatOwned.get(id, userId) !== undefined;
  });

  // One read transaction, so `lastSeq` and `records` come from the same snapshot.
  const listRevocations = db.transaction((afterSeq: number, now: number) => {
    const records: RevocationRecord[] = statements.revocationsAfter.all(afterSeq, now).map((row) => ({
      seq: row.seq,
      kind: row.kind,
      id: row.id,
      revokedAt: row.revoked_at,
      expiresAt: row.expires_at,
    }));
    return { records, lastSeq: statements.lastSeq.get()?.seq ?? 0 };
  });

  const purge = db.transaction((now: number, limit: number): number => {
    let deleted = 0;
    // Tokens before the families they reference; each step gets what is left of the limit.
    for (const statement of [
      statements.purgeTokens,
      statements.purgeTokensOfExpiredFamilies,
      statements.purgeFamilies,
      statements.purgeSessions,
      statements.purgeUats,
      statements.purgeRevocations,
    ]) {
      if (deleted >= limit) break;
      deleted += statement.run(now, limit - deleted).changes;
    }
    return deleted;
  });

  return {
    async createRefreshFamily(input) {
      createFamily.immediate(input);
    },
    async rotateRefreshToken(input) {
      return rotate.immediate(input);
    },
    async revokeRefreshFamilyByToken(input) {
      return revokeByToken.immediate(input);
    },
    async insertUat(record, check) {
      return insertUat.immediate(record, check);
    },
    async findUatByHash(hash) {
      const row = statements.uatByHash.get(hash);
      return row ? toUat(row) : null;
    },
    async listUatsByUser(userId) {
      return statements.uatsByUser.all(userId).map(toUat);
    },
    async revokeUat(input) {
      return revokeUat.immediate(input);
    },
    async touchUat({ id, at }) {
      statements.touchUat.run(at, id, at);
    },
    async createSession(record) {
      return createSession.immediate(record);
    },
    async findSession(id) {
      const row = statements.session.get(id);
      return row ? toSession(row) : null;
    },
    async listSessionsByUser({ userId, now }) {
      return statements.liveSessionsByUser.all(userId, now).map(toSession);
    },
    async touchSession({ id, at }) {
      statements.touchSession.run(at, id, at);
    },
    async revokeSessions(input) {
      return revokeSessions.immediate(input);
    },
    async revokeUser(input) {
      return revokeUser.immediate(input);
    },
    async listRevocations({ afterSeq, now }) {
      return listRevocations.deferred(afterSeq, now);
    },
    async purgeExpired({ now, limit }) {
      if (!(limit > 0)) return 0;
      return purge.immediate(now, Math.floor(limit));
    },
  };
}
