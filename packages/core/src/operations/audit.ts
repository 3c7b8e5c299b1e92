import type { Clock } from '../clock.js';
import type { AuditEvent, AuditEventDetails, AuditEventType, AuditSink } from '../ports.js';
import { createUuidv7Source } from '../tokens/uuidv7.js';

/** Every audit event type, in a fixed order (for validation and documentation). */
export const AUDIT_EVENT_TYPES = [
  'login.succeeded',
  'login.failed',
  'token.issued',
  'token.refreshed',
  'refresh.reuse_detected',
  'session.revoked',
  'user.revoked',
  'delegation.started',
  'delegation.ended',
  'uat.created',
  'uat.revoked',
  'user.created',
  'user.disabled',
  'user.enabled',
  'user.password_changed',
  'rate_limit.hit',
] as const satisfies readonly AuditEventType[];
/** Compiles only while no type of `AuditEventDetails` is missing from `AUDIT_EVENT_TYPES`. */
type NothingMissing<T extends never> = T;
export type AuditEventTypesComplete = NothingMissing<
  Exclude<AuditEventType, (typeof AUDIT_EVENT_TYPES)[number]>
>;

/** Who, from where: what every event records beside its details (all optional, null when unknown). */
export interface AuditSubject {
  readonly userId?: string | null | undefined;
  readonly actorId?: string | null | undefined;
  readonly sessionId?: string | null | undefined;
  readonly clientIp?: string | null | undefined;
  readonly userAgent?: string | null | undefined;
}

/** Emits audit events to the configured sinks, after the fact; a failing sink never fails the operation. */
export interface AuditEmitter {
  emit<T extends AuditEventType>(type: T, subject: AuditSubject, details: AuditEventDetails[T]): void;
}

export function createAuditEmitter(
  sinks: readonly AuditSink[],
  clock: Clock,
  onBackgroundError: (error: unknown) => void,
): AuditEmitter {
  if (sinks.length === 0) return { emit: () => {} };
  // In order within a millisecond too, so "newest first" holds for events of one instant.
  const ids = createUuidv7Source();
  return {
    emit(type, subject, details) {
      const at = clock.now();
      const event = Object.freeze({
        id: ids.next(at),
        type,
        at,
        userId: subject.userId ?? null,
        actorId: subject.actorId ?? null,
        sessionId: subject.sessionId ?? null,
        clientIp: subject.clientIp ?? null,
        userAgent: subject.userAgent ?? null,
        details: Object.freeze(details),
      }) as unknown as AuditEvent;
      for (const sink of sinks) {
        try {
          const recorded = sink.record(event);
          if (recorded instanceof Promise) recorded.catch(onBackgroundError);
        } catch (error) {
          onBackgroundError(error);
        }
      }
    },
  };
}
