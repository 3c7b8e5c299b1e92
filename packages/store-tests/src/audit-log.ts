import type { AuditEvent, AuditLog } from '@tollgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE, newUuidv7, T0 } from './fixtures.js';

export interface AuditLogHandle {
  readonly log: AuditLog;
  /** Closes connections and removes files; called after every test, even a failed one. */
  readonly cleanup?: () => Promise<void>;
}

/** Builds an empty audit log keeping events for `retentionMs` (a whole number of days here). */
export type AuditLogFactory = (options: { readonly retentionMs: number }) => Promise<AuditLogHandle>;

const RETENTION = 30 * DAY;
const ALICE = 'user-alice';
const BOB = 'user-bob';
const ADMIN = 'admin-1';

/** One event of each shape the suite needs, `at` given; ids are UUIDv7 of `at`. */
function event(at: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: newUuidv7(at),
    type: 'login.succeeded',
    at,
    userId: ALICE,
    actorId: null,
    sessionId: newUuidv7(at),
    clientIp: '198.51.100.4',
    userAgent: 'Mozilla/5.0 (contract)',
    details: { scheme: 'token_pair' },
    ...overrides,
  } as AuditEvent;
}

/**
 * The one `AuditLog` contract: every implementation runs it unchanged, each test on a fresh, empty
 * log from `factory`. Time comes from the events' `at` and the `now` passed in, never a wall clock.
 */
export function describeAuditLogContract(name: string, factory: AuditLogFactory): void {
  describe(`${name}: AuditLog contract`, () => {
    let handle: AuditLogHandle | undefined;
    let log: AuditLog;

    beforeEach(async () => {
      handle = await factory({ retentionMs: RETENTION });
      log = handle.log;
    });

    afterEach(async () => {
      const current = handle;
      handle = undefined;
      await current?.cleanup?.();
    });

    async function recordAll(events: readonly AuditEvent[]): Promise<void> {
      for (const e of events) await log.record(e);
    }

    it('is empty at first', async () => {
      expect(await log.query({})).toEqual([]);
    });

    it('returns recorded events as they were, newest first, every type of detail included', async () => {
      const events: AuditEvent[] = [
        event(T0),
        event(T0 + 1, {
          type: 'login.failed',
          userId: null,
          sessionId: null,
          clientIp: null,
          userAgent: null,
          details: { username: 'nobody@example.test', reason: 'invalid_credentials' },
        }),
        event(T0 + MINUTE, {
          type: 'uat.created',
          details: { uatId: 'uat-1', name: 'ci “deploy”', permissions: ['brand_create', 'scans_download'] },
        }),
        event(T0 + HOUR, { type: 'user.disabled', actorId: ADMIN, sessionId: null, details: {} }),
        event(T0 + 2 * HOUR, { type: 'token.refreshed', details: { tokenKind: 'access', retry: true } }),
        event(T0 + 3 * HOUR, { type: 'delegation.started', actorId: ADMIN, details: { customData: null } }),
      ];
      // Recorded out of order: the query orders by `at`, not by arrival.
      await recordAll([events[3]!, events[0]!, events[5]!, events[1]!, events[4]!, events[2]!]);
      expect(await log.query({})).toEqual([...events].reverse());
    });

    it('filters by userId, actorId and type, alone and together', async () => {
      const aliceLogin = event(T0);
      const bobLogin = event(T0 + 1, { userId: BOB });
      const aliceDisabled = event(T0 + 2, { type: 'user.disabled', actorId: ADMIN, details: {} });
      const bobDisabled = event(T0 + 3, { type: 'user.disabled', userId: BOB, actorId: ADMIN, details: {} });
      const bobByCli = event(T0 + 4, { type: 'user.enabled', userId: BOB, actorId: 'cli', details: {} });
      await recordAll([aliceLogin, bobLogin, aliceDisabled, bobDisabled, bobByCli]);

      expect(await log.query({ userId: ALICE })).toEqual([aliceDisabled, aliceLogin]);
      expect(await log.query({ userId: BOB })).toEqual([bobByCli, bobDisabled, bobLogin]);
      expect(await log.query({ actorId: ADMIN })).toEqual([bobDisabled, aliceDisabled]);
      expect(await log.query({ actorId: 'cli' })).toEqual([bobByCli]);
      expect(await log.query({ type: 'user.disabled' })).toEqual([bobDisabled, aliceDisabled]);
      expect(await log.query({ type: 'login.succeeded', userId: BOB })).toEqual([bobLogin]);
      expect(await log.query({ type: 'user.disabled', userId: ALICE, actorId: ADMIN })).toEqual([
        aliceDisabled,
      ]);
      expect(await log.query({ userId: 'nobody' })).toEqual([]);
      expect(await log.query({ type: 'rate_limit.hit' })).toEqual([]);
    });

    it('filters by time: since inclusive, until exclusive', async () => {
      const events = [0, 1, 2, 3, 4].map((i) => event(T0 + i * HOUR));
      await recordAll(events);
      const ats = async (query: Parameters<AuditLog['query']>[0]) =>
        (await log.query(query)).map((e) => e.at);
      expect(await ats({ since: T0 + HOUR })).toEqual([
        T0 + 4 * HOUR,
        T0 + 3 * HOUR,
        T0 + 2 * HOUR,
        T0 + HOUR,
      ]);
      expect(await ats({ since: T0 + HOUR + 1 })).toEqual([T0 + 4 * HOUR, T0 + 3 * HOUR, T0 + 2 * HOUR]);
      expect(await ats({ until: T0 + 2 * HOUR })).toEqual([T0 + HOUR, T0]);
      expect(await ats({ until: T0 + 2 * HOUR + 1 })).toEqual([T0 + 2 * HOUR, T0 + HOUR, T0]);
      expect(await ats({ since: T0 + HOUR, until: T0 + 3 * HOUR })).toEqual([T0 + 2 * HOUR, T0 + HOUR]);
      expect(await ats({ since: T0 + HOUR, until: T0 + HOUR })).toEqual([]);
      expect(await ats({ since: T0 + 2 * HOUR, userId: BOB })).toEqual([]);
    });

    it('returns at most limit events, the newest; 100 by default', async () => {
      const events = Array.from({ length: 105 }, (_, i) =>
        event(T0 + i * MINUTE, { userId: i % 2 ? BOB : ALICE }),
      );
      await recordAll(events);
      const newestFirst = [...events].reverse();
      expect(await log.query({ limit: 3 })).toEqual(newestFirst.slice(0, 3));
      expect(await log.query({ limit: 1, userId: ALICE })).toEqual([events[104]]);
      expect(await log.query({ limit: 2, userId: BOB })).toEqual([events[103], events[101]]);
      const all = await log.query({});
      expect(all).toHaveLength(100);
      expect(all).toEqual(newestFirst.slice(0, 100));
      expect(await log.query({ limit: 1000 })).toHaveLength(105);
    });

    it('purges only events older than the retention (at < now - retention), at most limit per call', async () => {
      const now = T0 + 60 * DAY;
      const cutoff = now - RETENTION;
      const old = [
        event(T0),
        event(T0 + DAY, { userId: BOB }),
        event(cutoff - HOUR, { type: 'user.enabled', details: {} }),
        event(cutoff - 1),
      ];
      const kept = [event(cutoff), event(cutoff + 1, { userId: BOB }), event(now), event(now + MINUTE)];
      await recordAll([...kept, ...old]);

      expect(await log.purgeExpired({ now, limit: 3 })).toBe(3);
      expect(await log.purgeExpired({ now, limit: 3 })).toBe(1);
      expect(await log.purgeExpired({ now, limit: 3 })).toBe(0);
      expect(await log.query({})).toEqual([...kept].reverse());
    });

    it('purges nothing from an empty log or when nothing is old enough', async () => {
      expect(await log.purgeExpired({ now: T0, limit: 100 })).toBe(0);
      await log.record(event(T0));
      expect(await log.purgeExpired({ now: T0 + RETENTION, limit: 100 })).toBe(0);
      expect(await log.query({})).toHaveLength(1);
      expect(await log.purgeExpired({ now: T0 + RETENTION + 1, limit: 100 })).toBe(1);
      expect(await log.query({})).toEqual([]);
    });
  });
}
