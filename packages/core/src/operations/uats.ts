import { z } from 'zod';
import { TollgateError } from '../errors.js';
import type { UatRecord } from '../ports.js';
import { fromStore } from '../store-errors.js';
import { generateUat, hashOpaqueToken } from '../tokens/opaque.js';
import { uuidv7Time } from '../tokens/uuidv7.js';
import type { Principal } from '../types.js';
import { activeUser, type OperationContext, uatRevocationExpiry } from './context.js';
import { parseInput, plainText, recordIdField } from './input.js';
import { requireUatManager } from './policy.js';

export const uatNameField = plainText(200);
// Django REST framework's DateTimeField message, listing the two spellings taken.
const EXPIRY_FORMAT =
  'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z], YYYY-MM-DD.';

/** A calendar date as an expiry: the last millisecond of that day in UTC (`YYYY-MM-DDT23:59:59.999Z`). */
export const endOfUtcDay = (date: string): string => `${date}T23:59:59.999Z`;

/**
 * An ISO 8601 instant with an explicit offset, or a calendar date `YYYY-MM-DD` (what the portal's
 * date picker gives): the token is valid through the end of that day in UTC, 23:59:59.999Z.
 * Either way the output is an instant, and the lifetime limits are checked against it.
 */
export const uatExpiryField = z.union([
  z.iso.datetime({ offset: true, error: EXPIRY_FORMAT }),
  z.iso.date({ error: EXPIRY_FORMAT }).transform(endOfUtcDay),
]);
export const uatPermissionsField = z
  .array(z.string().min(1).max(100))
  .min(1)
  .max(100)
  .refine((permissions) => new Set(permissions).size === permissions.length, {
    message: 'Each permission may be given only once.',
  });

export const CreateUatInput = z.object({
  name: uatNameField,
  expiresAt: z.union([z.date(), uatExpiryField]),
  permissions: uatPermissionsField,
});

export interface UatSummary {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly permissions: readonly string[];
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface CreatedUat extends UatSummary {
  /** The token value: shown once, never stored. */
  readonly token: string;
}

/** Scheme D: user authorization tokens (seed `uat-and-jwt.txt`). */
export interface UatOperations {
  /** Creates a UAT for the caller (a company admin, not authenticated by a UAT or a delegated login). */
  create(input: {
    readonly caller: Principal;
    readonly name: string;
    /** An ISO 8601 instant with an offset, a date `YYYY-MM-DD` (the end of that day, UTC), or a Date. */
    readonly expiresAt: Date | string;
    readonly permissions: readonly string[];
  }): Promise<CreatedUat>;
  /** The caller's UATs, newest first, without their values. */
  list(input: { readonly caller: Principal }): Promise<readonly UatSummary[]>;
  /** Revokes one of the caller's UATs; it stops working at once. Someone else's id: `not_found`. */
  revoke(input: { readonly caller: Principal; readonly id: string }): Promise<void>;
}

export const uatSummaryOf = (record: UatRecord): UatSummary => ({
  id: record.id,
  name: record.name,
  prefix: record.prefix,
  permissions: record.permissions,
  createdAt: new Date(record.createdAt),
  expiresAt: new Date(record.expiresAt),
  lastUsedAt: record.lastUsedAt === null ? null : new Date(record.lastUsedAt),
  revokedAt: record.revokedAt === null ? null : new Date(record.revokedAt),
});

/**
 * From when the caller's right to act counts, as its revocation check has it: its session's start (the
 * time in its UUIDv7 `sid`). A caller without a session (a token from before sessions, and so from
 * before any user revocation) counts from 0: any user revocation of its user refuses it, fail closed.
 */
const callerSince = (caller: Principal): number =>
  caller.sessionId === null ? 0 : (uuidv7Time(caller.sessionId) ?? 0);

export function createUatOperations(context: OperationContext): UatOperations {
  const { store, users, clock, uatMaxLifetimeMs, revocations } = context;
  const maxDays = uatMaxLifetimeMs / 86_400_000;

  return {
    async create({ caller, ...input }) {
      requireUatManager(context.roles, caller);
      const { name, expiresAt, permissions } = parseInput(CreateUatInput, input);
      const expiry = expiresAt instanceof Date ? expiresAt.getTime() : Date.parse(expiresAt);
      if (!Number.isFinite(expiry)) {
        throw new TollgateError('malformed_request', {
          message: 'expires_at must be an ISO 8601 date-time with an offset',
        });
      }
      const now = clock.now();
      if (expiry <= now) {
        throw new TollgateError('invalid_expiry', { message: 'The expiry date must be in the future.' });
      }
      if (expiry > now + uatMaxLifetimeMs) {
        throw new TollgateError('invalid_expiry', {
          message: `The expiry date must be at most ${maxDays} days ahead.`,
        });
      }
      const catalogue = await fromStore(() => users.listPermissions());
      const unknown = permissions.find((p) => !catalogue.includes(p));
      if (unknown !== undefined) {
        throw new TollgateError('invalid_permission', { message: `"${unknown}" is not a valid permission.` });
      }
      // The creator's current rights, not the snapshot in its token.
      const creator = await activeUser(users, caller.userId);
      if (permissions.some((p) => !creator.permissions.includes(p))) {
        throw new TollgateError('insufficient_permission');
      }
      const { token, displayPrefix } = generateUat();
      const record: UatRecord = {
        // A UUIDv7 from the session-id source: after a user revocation of this instance, like sessions.
        id: context.sessionIds.next(now),
        userId: creator.id,
        name,
        hash: hashOpaqueToken(token),
        prefix: displayPrefix,
        permissions: [...permissions],
        createdAt: now,
        expiresAt: expiry,
        revokedAt: null,
        lastUsedAt: null,
      };
      // Refused when a user revocation since the caller's session started overtook it (recorded on any
      // instance, maybe not heard here yet): the caller is revoked, the UAT would outlive it.
      const stored = await fromStore(() => store.insertUat(record, { creatorSince: callerSince(caller) }));
      if (!stored) throw new TollgateError('token_revoked');
      context.audit.emit(
        'uat.created',
        { userId: creator.id, sessionId: caller.sessionId },
        { uatId: record.id, name, permissions: record.permissions },
      );
      return { ...uatSummaryOf(record), token };
    },

    async list({ caller }) {
      requireUatManager(context.roles, caller);
      const records = await fromStore(() => store.listUatsByUser(caller.userId));
      return records.map(uatSummaryOf);
    },

    async revoke({ caller, id }) {
      requireUatManager(context.roles, caller);
      parseInput(z.object({ id: recordIdField }), { id });
      const now = clock.now();
      const revocationExpiresAt = uatRevocationExpiry(context, now);
      const found = await fromStore(() =>
        store.revokeUat({ id, userId: caller.userId, now, revocationExpiresAt }),
      );
      if (!found) throw new TollgateError('not_found');
      revocations.publish('uat', id, revocationExpiresAt);
      context.audit.emit(
        'uat.revoked',
        { userId: caller.userId, sessionId: caller.sessionId },
        { uatId: id },
      );
    },
  };
}
