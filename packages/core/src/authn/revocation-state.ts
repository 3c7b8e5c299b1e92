import type { Clock } from '../clock.js';
import { TollgateError } from '../errors.js';
import type { RevocationKind, TokenStore } from '../ports.js';

export interface RevocationSyncOptions {
  /** Revocations made by other instances are fetched at most this often (ms). Default 1000. */
  readonly syncIntervalMs: number;
  /**
   * A token that can be revoked is refused (`store_unavailable`) when the last successful
   * sync is older than this (ms), rather than accepted on stale knowledge. Default 10000.
   * A failed sync makes it stale at once: while the store cannot be read, revocable tokens
   * are refused (from at most `syncIntervalMs` plus the store's own timeout after it went away).
   */
  readonly maxStalenessMs: number;
}

/** A refresh family's id is its session's: a `family` revocation (from before sessions) is one of the session. */
export function revocationKey(kind: Exclude<RevocationKind, 'user'>, id: string): string {
  return kind === 'uat' ? `uat:${id}` : `session:${id}`;
}

/** What revokes a credential: its own key (session, family, UAT), and its user's revocations. */
export interface RevocationCheck {
  /** `session:<sid or fid>`, `uat:<id>`, or null when only the user rule applies. */
  readonly key: string | null;
  readonly userId: string;
  /** When the credential's session (or the UAT) was created, ms: a `user` revocation at or after it refuses it. */
  readonly since: number;
}

/**
 * What this instance knows has been revoked: its own revocations at once, other instances'
 * through the store's revocation log, fetched lazily (no timer) in the background.
 */
export class RevocationState {
  readonly #revoked = new Map<string, number>();
  // By user: the latest instant before which their credentials are refused, and until when to keep it.
  readonly #users = new Map<string, { readonly before: number; readonly expiresAt: number }>();
  readonly #store: TokenStore;
  readonly #clock: Clock;
  readonly #options: RevocationSyncOptions;
  readonly #onError: (error: unknown) => void;
  #lastSeq = 0;
  #lastSyncAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | null = null;
  /** Bumped whenever a revocation is added: a credential checked at this version needs no new lookup. */
  version = 0;
  // With a revocation channel: true until it connects and whenever it is down.
  #channelDown = false;
  // Bumped on every (re)connection: a log read started before it may have missed a notice.
  #epoch = 0;

  constructor(
    store: TokenStore,
    clock: Clock,
    options: RevocationSyncOptions,
    onError: (error: unknown) => void,
  ) {
    this.#store = store;
    this.#clock = clock;
    this.#options = options;
    this.#onError = onError;
  }

  /** A channel will be attached: refuse (fail closed) until it reports `channelConnected`. */
  expectChannel(): void {
    this.#channelDown = true;
  }

  channelConnected(): void {
    this.#channelDown = false;
    this.#epoch += 1;
    this.#lastSyncAt = Number.NEGATIVE_INFINITY;
    this.#inflight = null;
  }

  channelDisconnected(): void {
    this.#channelDown = true;
  }

  add(key: string, expiresAt: number): void {
    this.#revoked.set(key, expiresAt);
    this.version++;
  }

  /** Every credential of `userId` from before `before` is refused until `expiresAt`. */
  addUser(userId: string, before: number, expiresAt: number): void {
    const known = this.#users.get(userId);
    this.version++;
    if (known === undefined || known.before < before) this.#users.set(userId, { before, expiresAt });
    else if (known.expiresAt < expiresAt) this.#users.set(userId, { before: known.before, expiresAt });
  }

  has(key: string): boolean {
    return this.#revoked.has(key);
  }

  /** True when the credential is revoked, by its own key or by its user's revocation. */
  refuses(check: RevocationCheck): boolean {
    if (check.key !== null && this.#revoked.has(check.key)) return true;
    if (this.#users.size === 0) return false;
    const user = this.#users.get(check.userId);
    // Fail closed within the millisecond: a session created in the instant of the revocation goes too.
    return user !== undefined && check.since <= user.before;
  }

  /**
   * True when the state may be trusted at `now`; starts a background sync when it is due.
   * False when it is too stale: call `sync()` and wait.
   */
  isFresh(now: number): boolean {
    if (this.#channelDown) return false;
    const age = now - this.#lastSyncAt;
    if (age < this.#options.syncIntervalMs) return true;
    if (this.#inflight === null) this.sync().catch(this.#onError);
    return age < this.#options.maxStalenessMs;
  }

  /** Fetches new revocations; rejects with `store_unavailable` when the store cannot be read. */
  sync(): Promise<void> {
    if (this.#channelDown) {
      return Promise.reject(
        new TollgateError('store_unavailable', { message: 'the revocation channel is disconnected' }),
      );
    }
    if (this.#inflight === null) {
      const fetch: Promise<void> = this.#fetch().finally(() => {
        if (this.#inflight === fetch) this.#inflight = null;
      });
      this.#inflight = fetch;
    }
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    const epoch = this.#epoch;
    const startedAt = this.#clock.now();
    let page: Awaited<ReturnType<TokenStore['listRevocations']>>;
    try {
      page = await this.#store.listRevocations({ afterSeq: this.#lastSeq, now: startedAt });
    } catch (cause) {
      // Fail closed: once the log cannot be read, nothing revocable is trusted until it can.
      this.#lastSyncAt = Number.NEGATIVE_INFINITY;
      throw new TollgateError('store_unavailable', { cause });
    }
    for (const record of page.records) {
      if (record.kind === 'user') this.addUser(record.id, record.revokedAt, record.expiresAt);
      else this.add(revocationKey(record.kind, record.id), record.expiresAt);
    }
    this.#lastSeq = Math.max(this.#lastSeq, page.lastSeq);
    for (const [key, expiresAt] of this.#revoked) if (expiresAt <= startedAt) this.#revoked.delete(key);
    for (const [userId, { expiresAt }] of this.#users) if (expiresAt <= startedAt) this.#users.delete(userId);
    if (epoch === this.#epoch) this.#lastSyncAt = startedAt;
  }
}
