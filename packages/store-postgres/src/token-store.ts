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
import { createCoalescedReader } from './coalesce.js';
import { advisoryLockKey, type Database, type Session } from './database.js';
import { toStringArray } from './json.js';

interface FamilyRow {
  readonly family_id: string;
  readonly user_id: string;
  readonly created_at: number;
  readonly absolute_expires_at: number;
  readonly revoked_at: number | null;
}

interface TokenRow {
  readonly generation: number;
  readonly expires_at: number;
  readonly rotated_at: number | null;
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

interface UatRow {
  readonly id: string;
  readonly user_id: string;
  readonly name: string;
  readonly hash: string;
  readonly prefix: string;
  readonly permissions: unknown;
  readonly created_at: number;
  readonly expires_at: number;
  readonly revoked_at: number | null;
  readonly last_used_at: number | null;
}

/** One row per revocation, or a single row of nulls, always with the counter. */
interface RevocationPageRow {
  readonly last_seq: number;
  readonly seq: number | null;
  readonly kind: RevocationKind | null;
  readonly id: string | null;
  readonly revoked_at: number | null;
  readonly expires_at: number | null;
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
    permissions: toStringArray(row.permissions, 'uats.permissions'),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/**
 * The `TokenStore` on a PostgreSQL pool shared by any number of app instances. Every decision that
 * depends on a row is taken in a transaction holding that row's lock, so concurrent callers on other
 * connections and processes queue behind it and then see its committed result (READ COMMITTED
 * re-reads a locked row once the lock is granted).
 */
export function createPostgresTokenStore(db: Database): TokenStore {
  const s = db.schema;
  const sql = {
    // One statement: the family and its first token are stored together or not at all.
    createFamily: `WITH family AS (
        INSERT INTO ${s}.refresh_families (id, user_id, created_at, absolute_expires_at)
        VALUES ($1, $2, $3, $4) RETURNING id)
      INSERT INTO ${s}.refresh_tokens (hash, family_id, generation, issued_at, expires_at)
      SELECT $5, id, 0, $6, $7 FROM family`,
    // Locks the family of the token, then the token: concurrent rotations of any token of the family
    // queue on the family row, one at a time, and so do its revocations. Every transaction here locks
    // a family before its tokens and before its session (never the other way round), so none of them
    // can deadlock. NO KEY: keys never change, so inserts referencing the family are not blocked.
    lockFamilyOfToken: `SELECT id AS family_id, user_id, created_at, absolute_expires_at, revoked_at
      FROM ${s}.refresh_families
      WHERE id = (SELECT family_id FROM ${s}.refresh_tokens WHERE hash = $1)
      FOR NO KEY UPDATE`,
    lockToken: `SELECT generation, expires_at, rotated_at FROM ${s}.refresh_tokens WHERE hash = $1
      FOR NO KEY UPDATE`,
    // A retry: every token of the family not rotated yet is rotated now (the presented one keeps its
    // rotated_at), and the successor comes after the newest, so the family keeps one live token.
    rotateFamilyTokens: `UPDATE ${s}.refresh_tokens SET rotated_at = $2 WHERE family_id = $1 AND rotated_at IS NULL`,
    insertAfterNewest: `INSERT INTO ${s}.refresh_tokens (hash, family_id, generation, issued_at, expires_at)
      SELECT $2, $1, max(generation) + 1, $3, $4 FROM ${s}.refresh_tokens WHERE family_id = $1
      RETURNING generation`,
    // The conditional update is a second guard for the single winner; under the lock it always matches.
    rotate: `WITH rotated AS (
        UPDATE ${s}.refresh_tokens SET rotated_at = $2 WHERE hash = $1 AND rotated_at IS NULL
        RETURNING family_id)
      INSERT INTO ${s}.refresh_tokens (hash, family_id, generation, issued_at, expires_at)
      SELECT $3, family_id, $4, $5, $6 FROM rotated`,
    familyOfToken: `SELECT family_id FROM ${s}.refresh_tokens WHERE hash = $1`,
    revokeFamily: `UPDATE ${s}.refresh_families SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`,
    revokeSession: `UPDATE ${s}.sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`,
    insertSession: `INSERT INTO ${s}.sessions (${SESSION_COLUMNS})
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $12, $9, $10, $11)`,
    userRevokedSince: `SELECT max(revoked_at) AS revoked_at FROM ${s}.revocations
      WHERE kind = 'user' AND id = $1 AND revoked_at >= $2`,
    session: `SELECT ${SESSION_COLUMNS} FROM ${s}.sessions WHERE id = $1`,
    liveSessionsByUser: `SELECT ${SESSION_COLUMNS} FROM ${s}.sessions
      WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
      ORDER BY created_at DESC, id DESC`,
    touchSession: `UPDATE ${s}.sessions SET last_used_at = $2 WHERE id = $1 AND last_used_at < $2`,
    // Multi-row revocations lock their rows in id order (ORDER BY ... FOR UPDATE locks after sorting),
    // families before sessions, as everywhere here: two of them on overlapping rows queue, never deadlock.
    lockUserFamilies: `SELECT id FROM ${s}.refresh_families
      WHERE id = ANY($1::text[]) AND user_id = $2 ORDER BY id FOR NO KEY UPDATE`,
    revokeLiveSessions: `UPDATE ${s}.sessions SET revoked_at = $3
      WHERE id IN (
        SELECT id FROM ${s}.sessions
        WHERE id = ANY($1::text[]) AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3
        ORDER BY id FOR UPDATE)
      AND revoked_at IS NULL
      RETURNING ${SESSION_COLUMNS}`,
    revokeFamilies: `UPDATE ${s}.refresh_families SET revoked_at = $2 WHERE id = ANY($1::text[]) AND revoked_at IS NULL`,
    // Up to the revocation's instant: a session created after it was checked after it (see createSession).
    revokeUserFamilies: `UPDATE ${s}.refresh_families SET revoked_at = $2
      WHERE id IN (
        SELECT id FROM ${s}.refresh_families WHERE user_id = $1 AND revoked_at IS NULL AND created_at <= $2
        ORDER BY id FOR NO KEY UPDATE)
      AND revoked_at IS NULL`,
    revokeUserSessions: `UPDATE ${s}.sessions SET revoked_at = $2
      WHERE id IN (
        SELECT id FROM ${s}.sessions
        WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND created_at <= $2
        ORDER BY id FOR UPDATE)
      AND revoked_at IS NULL`,
    revokeUserUats: `UPDATE ${s}.uats SET revoked_at = $2
      WHERE id IN (
        SELECT id FROM ${s}.uats WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
        ORDER BY id FOR UPDATE)
      AND revoked_at IS NULL`,
    recordRevocation: `WITH counter AS (
        UPDATE ${s}.revocation_counter SET last_seq = last_seq + 1 RETURNING last_seq)
      INSERT INTO ${s}.revocations (seq, kind, id, revoked_at, expires_at)
      SELECT last_seq, $1, $2, $3, $4 FROM counter`,
    insertUat: `INSERT INTO ${s}.uats (${UAT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    uatsByHashes: `SELECT ${UAT_COLUMNS} FROM ${s}.uats WHERE hash = ANY($1::text[])`,
    uatsByUser: `SELECT ${UAT_COLUMNS} FROM ${s}.uats WHERE user_id = $1 ORDER BY created_at DESC, ordinal DESC`,
    revokeUat: `UPDATE ${s}.uats SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
    uatOwned: `SELECT 1 FROM ${s}.uats WHERE id = $1 AND user_id = $2`,
    touchUat: `UPDATE ${s}.uats SET last_used_at = $2
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`,
    // One statement, so one snapshot: every seq up to last_seq is committed and visible in it.
    revocationsAfter: `SELECT c.last_seq, r.seq, r.kind, r.id, r.revoked_at, r.expires_at
      FROM ${s}.revocation_counter c
      LEFT JOIN ${s}.revocations r ON r.seq > $1 AND r.expires_at > $2
      ORDER BY r.seq`,
    // Bounded batches: each statement deletes at most $2 rows, found by key. SKIP LOCKED: rows a
    // rotation or another instance's purge holds are left for the next round instead of waited for.
    purge: [
      `DELETE FROM ${s}.refresh_tokens WHERE hash IN (
         SELECT hash FROM ${s}.refresh_tokens WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      `DELETE FROM ${s}.refresh_tokens WHERE hash IN (
         SELECT t.hash FROM ${s}.refresh_families f JOIN ${s}.refresh_tokens t ON t.family_id = f.id
         WHERE f.absolute_expires_at < $1 LIMIT $2 FOR UPDATE OF t SKIP LOCKED)`,
      `DELETE FROM ${s}.refresh_families WHERE id IN (
         SELECT f.id FROM ${s}.refresh_families f
         WHERE f.absolute_expires_at < $1
           AND NOT EXISTS (SELECT 1 FROM ${s}.refresh_tokens t WHERE t.family_id = f.id)
         LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      `DELETE FROM ${s}.sessions WHERE id IN (
         SELECT id FROM ${s}.sessions WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      `DELETE FROM ${s}.uats WHERE id IN (
         SELECT id FROM ${s}.uats WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      `DELETE FROM ${s}.revocations WHERE seq IN (
         SELECT seq FROM ${s}.revocations WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    ],
  };

  // First lookups of UATs (the only store read on a request's path) are coalesced: under load, one
  // round trip answers many. Half the pool at most, so rotations and revocations still find a connection.
  const findUat = createCoalescedReader<string, UatRecord>({
    readMany: (hashes) =>
      db.run(async (session) => {
        const { rows } = await session.query<UatRow>(sql.uatsByHashes, [hashes]);
        return new Map(rows.map((row) => [row.hash, toUat(row)]));
      }),
    maxInFlight: Math.max(1, Math.floor(db.poolSize / 2)),
    maxBatch: 128,
  });

  /**
   * Appends to the revocation log, inside the revoking transaction. The seq comes from the counter
   * row, whose row lock the UPDATE holds until COMMIT: revoking transactions take their seq one after
   * another, each only once the previous one has committed, so seqs increase in commit order. A plain
   * sequence would not do: two transactions can commit in the opposite order of their nextval(), and
   * a reader polling `seq > afterSeq` in between would skip the late-committing lower seq for good.
   * Being transactional, the counter is also a `lastSeq` that never runs ahead of committed records.
   */
  const recordRevocation = async (
    session: Session,
    kind: RevocationKind,
    id: string,
    revokedAt: number,
    expiresAt: number,
  ): Promise<void> => {
    await session.query(sql.recordRevocation, [kind, id, revokedAt, expiresAt]);
  };

  /**
   * Serialises a user revocation with the sessions and UATs being created for that user (a
   * transaction-scoped advisory lock on the user): under READ COMMITTED neither would see the other's
   * uncommitted row, and a session or UAT checked before the revocation could escape both.
   */
  const lockUserRevocations = async (session: Session, userId: string): Promise<void> => {
    await session.query('SELECT pg_advisory_xact_lock($1::bigint)', [
      advisoryLockKey(`user-revocations:${userId}`, db.schemaName),
    ]);
  };

  /**
   * Revokes the session `id` and its refresh family (same id), whichever exist and are live, recording
   * one `session` revocation when either changed; a no-op on a revoked one. Returns whether it revoked.
   * The family first, then the session: the order every transaction here takes their locks in.
   */
  const revokeSession = async (
    session: Session,
    id: string,
    now: number,
    revocationExpiresAt: number,
  ): Promise<boolean> => {
    const family = (await session.query(sql.revokeFamily, [id, now])).rowCount;
    const own = (await session.query(sql.revokeSession, [id, now])).rowCount;
    if (family + own === 0) return false;
    await recordRevocation(session, 'session', id, now, revocationExpiresAt);
    return true;
  };

  return {
    async createRefreshFamily({ family, token }) {
      await db.run((session) =>
        session.query(sql.createFamily, [
          family.id,
          family.userId,
          family.createdAt,
          family.absoluteExpiresAt,
          token.hash,
          token.issuedAt,
          token.expiresAt,
        ]),
      );
    },

    rotateRefreshToken({ presentedHash, next, now, revocationExpiresAt, reuseIntervalMs }) {
      return db.transaction(async (session): Promise<RotateRefreshTokenResult> => {
        const familyRow = (await session.query<FamilyRow>(sql.lockFamilyOfToken, [presentedHash])).rows[0];
        // Read under the family's lock: every rotation of the family before this one has committed.
        const tokenRow = familyRow && (await session.query<TokenRow>(sql.lockToken, [presentedHash])).rows[0];
        if (!familyRow || !tokenRow) return { outcome: 'not_found' };
        const family = toFamily(familyRow);
        const token = { expiresAt: tokenRow.expires_at, rotatedAt: tokenRow.rotated_at };
        const decision = decideRotation({
          token,
          family,
          now,
          nextExpiresAt: next.expiresAt,
          reuseIntervalMs,
        });
        const expiresAt =
          decision.action === 'rotate' || decision.action === 'retry' ? decision.nextExpiresAt : 0;
        let generation: number;
        switch (decision.action) {
          case 'not_found':
          case 'expired':
            return { outcome: decision.action };
          case 'revoked':
            return { outcome: 'revoked', family };
          case 'reused':
            if (await revokeSession(session, family.id, now, revocationExpiresAt)) {
              return { outcome: 'reused', family: { ...family, revokedAt: family.revokedAt ?? now } };
            }
            return { outcome: 'reused', family };
          case 'rotate': {
            generation = tokenRow.generation + 1;
            const inserted = await session.query(sql.rotate, [
              presentedHash,
              now,
              next.hash,
              generation,
              next.issuedAt,
              expiresAt,
            ]);
            if (inserted.rowCount !== 1) throw new Error('refresh token changed under its row lock');
            break;
          }
          case 'retry': {
            await session.query(sql.rotateFamilyTokens, [family.id, now]);
            const inserted = await session.query<{ generation: number }>(sql.insertAfterNewest, [
              family.id,
              next.hash,
              next.issuedAt,
              expiresAt,
            ]);
            const stored = inserted.rows[0]?.generation;
            if (stored === undefined) throw new Error('refresh token successor was not stored');
            generation = stored;
            break;
          }
        }
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
      });
    },

    revokeRefreshFamilyByToken({ hash, now, revocationExpiresAt }) {
      return db.transaction(async (session) => {
        const { rows } = await session.query<{ family_id: string }>(sql.familyOfToken, [hash]);
        const familyId = rows[0]?.family_id;
        if (familyId === undefined) return null;
        await revokeSession(session, familyId, now, revocationExpiresAt);
        return familyId;
      });
    },

    async insertUat(record, check) {
      const insert = (session: Session) =>
        session.query(sql.insertUat, [
          record.id,
          record.userId,
          record.name,
          record.hash,
          record.prefix,
          // A JS array would be sent as a PostgreSQL array literal; the column is jsonb.
          JSON.stringify(record.permissions),
          record.createdAt,
          record.expiresAt,
          record.revokedAt,
          record.lastUsedAt,
        ]);
      if (!check) {
        await db.run(insert);
        return true;
      }
      return db.transaction(async (session) => {
        // Under the lock createSession and revokeUser take: whichever runs second sees the other.
        await lockUserRevocations(session, record.userId);
        const found = await session.query<{ revoked_at: number | null }>(sql.userRevokedSince, [
          record.userId,
          check.creatorSince,
        ]);
        // Its creator was checked before a user revocation that is already recorded: refused.
        if ((found.rows[0]?.revoked_at ?? null) !== null) return false;
        await insert(session);
        return true;
      });
    },

    async findUatByHash(hash) {
      return (await findUat(hash)) ?? null;
    },

    listUatsByUser(userId) {
      return db.run(async (session) =>
        (await session.query<UatRow>(sql.uatsByUser, [userId])).rows.map(toUat),
      );
    },

    revokeUat({ id, userId, now, revocationExpiresAt }) {
      return db.transaction(async (session) => {
        // The UPDATE locks the row: of two concurrent revocations, the second sees it revoked.
        if ((await session.query(sql.revokeUat, [id, userId, now])).rowCount === 1) {
          await recordRevocation(session, 'uat', id, now, revocationExpiresAt);
          return true;
        }
        return (await session.query(sql.uatOwned, [id, userId])).rowCount === 1;
      });
    },

    async touchUat({ id, at }) {
      await db.run((session) => session.query(sql.touchUat, [id, at]));
    },

    createSession(record) {
      return db.transaction(async (session) => {
        await lockUserRevocations(session, record.userId);
        // Checked before a user revocation that is already recorded: stored revoked by it.
        const found = await session.query<{ revoked_at: number | null }>(sql.userRevokedSince, [
          record.userId,
          record.createdAt,
        ]);
        const revokedAt = found.rows[0]?.revoked_at ?? null;
        await session.query(sql.insertSession, [
          record.id,
          record.userId,
          record.kind,
          record.actor?.userId ?? null,
          record.actor?.username ?? null,
          record.createdAt,
          record.lastUsedAt,
          record.expiresAt,
          record.clientIp,
          record.userAgent,
          record.customData,
          revokedAt,
        ]);
        return { ...record, revokedAt };
      });
    },

    findSession(id) {
      return db.run(async (session) => {
        const row = (await session.query<SessionRow>(sql.session, [id])).rows[0];
        return row ? toSession(row) : null;
      });
    },

    listSessionsByUser({ userId, now }) {
      return db.run(async (session) =>
        (await session.query<SessionRow>(sql.liveSessionsByUser, [userId, now])).rows.map(toSession),
      );
    },

    async touchSession({ id, at }) {
      await db.run((session) => session.query(sql.touchSession, [id, at]));
    },

    revokeSessions({ userId, ids, now, revocationExpiresAt }) {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return Promise.resolve([]);
      return db.transaction(async (session) => {
        await session.query(sql.lockUserFamilies, [unique, userId]);
        const { rows } = await session.query<SessionRow>(sql.revokeLiveSessions, [unique, userId, now]);
        const revoked = rows.map(toSession).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        await session.query(sql.revokeFamilies, [revoked.map((r) => r.id), now]);
        for (const record of revoked) {
          await recordRevocation(session, 'session', record.id, now, revocationExpiresAt);
        }
        return revoked;
      });
    },

    revokeUser({ userId, now, revocationExpiresAt }) {
      return db.transaction(async (session) => {
        await lockUserRevocations(session, userId);
        await session.query(sql.revokeUserFamilies, [userId, now]);
        const sessions = (await session.query(sql.revokeUserSessions, [userId, now])).rowCount;
        const uats = (await session.query(sql.revokeUserUats, [userId, now])).rowCount;
        await recordRevocation(session, 'user', userId, now, revocationExpiresAt);
        return { sessions, uats };
      });
    },

    listRevocations({ afterSeq, now }) {
      return db.run(async (session) => {
        const { rows } = await session.query<RevocationPageRow>(sql.revocationsAfter, [afterSeq, now]);
        const records: RevocationRecord[] = [];
        for (const row of rows) {
          if (row.seq === null || row.kind === null || row.id === null) continue;
          if (row.revoked_at === null || row.expires_at === null) continue;
          records.push({
            seq: row.seq,
            kind: row.kind,
            id: row.id,
            revokedAt: row.revoked_at,
            expiresAt: row.expires_at,
          });
        }
        const lastSeq = rows[0]?.last_seq;
        if (lastSeq === undefined) throw new Error('revocation_counter has no row');
        return { records, lastSeq };
      });
    },

    async purgeExpired({ now, limit }) {
      if (!(limit > 0)) return 0;
      const bound = Math.floor(limit);
      return db.transaction(async (session) => {
        let deleted = 0;
        // Tokens before the families they reference; each step gets what is left of the limit.
        for (const statement of sql.purge) {
          if (deleted >= bound) break;
          deleted += (await session.query(statement, [now, bound - deleted])).rowCount;
        }
        return deleted;
      });
    },
  };
}
