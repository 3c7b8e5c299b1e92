import type { RevocationKind } from './token-store.js';

/** What one instance tells the others when it revokes something. */
export interface RevocationNotice {
  readonly kind: RevocationKind;
  readonly id: string;
  /** For `user`: the instant before which the user's credentials are refused (ms). */
  readonly revokedAt?: number;
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
