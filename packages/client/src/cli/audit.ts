import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditEventType } from '../types.js';
import { printTable, UsageError } from './common.js';
import type { HelpTopic } from './help.js';

// The audit filters and table, shared by `admin audit` (over HTTP) and `users audit` (the database).

/** The options of both audit commands, for `parse`. */
export const AUDIT_OPTIONS = {
  username: { type: 'string' },
  actor: { type: 'string' },
  type: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export interface AuditFilters {
  readonly username?: string;
  readonly actorId?: string;
  readonly type?: AuditEventType;
  readonly since?: Date;
  readonly until?: Date;
  readonly limit?: number;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function instant(option: string, value: string | undefined, topic: HelpTopic): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (!ISO_DATE.test(value) || Number.isNaN(parsed.getTime())) {
    throw new UsageError(
      `${option} wants an ISO 8601 date or date-time (2025-01-31, 2025-01-31T12:00:00Z), not ${value}`,
      topic,
    );
  }
  return parsed;
}

/** The filters of `values`, each checked: a usage error names the first bad one. */
export function auditFilters(
  values: {
    readonly username?: string | undefined;
    readonly actor?: string | undefined;
    readonly type?: string | undefined;
    readonly since?: string | undefined;
    readonly until?: string | undefined;
    readonly limit?: string | undefined;
  },
  topic: HelpTopic,
): AuditFilters {
  const { username, actor, type, limit } = values;
  if (username !== undefined && (username.length === 0 || username.length > 320)) {
    throw new UsageError('--username wants 1 to 320 characters', topic);
  }
  if (actor !== undefined && (actor.length === 0 || actor.length > 128)) {
    throw new UsageError('--actor wants 1 to 128 characters', topic);
  }
  if (type !== undefined && !(AUDIT_EVENT_TYPES as readonly string[]).includes(type)) {
    throw new UsageError(`--type wants one of ${AUDIT_EVENT_TYPES.join(', ')}; not ${type}`, topic);
  }
  const since = instant('--since', values.since, topic);
  const until = instant('--until', values.until, topic);
  if (since && until && since.getTime() >= until.getTime()) {
    throw new UsageError('--since must be before --until', topic);
  }
  let count: number | undefined;
  if (limit !== undefined) {
    count = /^\d{1,4}$/.test(limit) ? Number(limit) : Number.NaN;
    if (!(count >= 1 && count <= 1000)) throw new UsageError(`--limit wants 1 to 1000, not ${limit}`, topic);
  }
  return {
    ...(username === undefined ? {} : { username }),
    ...(actor === undefined ? {} : { actorId: actor }),
    ...(type === undefined ? {} : { type: type as AuditEventType }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    ...(count === undefined ? {} : { limit: count }),
  };
}

/** An ISO instant without its milliseconds, for tables. */
export const shortTime = (iso: string): string => iso.replace(/\.\d{3}Z$/, 'Z');

/** Audit events as a table, or JSON. */
export function printAudit(
  out: (line?: string) => void,
  events: readonly AuditEvent[],
  json: boolean | undefined,
): void {
  if (json) {
    out(JSON.stringify(events, null, 2));
    return;
  }
  if (events.length === 0) {
    out('No audit events.');
    return;
  }
  const details = (event: AuditEvent) =>
    Object.keys(event.details).length === 0 ? '' : JSON.stringify(event.details);
  printTable(out, [
    ['AT', 'TYPE', 'USER', 'ACTOR', 'SESSION', 'IP', 'DETAILS'],
    ...events.map((event) => [
      shortTime(event.at),
      event.type,
      event.user_id ?? '—',
      event.actor_id ?? '—',
      event.session_id ?? '—',
      event.client_ip ?? '—',
      details(event),
    ]),
  ]);
}
