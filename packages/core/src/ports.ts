import type { Environment, UserRecord } from './types.js';

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

export type RevocationKind = 'family' | 'uat';

/** A revocation that every instance must honour until `expiresAt`. */
export interface RevocationRecord {
  /** Store-assigned, strictly increasing in the order revocations were committed. */
  readonly seq: number;
  readonly kind: RevocationKind;
  readonly id: string;
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
   * - token already rotated (even if its family has since been revoked): the family is revoked and
   *   a `family` revocation recorded until `revocationExpiresAt`, in the same transaction, unless
   *   it was revoked already: `reused`. So every loser of a concurrent rotation sees `reused`;
   * - otherwise the token is marked rotated at `now` and `next` stored in the same family with
   *   generation + 1 and `expiresAt` capped at the family's `absoluteExpiresAt`: `rotated`.
   */
  rotateRefreshToken(input: {
    readonly presentedHash: string;
    readonly next: NewRefreshToken;
    readonly now: number;
    readonly revocationExpiresAt: number;
  }): Promise<RotateRefreshTokenResult>;

  /**
   * Revokes the family of the token whose hash is given (logout), recording a `family`
   * revocation until `revocationExpiresAt`. Returns the family id, or null for an unknown hash.
   * Revoking a revoked family is a no-op that still returns its id.
   */
  revokeRefreshFamilyByToken(input: {
    readonly hash: string;
    readonly now: number;
    readonly revocationExpiresAt: number;
  }): Promise<string | null>;

  /** Stores a new UAT. Durable on return. */
  insertUat(record: UatRecord): Promise<void>;

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

  /** Revocations with `seq > afterSeq` that have not expired at `now`, in `seq` order. */
  listRevocations(input: { readonly afterSeq: number; readonly now: number }): Promise<{
    readonly records: readonly RevocationRecord[];
    /** The highest seq the store has assigned so far (pass it back as `afterSeq`). */
    readonly lastSeq: number;
  }>;

  /**
   * Deletes at most `limit` expired rows (refresh tokens, families, UATs, revocations whose
   * expiry is before `now`). Returns how many were deleted, so callers can loop in bounded batches.
   */
  purgeExpired(input: { readonly now: number; readonly limit: number }): Promise<number>;

  close?(): Promise<void>;
}

/** What one instance tells the others when it revokes something. */
export interface RevocationNotice {
  readonly kind: RevocationKind;
  readonly id: string;
  /** After this the revoked credentials have expired anyway (ms). */
  readonly expiresAt: number;
}

/** What a `RevocationChannel` calls back; Tollgate provides it. */
export interface RevocationListener {
  /** A revocation was published (by any instance, this one included). */
  revoked(notice: RevocationNotice): void;
  /**
   * The channel is subscribed: from now on every revocation arrives through `revoked`. Called on
   * the first connection and on every reconnection; Tollgate then re-reads the store's revocation
   * log before it trusts its cache again, so nothing published while disconnected is missed.
   */
  connected(): void;
  /** Notices may be lost from now on, until `connected`; Tollgate refuses revocable credentials meanwhile. */
  disconnected(): void;
}

/**
 * Pushes revocations between app instances faster than the store's revocation log is polled
 * (`@tollgate/store-redis` ships one on Redis pub/sub). Optional: without one, other instances
 * learn of a revocation at the next sync of the log (`revocations.syncIntervalMs`).
 */
export interface RevocationChannel {
  /** Publishes a revocation already durable in the store. Rejects when the channel is down. */
  publish(notice: RevocationNotice): Promise<void>;
  /**
   * Registers the listener. If the channel is connected already, `connected()` is called before
   * this returns; otherwise when it connects. Returns a function that unsubscribes.
   */
  subscribe(listener: RevocationListener): () => void;
  /** Closes the channel's connections (`Tollgate.close()` does not: the channel is yours). */
  close?(): Promise<void>;
}

/**
 * Where users, their rights and the catalogues come from. Tollgate only reads it.
 * Apps may bring their own; `@tollgate/store-sqlite` ships one for the embedded default.
 */
export interface UserDirectory {
  findUserById(id: string): Promise<UserRecord | null>;
  /** Case-insensitive on the username. */
  findUserByUsername(username: string): Promise<UserRecord | null>;
  /**
   * Returns the user when the password is right, null otherwise. Does the same work when
   * the user does not exist (a dummy hash verification), so timing tells nothing.
   */
  verifyPassword(username: string, password: string): Promise<UserRecord | null>;
  /** The environment catalogue. */
  listEnvironments(): Promise<readonly Environment[]>;
  /** The permission catalogue. */
  listPermissions(): Promise<readonly string[]>;
  close?(): Promise<void>;
}

/** What a directory is seeded with (the demo data file has this shape). */
export interface DirectorySeed {
  readonly organisations: readonly { readonly id: string; readonly name: string; readonly domain: string }[];
  readonly environments: readonly Environment[];
  readonly permissions: readonly string[];
  readonly users: readonly {
    readonly id: string;
    readonly username: string;
    readonly email: string;
    readonly password: string;
    readonly kind: UserRecord['kind'];
    readonly organisationId: string;
    readonly roles: readonly string[];
    readonly permissions: readonly string[];
    readonly environments: readonly string[];
  }[];
}

/** The case-insensitive key of a username (Unicode lower-casing, not ASCII only), shared by every directory. */
export function usernameKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}
