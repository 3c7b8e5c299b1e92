import type { JWK } from 'jose';
import type { KeySet, SigningAlgorithm } from './keys.js';

// The stored form of a signing key, the port that keeps keys, and the errors and defaults of key sources.

/** A stored signing key with its schedule. `jwk` is the private key: a secret. Times in ms. */
export interface StoredSigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** The private JWK, with `kid` and `alg`. */
  readonly jwk: JWK;
  readonly createdAt: number;
  /** Signs from then on (until a later key activates); verifies from the moment it is stored. */
  readonly activatesAt: number;
  /** Stops verifying then, or never (null). */
  readonly expiresAt: number | null;
}

/** A stored key as a SQL store keeps it: one row, times in ms, the private JWK as JSON text. */
export interface SigningKeyRow {
  readonly kid: string;
  readonly alg: string;
  readonly private_jwk: string;
  readonly created_at: number;
  readonly activates_at: number;
  readonly expires_at: number | null;
}

/** The columns of `SigningKeyRow`, in the order `signingKeyRowValues` gives their values. */
export const SIGNING_KEY_COLUMNS = 'kid, alg, private_jwk, created_at, activates_at, expires_at';

/** A SQL store's row as the key it holds (for `SigningKeyStore.list`). */
export function signingKeyFromRow(row: SigningKeyRow): StoredSigningKey {
  return {
    kid: row.kid,
    alg: row.alg as SigningAlgorithm,
    jwk: JSON.parse(row.private_jwk) as JWK,
    createdAt: row.created_at,
    activatesAt: row.activates_at,
    expiresAt: row.expires_at,
  };
}

/** The values of a key's row, in `SIGNING_KEY_COLUMNS` order; the JWK names its own kid and alg. */
export function signingKeyRowValues(key: StoredSigningKey) {
  return [
    key.kid,
    key.alg,
    JSON.stringify({ ...key.jwk, kid: key.kid, alg: key.alg }),
    key.createdAt,
    key.activatesAt,
    key.expiresAt,
  ] as const;
}

/** Where a key set keeps its keys: `fileKeyStore(path)`, or the SQL stores' `signingKeys`. */
export interface SigningKeyStore {
  /** Every stored key (expired ones too, until the next rotation removes them). */
  list(): Promise<readonly StoredSigningKey[]>;
  /**
   * Stores `key` only if no key is stored yet, atomically: of several instances starting together on
   * an empty store, one key is stored and every one of them then lists that one.
   */
  addFirst(key: StoredSigningKey): Promise<void>;
  /**
   * In one atomic step: removes the keys expired at `now`, gives every key without an expiry
   * `expiresAt: retireAt`, and adds `key`.
   */
  rotate(change: {
    readonly key: StoredSigningKey;
    readonly now: number;
    readonly retireAt: number;
  }): Promise<void>;
}

/** A key's place in the rotation at some instant. */
export type SigningKeyStatus = 'next' | 'current' | 'previous' | 'expired';

/** A key set whose keys change: loaded from a store, or on a schedule (`nbf`, `exp`). */
export interface LiveKeySet extends KeySet {
  /** Reads the store again (a no-op for a key set from an environment variable). */
  reload(): Promise<void>;
  /** Calls `listener` after every change of the keys (a rotation took effect, a key was dropped). */
  subscribe(listener: () => void): () => void;
  /** Stops the timers. The set keeps its last keys. */
  close(): void;
}

/** A bad key configuration; the message names where it came from, never the key. */
export class SigningKeyConfigError extends Error {
  readonly code = 'invalid_signing_key' as const;
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyConfigError';
  }
}

export const ALGORITHMS: readonly SigningAlgorithm[] = ['EdDSA', 'ES256', 'HS256'];
/** Node's timers hold at most 2^31 - 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;
export const DEFAULT_RELOAD_INTERVAL_MS = 60_000;
export const DEFAULT_UNKNOWN_KID_RELOAD_INTERVAL_MS = 30_000;
export const DEFAULT_PUBLISH_FOR_SECONDS = 3600;
export const DEFAULT_OVERLAP_SECONDS = 86_400;
