import type { JWK } from 'jose';
import type { Clock } from '../clock.js';
import { importSigningKey, jwksOf, type SigningKey } from './keys.js';
import {
  type LiveKeySet,
  MAX_TIMER_MS,
  SigningKeyConfigError,
  type SigningKeyStatus,
  type SigningKeyStore,
  type StoredSigningKey,
} from './signing-key-store.js';

// A key set whose keys change on a schedule, read from a store: which key signs and which verify, when.

/**
 * The status of each key at `now`: the newest activated key that has not expired is `current`
 * (of equal `activatesAt`, the first listed), older activated ones `previous`, later ones `next`.
 */
export function signingKeyStatuses(
  keys: readonly Pick<StoredSigningKey, 'kid' | 'activatesAt' | 'expiresAt'>[],
  now: number,
): Map<string, SigningKeyStatus> {
  const statuses = new Map<string, SigningKeyStatus>();
  let current: (typeof keys)[number] | undefined;
  for (const key of keys) {
    if (key.expiresAt !== null && key.expiresAt <= now) statuses.set(key.kid, 'expired');
    else if (key.activatesAt > now) statuses.set(key.kid, 'next');
    else {
      statuses.set(key.kid, 'previous');
      if (current === undefined || key.activatesAt > current.activatesAt) current = key;
    }
  }
  if (current !== undefined) statuses.set(current.kid, 'current');
  return statuses;
}

interface State {
  readonly current: SigningKey;
  /** current first, then the next ones, then the previous ones. */
  readonly keys: readonly SigningKey[];
  readonly byKid: ReadonlyMap<string, SigningKey>;
  /** Signature of the state, to tell whether anything changed. */
  readonly signature: string;
  /** The next instant a key activates or expires, or Infinity. */
  readonly nextChangeAt: number;
}

export interface LiveKeySetOptions {
  readonly clock: Clock;
  readonly store: SigningKeyStore | null;
  readonly reloadIntervalMs: number;
  readonly unknownKidReloadIntervalMs: number;
  readonly onError: (error: unknown) => void;
}

/**
 * The keys of a store or a schedule, as the `KeySet` `createTollgate` takes: `current` and `get` read
 * the live state (a field and a Map lookup, nothing allocated); reloads and scheduled changes replace
 * that state in the background and tell the subscribers (`createTollgate` forgets what it had cached
 * about tokens, so a dropped key stops verifying at once).
 */
export class ScheduledKeySet implements LiveKeySet {
  #state: State;
  #stored: readonly StoredSigningKey[];
  readonly #imported = new Map<string, { readonly json: string; readonly key: SigningKey }>();
  readonly #listeners = new Set<() => void>();
  readonly #options: LiveKeySetOptions;
  #changeTimer: NodeJS.Timeout | undefined;
  #reloadTimer: NodeJS.Timeout | undefined;
  #reloading: Promise<void> | undefined;
  #lastUnknownKidReload = Number.NEGATIVE_INFINITY;
  #closed = false;

  private constructor(options: LiveKeySetOptions, stored: readonly StoredSigningKey[], state: State) {
    this.#options = options;
    this.#stored = stored;
    this.#state = state;
  }

  static async open(
    options: LiveKeySetOptions,
    stored: readonly StoredSigningKey[],
  ): Promise<ScheduledKeySet> {
    const set = new ScheduledKeySet(options, stored, undefined as unknown as State);
    await set.#importAll(stored);
    set.#state = set.#compute(stored, options.clock.now());
    set.#scheduleChange();
    if (options.store !== null && options.reloadIntervalMs > 0) {
      set.#reloadTimer = setInterval(
        () => {
          set.reload().catch(options.onError);
        },
        Math.min(options.reloadIntervalMs, MAX_TIMER_MS),
      );
      set.#reloadTimer.unref();
    }
    return set;
  }

  get current(): SigningKey {
    return this.#state.current;
  }

  get keys(): readonly SigningKey[] {
    return this.#state.keys;
  }

  get(kid: string): SigningKey | undefined {
    const key = this.#state.byKid.get(kid);
    if (key === undefined) this.#unknownKid();
    return key;
  }

  jwks(): Promise<{ keys: JWK[] }> {
    return jwksOf(this.#state.keys);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  reload(): Promise<void> {
    const store = this.#options.store;
    if (store === null || this.#closed) return Promise.resolve();
    // One reload at a time: callers during one share it.
    this.#reloading ??= (async () => {
      try {
        const stored = await store.list();
        await this.#importAll(stored);
        this.#stored = stored;
        this.#update();
      } finally {
        this.#reloading = undefined;
      }
    })();
    return this.#reloading;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#changeTimer);
    clearInterval(this.#reloadTimer);
  }

  /** A token named a kid this set does not know: perhaps another instance rotated. Rate-limited. */
  #unknownKid(): void {
    if (this.#options.store === null || this.#closed) return;
    const now = this.#options.clock.now();
    if (now - this.#lastUnknownKidReload < this.#options.unknownKidReloadIntervalMs) return;
    this.#lastUnknownKidReload = now;
    this.reload().catch(this.#options.onError);
  }

  async #importAll(stored: readonly StoredSigningKey[]): Promise<void> {
    const kids = new Set<string>();
    for (const record of stored) {
      kids.add(record.kid);
      const json = JSON.stringify(record.jwk);
      if (this.#imported.get(record.kid)?.json === json) continue;
      const key = await importSigningKey(record.jwk, { kid: record.kid, alg: record.alg });
      this.#imported.set(record.kid, { json, key });
    }
    for (const kid of this.#imported.keys()) if (!kids.has(kid)) this.#imported.delete(kid);
  }

  #compute(stored: readonly StoredSigningKey[], now: number): State {
    const statuses = signingKeyStatuses(stored, now);
    let current: SigningKey | undefined;
    const next: SigningKey[] = [];
    const previous: SigningKey[] = [];
    let nextChangeAt = Number.POSITIVE_INFINITY;
    for (const record of stored) {
      const key = this.#imported.get(record.kid)?.key;
      const status = statuses.get(record.kid);
      if (key === undefined || status === 'expired') continue;
      if (status === 'current') current = key;
      else if (status === 'next') next.push(key);
      else previous.push(key);
      if (record.activatesAt > now) nextChangeAt = Math.min(nextChangeAt, record.activatesAt);
      if (record.expiresAt !== null) nextChangeAt = Math.min(nextChangeAt, record.expiresAt);
    }
    if (current === undefined) {
      throw new SigningKeyConfigError(
        stored.length === 0 ? 'no signing key is stored' : 'no stored signing key is active and unexpired',
      );
    }
    const keys = Object.freeze([current, ...next, ...previous]);
    return {
      current,
      keys,
      byKid: new Map(keys.map((key) => [key.kid, key])),
      signature: keys.map((key) => key.kid).join('\n'),
      nextChangeAt,
    };
  }

  /** Recomputes at the clock's now; tells the subscribers if anything changed. */
  #update(): void {
    let state: State;
    try {
      state = this.#compute(this.#stored, this.#options.clock.now());
    } catch (error) {
      // Keep signing with the last good keys rather than with none; say so.
      this.#options.onError(error);
      return;
    }
    const changed = state.signature !== this.#state.signature;
    this.#state = state;
    this.#scheduleChange();
    if (changed) for (const listener of this.#listeners) listener();
  }

  #scheduleChange(): void {
    clearTimeout(this.#changeTimer);
    if (this.#closed || this.#state.nextChangeAt === Number.POSITIVE_INFINITY) return;
    const delay = Math.max(0, this.#state.nextChangeAt - this.#options.clock.now());
    this.#changeTimer = setTimeout(() => this.#update(), Math.min(delay + 1, MAX_TIMER_MS));
    this.#changeTimer.unref();
  }
}
