import type { AuditEvent, AuditLog, AuditQuery } from '@tollgate/core';
import type { Database } from './database.js';

export const DEFAULT_AUDIT_RETENTION_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

interface AuditRow {
  readonly id: string;
  readonly type: string;
  readonly at: number;
  readonly user_id: string | null;
  readonly actor_id: string | null;
  readonly session_id: string | null;
  readonly client_ip: string | null;
  readonly user_agent: string | null;
  /** jsonb, parsed by pg. */
  readonly details: unknown;
}

const COLUMNS = 'id, type, at, user_id, actor_id, session_id, client_ip, user_agent, details';

function toEvent(row: AuditRow): AuditEvent {
  const { details } = row;
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    throw new Error('audit_events.details is not a JSON object');
  }
  return {
    id: row.id,
    type: row.type,
    at: row.at,
    userId: row.user_id,
    actorId: row.actor_id,
    sessionId: row.session_id,
    clientIp: row.client_ip,
    userAgent: row.user_agent,
    details,
  } as AuditEvent;
}

/** `limit` (default 100) clamped to 0..1000. */
function queryLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return DEFAULT_LIMIT;
  return Math.min(Math.max(Math.floor(limit), 0), MAX_LIMIT);
}

/** The retention in ms of `auditRetentionDays` (default 90); a positive number of days. */
export function auditRetentionMs(days: number | undefined): number {
  const value = days ?? DEFAULT_AUDIT_RETENTION_DAYS;
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError('auditRetentionDays must be a positive number');
  return Math.round(value * DAY_MS);
}

/**
 * The `AuditLog` on the store's pool: one row per event in `audit_events`, queried through its indexes
 * (user, actor, type, time), newest first. Each call is one statement, so it commits alone.
 */
export function createPostgresAuditLog(db: Database, retentionMs: number): AuditLog {
  const s = db.schema;
  const insert = `INSERT INTO ${s}.audit_events (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
  // Oldest first, in bounded batches; rows another instance's purge holds are left for the next round.
  const purge = `DELETE FROM ${s}.audit_events WHERE id IN (
      SELECT id FROM ${s}.audit_events WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED)`;

  return {
    async record(event) {
      await db.run((session) =>
        session.query(insert, [
          event.id,
          event.type,
          event.at,
          event.userId,
          event.actorId,
          event.sessionId,
          event.clientIp,
          event.userAgent,
          JSON.stringify(event.details),
        ]),
      );
    },

    query(query: AuditQuery) {
      const conditions: string[] = [];
      const values: unknown[] = [];
      const filter = (value: string | number | undefined, column: string, operator: string): void => {
        if (value === undefined) return;
        values.push(value);
        conditions.push(`${column} ${operator} $${values.length}`);
      };
      filter(query.userId, 'user_id', '=');
      filter(query.actorId, 'actor_id', '=');
      filter(query.type, 'type', '=');
      filter(query.since, 'at', '>=');
      filter(query.until, 'at', '<');
      values.push(queryLimit(query.limit));
      const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
      const text = `SELECT ${COLUMNS} FROM ${s}.audit_events ${where} ORDER BY at DESC, id DESC LIMIT $${values.length}`;
      return db.run(async (session) => (await session.query<AuditRow>(text, values)).rows.map(toEvent));
    },

    async purgeExpired({ now, limit }) {
      if (!(limit > 0)) return 0;
      return db.run(
        async (session) => (await session.query(purge, [now - retentionMs, Math.floor(limit)])).rowCount,
      );
    },
  };
}
