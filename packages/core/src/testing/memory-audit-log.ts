import type { Clock } from '../clock.js';
import type { AuditEvent, AuditLog, AuditQuery } from '../ports.js';

export interface MemoryAuditLogOptions {
  /** How long events are kept: `purgeExpired` deletes those with `at < now - retentionMs`. Default 90 days. */
  readonly retentionMs?: number;
  /**
   * When given, `record` also drops the events older than the retention at `clock.now()`, so a
   * long-running demo's log stays bounded without calling `purgeExpired`. Without it only
   * `purgeExpired` deletes.
   */
  readonly clock?: Clock;
}

/** The default retention of the audit logs Tollgate ships: 90 days. */
const DEFAULT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Newest first: by `at`, then by id (UUIDv7, time-ordered) for events of the same millisecond. */
const newestFirst = (a: AuditEvent, b: AuditEvent): number =>
  b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** The number of events a query returns at most: `limit` (default 100) clamped to 0..1000. */
export function auditQueryLimit(limit: number | undefined): number {
  if (limit === undefined || Number.isNaN(limit)) return DEFAULT_LIMIT;
  return Math.min(Math.max(Math.floor(limit), 0), MAX_LIMIT);
}

/**
 * An in-process `AuditLog` for tests and single-process demos. Nothing survives a restart.
 * Events are copied on the way in and out, so neither side can change what the other holds.
 */
export function createMemoryAuditLog(options: MemoryAuditLogOptions = {}): AuditLog {
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  if (!(retentionMs >= 0)) throw new RangeError('retentionMs must be a number of ms, 0 or more');
  const events = new Map<string, AuditEvent>();

  const purge = (now: number, limit: number): number => {
    const cutoff = now - retentionMs;
    const expired = [...events.values()].filter((event) => event.at < cutoff);
    // Oldest first, so a bounded purge always takes the oldest events.
    expired.sort((a, b) => newestFirst(b, a));
    const doomed = expired.slice(0, Math.max(0, limit));
    for (const event of doomed) events.delete(event.id);
    return doomed.length;
  };

  return {
    record(event) {
      if (events.has(event.id)) throw new Error('An audit event with this id already exists');
      events.set(event.id, Object.freeze(structuredClone(event)));
      if (options.clock) purge(options.clock.now(), Number.POSITIVE_INFINITY);
    },

    async query(query: AuditQuery) {
      const limit = auditQueryLimit(query.limit);
      return [...events.values()]
        .filter(
          (event) =>
            (query.userId === undefined || event.userId === query.userId) &&
            (query.actorId === undefined || event.actorId === query.actorId) &&
            (query.type === undefined || event.type === query.type) &&
            (query.since === undefined || event.at >= query.since) &&
            (query.until === undefined || event.at < query.until),
        )
        .sort(newestFirst)
        .slice(0, limit)
        .map((event) => structuredClone(event));
    },

    async purgeExpired({ now, limit }) {
      return purge(now, limit);
    },
  };
}
