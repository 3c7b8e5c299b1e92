import type { RefreshFamilyRecord, RefreshTokenRecord } from '../ports.js';

/** What a store must do with a presented refresh token, decided from the rows it locked. */
export type RotationDecision =
  | { readonly action: 'not_found' }
  | { readonly action: 'expired' }
  /** The family was revoked (logout, an earlier reuse): refuse, change nothing. */
  | { readonly action: 'revoked' }
  /** Presented again after its rotation: revoke the family in the same transaction. */
  | { readonly action: 'reused' }
  /** Mark it rotated and store its successor, whose expiry is capped by the family's. */
  | { readonly action: 'rotate'; readonly nextExpiresAt: number }
  /**
   * Presented again within the reuse interval of its rotation (two tabs, a retried request): mark
   * every token of the family not yet rotated as rotated now, and store the successor, so the family
   * keeps exactly one live token. The presented token's own `rotatedAt` stays as it was.
   */
  | { readonly action: 'retry'; readonly nextExpiresAt: number };

/**
 * The refresh-rotation rule, once, for every store: each calls it inside its own transaction on the
 * token and family rows it read (locked), and carries out the decision there.
 */
export function decideRotation(input: {
  readonly token: Pick<RefreshTokenRecord, 'expiresAt' | 'rotatedAt'> | null | undefined;
  readonly family: Pick<RefreshFamilyRecord, 'absoluteExpiresAt' | 'revokedAt'> | null | undefined;
  readonly now: number;
  /** The successor's expiry as asked for. */
  readonly nextExpiresAt: number;
  /** A rotated token presented again less than this long after its rotation is a retry. Default 0. */
  readonly reuseIntervalMs?: number | undefined;
}): RotationDecision {
  const { token, family, now } = input;
  if (!token || !family) return { action: 'not_found' };
  // A rotated token reports reuse even once its family is revoked (by an earlier reuse or a logout):
  // a replayed refresh token is a theft signal, whatever happened to the family since.
  if (family.revokedAt !== null && token.rotatedAt === null) return { action: 'revoked' };
  if (token.expiresAt <= now || family.absoluteExpiresAt <= now) return { action: 'expired' };
  const nextExpiresAt = Math.min(input.nextExpiresAt, family.absoluteExpiresAt);
  if (token.rotatedAt === null) return { action: 'rotate', nextExpiresAt };
  const reuseIntervalMs = input.reuseIntervalMs ?? 0;
  // `now` was read before the store's lock was taken: a concurrent rotation may carry a later time, so
  // the difference can be negative. Without an interval that is still reuse, never a retry.
  if (reuseIntervalMs > 0 && family.revokedAt === null && now - token.rotatedAt < reuseIntervalMs) {
    return { action: 'retry', nextExpiresAt };
  }
  return { action: 'reused' };
}
