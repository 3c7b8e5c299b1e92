import type { Actor } from '../types.js';

/**
 * A refresh family: every refresh token descended from one login. Revoking the family
 * refuses all of them and every access token issued from them.
 */
export interface RefreshFamilyRecord {
  readonly id: string;
  readonly userId: string;
  /** The login that started the family (ms). */
  readonly createdAt: number;
  /** No token of the family is valid at or after this instant (ms): the absolute session lifetime. */
  readonly absoluteExpiresAt: number;
  readonly revokedAt: number | null;
}

/** A refresh token, stored only as the SHA-256 hash (base64url) of its value. */
export interface RefreshTokenRecord {
  readonly hash: string;
  readonly familyId: string;
  /** 0 for the token the login issued, +1 per rotation. */
  readonly generation: number;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** When it was exchanged for its successor; a second presentation after this is reuse. */
  readonly rotatedAt: number | null;
}

export interface NewRefreshToken {
  readonly hash: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export type RotateRefreshTokenResult =
  | {
      readonly outcome: 'rotated';
      readonly family: RefreshFamilyRecord;
      /** True when the presented token had been rotated already, within the reuse interval. */
      readonly retried: boolean;
      /** The successor as stored (its expiry capped by the family's absolute expiry). */
      readonly next: RefreshTokenRecord;
    }
  /** The token had been rotated already: the store revoked the family in the same transaction. */
  | { readonly outcome: 'reused'; readonly family: RefreshFamilyRecord }
  | { readonly outcome: 'revoked'; readonly family: RefreshFamilyRecord }
  | { readonly outcome: 'expired' }
  | { readonly outcome: 'not_found' };

/** A user authorization token, stored only as the SHA-256 hash (base64url) of its value. */
export interface UatRecord {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly hash: string;
  /** The first characters of the token, shown to the owner to tell tokens apart. */
  readonly prefix: string;
  readonly permissions: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
}

/** What started a session: each scheme's way of signing in. */
export type SessionKind =
  /** Scheme D's password login (`Authorization: JWT`): one access token. */
  | 'jwt_login'
  /** Scheme A: a user-token chain (password login, or issued by an administrator), refreshed as it goes. */
  | 'user_token'
  /** Scheme C: a token pair and its refresh family (the family's id is the session's). */
  | 'token_pair'
  /** Scheme B: an administrator signed the user in (the security token for a cookie). */
  | 'delegated';

/**
 * A session: every token Tollgate issues (UATs aside) belongs to one and carries its id (`sid`).
 * Revoking it refuses all of them on every instance.
 */
export interface SessionRecord {
  /** A UUIDv7: its first 48 bits are the creation instant (ms), which a `user` revocation is compared with. */
  readonly id: string;
  readonly userId: string;
  readonly kind: SessionKind;
  /** The administrator acting for the user: a delegated login, or a user token an administrator issued. */
  readonly actor: Actor | null;
  readonly createdAt: number;
  /** When one of its tokens was last issued or first verified by an instance (advisory). */
  readonly lastUsedAt: number;
  /** No token of the session is valid at or after this instant (ms). */
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  /** The client's address and user agent when the session was created, as the adapter saw them. */
  readonly clientIp: string | null;
  readonly userAgent: string | null;
  /** A delegated session's note from the administrator (`customData`: a ticket, a reason); else null. */
  readonly customData: string | null;
}

/**
 * - `family`: a refresh family (from before sessions; still honoured for tokens that carry `fid`);
 * - `uat`: one UAT;
 * - `session`: one session, so every token carrying its `sid`;
 * - `user`: every credential of the user (sessions by their creation, UATs by theirs) from before
 *   `revokedAt` (a user disabled, a password changed, a "log out everywhere").
 */
export type RevocationKind = 'family' | 'uat' | 'session' | 'user';

/** A revocation that every instance must honour until `expiresAt`. */
export interface RevocationRecord {
  /** Store-assigned, strictly increasing in the order revocations were committed. */
  readonly seq: number;
  readonly kind: RevocationKind;
  readonly id: string;
  /** For `user`: the instant before which every credential of the user is refused. */
  readonly revokedAt: number;
  /** After this the revoked credentials have expired anyway and the record may be purged. */
  readonly expiresAt: number;
}

/**
 * Where Tollgate keeps what must survive a restart: refresh families, UATs, revocations.
 *
 * Every method that writes is durable when its promise resolves. Every method rejects
 * (never resolves with a guess) when the backend cannot be reached; Tollgate turns that
 * into `store_unavailable` and refuses the request.
 */
export interface TokenStore {
  /** Creates a family and its first refresh token, atomically. */
  createRefreshFamily(input: {
    readonly family: Omit<RefreshFamilyRecord, 'revokedAt'>;
    readonly token: NewRefreshToken;
  }): Promise<void>;

  /**
   * Exchanges the token whose hash is `presentedHash` for `next`, atomically, with exactly one
   * winner however many callers (connections, processes, instances) present the same token:
   * checked in this order:
   * - unknown hash: `not_found`;
   * - token not rotated yet but its family revoked (logout, or an earlier reuse): `revoked`;
   * - token or family expired at `now` (`expiresAt <= now` or `absoluteExpiresAt <= now`): `expired`;
   * - token already rotated, within `reuseIntervalMs` of its rotation and its family not revoked: a
   *   retry (see `reuseIntervalMs`): `rotated` with `retried: true`;
   * - token already rotated (even if its family has since been revoked): the family and its session
   *   are revoked and a `session` revocation (the family's id) recorded until `revocationExpiresAt`,
   *   in the same transaction, unless it was revoked already: `reused`. So, without a reuse
   *   interval, every loser of a concurrent rotation sees `reused`;
   * - otherwise the token is marked rotated at `now` and `next` stored in the same family with
   *   generation + 1 and `expiresAt` capped at the family's `absoluteExpiresAt`: `rotated`.
   */
  rotateRefreshToken(input: {
    readonly presentedHash: string;
    readonly next: NewRefreshToken;
    readonly now: number;
    readonly revocationExpiresAt: number;
    /**
     * A token presented again less than this long after its rotation (`now - rotatedAt <
     * reuseIntervalMs`), its family not revoked, is a retry (two tabs, a lost response), not reuse:
     * every token of the family not yet rotated is marked rotated at `now` and `next` stored, so the
     * family still has exactly one live token: `rotated`. 0 (the default) turns it off.
     */
    readonly reuseIntervalMs?: number;
  }): Promise<RotateRefreshTokenResult>;

  /**
   * Revokes the family of the token whose hash is given (logout), and its session (same id), recording
   * a `session` revocation until `revocationExpiresAt`. Returns the family id, or null for an unknown hash.
   * Revoking a revoked family is a no-op that still returns its id.
   */
  revokeRefreshFamilyByToken(input: {
    readonly hash: string;
    readonly now: number;
    readonly revocationExpiresAt: number;
  }): Promise<string | null>;

  /**
   * Stores a new UAT and returns true; durable on return. `creatorSince` is when the right to act of
   * the caller creating it counts from (the start of its session, as its revocation check has it):
   * when a `user` revocation of `record.userId` at or after that instant is already recorded, nothing
   * is stored and it returns false, so a creation checked before a revocation never outlives it.
   * Atomic with `revokeUser` of the same user: whichever runs second sees the other. Without
   * `creatorSince` the UAT is stored unconditionally.
   */
  insertUat(record: UatRecord, check?: { readonly creatorSince: number }): Promise<boolean>;

  /** One indexed lookup by hash; revoked and expired tokens are returned as they are. */
  findUatByHash(hash: string): Promise<UatRecord | null>;

  /** The user's UATs, newest first, including revoked and expired ones. */
  listUatsByUser(userId: string): Promise<readonly UatRecord[]>;

  /**
   * Revokes the UAT `id` if it belongs to `userId` and is not revoked yet, recording a `uat`
   * revocation until `revocationExpiresAt`, atomically. Returns false when there is no such
   * token of that user (someone else's id is indistinguishable from an unknown one).
   * Revoking an already revoked token of the user returns true and changes nothing.
   */
  revokeUat(input: {
    readonly id: string;
    readonly userId: string;
    readonly now: number;
    readonly revocationExpiresAt: number;
  }): Promise<boolean>;

  /** Records that a UAT was used at `at` (advisory; may be throttled by the caller). */
  touchUat(input: { readonly id: string; readonly at: number }): Promise<void>;

  /**
   * Stores a new session and returns it as stored. Durable on return. `createdAt` is when the
   * credentials it rests on were checked: when a `user` revocation of its user at or after that
   * instant is already recorded, the session is stored revoked (at the latest such revocation's
   * instant), so a sign-in checked before a revocation never outlives it. Atomic with `revokeUser` of
   * the same user: whichever runs second sees the other.
   */
  createSession(record: Omit<SessionRecord, 'revokedAt'>): Promise<SessionRecord>;

  /** The session `id`, revoked or expired ones included; null when unknown. */
  findSession(id: string): Promise<SessionRecord | null>;

  /** The user's sessions live at `now` (not revoked, `expiresAt > now`), newest first. */
  listSessionsByUser(input: {
    readonly userId: string;
    readonly now: number;
  }): Promise<readonly SessionRecord[]>;

  /** Records that a session was used at `at` (advisory; only moves forward). */
  touchSession(input: { readonly id: string; readonly at: number }): Promise<void>;

  /**
   * Revokes the sessions `ids` of `userId` that are live at `now`, atomically: each is marked revoked,
   * its refresh family (same id) too, and a `session` revocation recorded until `revocationExpiresAt`.
   * Ids of other users, unknown or already revoked ones are skipped. Returns the sessions it revoked.
   */
  revokeSessions(input: {
    readonly userId: string;
    readonly ids: readonly string[];
    readonly now: number;
    readonly revocationExpiresAt: number;
  }): Promise<readonly SessionRecord[]>;

  /**
   * Revokes every credential of `userId` from up to `now`, atomically: its live sessions and refresh
   * families created at or before `now` and all its live UATs are marked revoked, and one `user`
   * revocation (`revokedAt = now`) is recorded until `revocationExpiresAt`. A session created after
   * `now` is left alone, as the revocation state in memory leaves it (its credentials were checked
   * after the revocation). Returns how many sessions and UATs it revoked.
   */
  revokeUser(input: {
    readonly userId: string;
    readonly now: number;
    readonly revocationExpiresAt: number;
  }): Promise<{ readonly sessions: number; readonly uats: number }>;

  /** Revocations with `seq > afterSeq` that have not expired at `now`, in `seq` order. */
  listRevocations(input: { readonly afterSeq: number; readonly now: number }): Promise<{
    readonly records: readonly RevocationRecord[];
    /** The highest seq the store has assigned so far (pass it back as `afterSeq`). */
    readonly lastSeq: number;
  }>;

  /**
   * Deletes at most `limit` expired rows (refresh tokens, families, UATs, sessions, revocations whose
   * expiry is before `now`). Returns how many were deleted, so callers can loop in bounded batches.
   */
  purgeExpired(input: { readonly now: number; readonly limit: number }): Promise<number>;

  close?(): Promise<void>;
}
