import type { AuditEvent, AuditLog, AuditQuery } from '@tollgate/core';
import type { Connection, Statement } from './driver.js';

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
  readonly details: string;
}

const COLUMNS = 'id, type, at, user_id, actor_id, session_id, client_ip, user_agent, details';

function toEvent(row: AuditRow): AuditEvent {
  const details: unknown = JSON.parse(row.details);
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
 * The `AuditLog` on the store's connection: one row per event in `audit_events`, queried through its
 * indexes (user, actor, type, time), newest first. Each call is one statement, so it commits alone.
 */
export function createSqliteAuditLog(db: Connection, retentionMs: number): AuditLog {
  const insert = db.prepare<
    [
      string,
      string,
      number,
      string | null,
      string | null,
      string | null,
      string | null,
      string | null,
      string,
    ]
  >(`INSERT INTO audit_events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const purge = db.prepare<[number, number]>(
    'DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE at < ? ORDER BY at LIMIT ?)',
  );
  // One prepared statement per combination of filters, made on first use.
  const queries = new Map<string, Statement<unknown[], AuditRow>>();

  return {
    async record(event) {
      insert.run(
        event.id,
        event.type,
        event.at,
        event.userId,
        event.actorId,
        event.sessionId,
        event.clientIp,
        event.userAgent,
        JSON.stringify(event.details),
      );
    },

    async query(query: AuditQuery) {
      const limit = queryLimit(query.limit);
      const conditions: string[] = [];
      const params: unknown[] = [];
      const filter = (value: string | number | undefined, condition: string): void => {
        if (value === undefined) return;
        conditions.push(condition);
        params.push(value);
      };
      filter(query.userId, 'user_id = ?');
      filter(query.actorId, 'actor_id = ?');
      filter(query.type, 'type = ?');
      filter(query.since, 'at >= ?');
      filter(query.until, 'at < ?');
      const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
      let statement = queries.get(where);
      if (!statement) {
        statement = db.prepare<unknown[], AuditRow>(
          `SELECT ${COLUMNS} FROM audit_events ${where} ORDER BY at DESC, id DESC LIMIT ?`,
        );
        queries.set(where, statement);
      }
      return statement.all(...params, limit).map(toEvent);
    },

    async purgeExpired({ now, limit }) {
      if (!(limit > 0)) return 0;
      return purge.run(now - retentionMs, Math.floor(limit)).changes;
    },
  };
}
