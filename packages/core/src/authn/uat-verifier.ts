import { TollgateError } from '../errors.js';
import { EvictionOrder } from '../eviction-order.js';
import type { TokenStore, UserDirectory } from '../ports.js';
import { fromStore } from '../store-errors.js';
import { type PrincipalDataOf, principalFromUat } from '../tokens/claims.js';
import { hashOpaqueToken } from '../tokens/opaque.js';
import { uuidv7Time } from '../tokens/uuidv7.js';
import type { CredentialSource, Principal, UserRecord } from '../types.js';
import { type RevocationCheck, type RevocationState, revocationKey } from './revocation-state.js';

const UAT_TOUCH_INTERVAL_MS = 60_000;
const MAX_RECENT_USERS = 1024;

export interface VerifiedUat {
  readonly principal: Principal;
  readonly validUntil: number;
  readonly revocation: RevocationCheck;
}

export interface UatVerifier {
  /** A well-formed UAT's first lookup: one indexed read, its user's current rights, revocation. */
  verify(token: string, source: CredentialSource, now: number): Promise<VerifiedUat>;
  /** Writes the pending last-used times now. */
  flush(): void;
}

export function createUatVerifier(deps: {
  readonly store: TokenStore;
  readonly users: UserDirectory;
  readonly revocations: RevocationState;
  readonly principalData: PrincipalDataOf;
  /** How long a verified UAT is trusted before the store is read again (ms). */
  readonly opaqueTtlMs: number;
  /** How long a user read for one UAT is reused for that user's others (ms). */
  readonly userTtlMs: number;
  readonly onBackgroundError: (error: unknown) => void;
}): UatVerifier {
  const { store, users, revocations, opaqueTtlMs, onBackgroundError } = deps;
  const userTtlMs = Math.min(deps.userTtlMs, opaqueTtlMs);

  // Last-used times waiting to be written, by UAT id.
  const pendingTouches = new Map<string, number>();
  const flush = (): void => {
    for (const [id, at] of pendingTouches) store.touchUat({ id, at }).catch(onBackgroundError);
    pendingTouches.clear();
  };

  // Users read for UAT lookups, reused briefly: a user's UATs seen for the first time together cost
  // one directory read, not one each (a round trip on a networked directory). Bounded, FIFO.
  const recentUsers = new Map<string, { readonly user: UserRecord; readonly until: number }>();
  const recentUsersOrder = new EvictionOrder(recentUsers);
  const activeUser = async (userId: string, now: number): Promise<UserRecord> => {
    const hit = recentUsers.get(userId);
    if (hit !== undefined && hit.until > now) return hit.user;
    const user = await fromStore(() => users.findUserById(userId));
    if (!user || user.disabled)
      throw new TollgateError('invalid_token', { message: 'the user no longer exists' });
    if (userTtlMs > 0) {
      recentUsers.delete(userId);
      if (recentUsers.size >= MAX_RECENT_USERS) recentUsersOrder.evictOldest();
      recentUsers.set(userId, { user, until: now + userTtlMs });
    }
    return user;
  };

  return {
    flush,
    async verify(token, source, now) {
      const record = await fromStore(() => store.findUatByHash(hashOpaqueToken(token)));
      if (!record) throw new TollgateError('invalid_token');
      const revocation = {
        key: revocationKey('uat', record.id),
        userId: record.userId,
        // Its id's instant when it is a UUIDv7 (issued after its instance's last user revocation).
        since: uuidv7Time(record.id) ?? record.createdAt,
      };
      if (record.revokedAt !== null || revocations.refuses(revocation))
        throw new TollgateError('token_revoked');
      if (record.expiresAt <= now) throw new TollgateError('token_expired');
      const user = await activeUser(record.userId, now);
      const principal = principalFromUat(record, user, source, deps.principalData);
      if (!revocations.isFresh(now)) await revocations.sync();
      if (revocations.refuses(revocation)) throw new TollgateError('token_revoked');
      if (record.lastUsedAt === null || now - record.lastUsedAt >= UAT_TOUCH_INTERVAL_MS) {
        // After the response is on its way: a synchronous driver's durable write (an fsync) must
        // not sit on this request's path.
        if (pendingTouches.size === 0) setImmediate(flush);
        pendingTouches.set(record.id, now);
      }
      return { principal, validUntil: Math.min(record.expiresAt, now + opaqueTtlMs), revocation };
    },
  };
}
