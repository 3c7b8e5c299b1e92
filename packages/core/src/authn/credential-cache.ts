import type { TollgateError } from '../errors.js';
import { EvictionOrder } from '../eviction-order.js';
import type { CredentialSource, Principal } from '../types.js';
import type { RevocationCheck } from './revocation-state.js';

/** A credential accepted before: the verdict to give it again while `now < validUntil`. */
export interface Accepted {
  readonly verdict: 'accepted';
  /** The whole credential key; the cache's own key is only its tail (see `slotOf`). */
  readonly credential: string;
  readonly result: { readonly ok: true; readonly principal: Principal };
  /** Exclusive: the entry is used only while `now < validUntil`. */
  readonly validUntil: number;
  /** Checked against the revocation state on every use, or null for a credential nothing revokes. */
  readonly revocation: RevocationCheck | null;
  /**
   * The revocation state's `version` when this entry was last found not revoked: while nothing has
   * been revoked since, a hit needs no lookup. Written by `authenticate` only.
   */
  checkedVersion: number;
}

/** A credential refused before for what it is (`invalid_token`): the same string gets the same answer. */
export interface Refused {
  readonly verdict: 'refused';
  readonly credential: string;
  readonly source: CredentialSource;
  readonly result: { readonly ok: false; readonly error: TollgateError };
}

export interface CredentialCacheOptions {
  /** Accepted credentials kept. Default 10000. */
  readonly maxEntries: number;
  /** Refused credentials kept, apart, so a flood of them never evicts an accepted one. Default 1024. */
  readonly maxRefusals: number;
}

/**
 * Where a credential sits: its last 32 characters (a signature's, or an opaque token's random part
 * and checksum), the whole key being compared on a hit. A Map hashes its string key in full; a
 * fresh ~700-character header costs ~1 µs to hash and ~0.1 µs to compare.
 */
const SLOT_LENGTH = 32;
const slotOf = (key: string): string => (key.length > SLOT_LENGTH ? key.slice(-SLOT_LENGTH) : key);

/**
 * The doorkeeper: which credentials were seen once lately, as a tag (a hash of their last 16
 * characters: a signature's, random) in a slot the tag chooses. A JWT is cached only when seen again
 * within the last `maxEntries` first sightings, so a stream of tokens each seen once (a busy server's
 * first sightings, a flood) neither pays for nor churns the cache. Tags, not the strings: nothing seen
 * once is kept alive. A false match only caches a token one sighting early.
 */
const TAG_LENGTH = 16;

function tagOf(key: string): number {
  let tag = 0;
  for (let i = Math.max(0, key.length - TAG_LENGTH); i < key.length; i++) {
    tag = (Math.imul(tag, 31) + key.charCodeAt(i)) | 0;
  }
  return tag | 1; // never 0, the empty slot
}

/**
 * What `authenticate` already knows about credentials, by the credential as presented (never by a
 * claim). Bounded, first in first out; a credential landing in an occupied slot takes it over.
 */
export class CredentialCache {
  readonly #accepted = new Map<string, Accepted>();
  readonly #refused = new Map<string, Refused>();
  readonly #options: CredentialCacheOptions;
  readonly #acceptedOrder = new EvictionOrder(this.#accepted);
  readonly #refusedOrder = new EvictionOrder(this.#refused);
  readonly #seenTags: Int32Array;
  readonly #seenAt: Float64Array;
  #sightings = 0;

  constructor(options: CredentialCacheOptions) {
    this.#options = options;
    // Twice as many slots as the window, at least, so few first sightings overwrite each other.
    const slots = 2 ** Math.ceil(Math.log2(Math.max(1024, options.maxEntries * 1.5)));
    this.#seenTags = new Int32Array(slots);
    this.#seenAt = new Float64Array(slots);
  }

  /** Hit (accepted, still valid at `now`), refused, or undefined for a miss. A stale hit is dropped. */
  lookup(key: string, now: number): Accepted | Refused | undefined {
    const slot = slotOf(key);
    const accepted = this.#accepted.get(slot);
    if (accepted !== undefined && accepted.credential === key) {
      if (now < accepted.validUntil) return accepted;
      this.#accepted.delete(slot);
      return undefined;
    }
    const refused = this.#refused.get(slot);
    return refused !== undefined && refused.credential === key ? refused : undefined;
  }

  /**
   * True when `key` was seen within the last `maxEntries` first sightings (then it should be cached);
   * otherwise it is remembered as seen once.
   */
  seenBefore(key: string): boolean {
    const tag = tagOf(key);
    const index = tag & (this.#seenTags.length - 1);
    const sighting = ++this.#sightings;
    if (this.#seenTags[index] === tag && sighting - this.#seenAt[index]! <= this.#options.maxEntries) {
      this.#seenTags[index] = 0;
      return true;
    }
    this.#seenTags[index] = tag;
    this.#seenAt[index] = sighting;
    return false;
  }

  accept(
    entry: Omit<Accepted, 'verdict' | 'result' | 'checkedVersion'> & {
      readonly principal: Principal;
      /** The revocation state's version it was checked against on admission (-1: not checked). */
      readonly checkedVersion?: number;
    },
  ): Accepted {
    const stored: Accepted = {
      verdict: 'accepted',
      credential: entry.credential,
      result: Object.freeze({ ok: true, principal: entry.principal }),
      validUntil: entry.validUntil,
      revocation: entry.revocation,
      checkedVersion: entry.checkedVersion ?? -1,
    };
    const accepted = this.#accepted;
    const slot = slotOf(entry.credential);
    if (accepted.size >= this.#options.maxEntries && !accepted.has(slot)) this.#acceptedOrder.evictOldest();
    accepted.set(slot, stored);
    return stored;
  }

  /** Forgets every verdict (the signing keys changed: a refused kid may be known now, a key dropped). */
  clear(): void {
    this.#accepted.clear();
    this.#refused.clear();
    this.#acceptedOrder.reset();
    this.#refusedOrder.reset();
  }

  refuse(credential: string, source: CredentialSource, error: TollgateError): Refused {
    const stored: Refused = {
      verdict: 'refused',
      credential,
      source,
      result: Object.freeze({ ok: false, error }),
    };
    const refused = this.#refused;
    const slot = slotOf(credential);
    if (refused.size >= this.#options.maxRefusals && !refused.has(slot)) this.#refusedOrder.evictOldest();
    refused.set(slot, stored);
    return stored;
  }
}
