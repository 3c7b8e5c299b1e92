import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import { bad, parseSigningKeys } from './key-text.js';
import { exportSigningKey, generateSigningKey, type SigningAlgorithm } from './keys.js';
import { type LiveKeySetOptions, ScheduledKeySet } from './live-key-set.js';
import {
  DEFAULT_OVERLAP_SECONDS,
  DEFAULT_PUBLISH_FOR_SECONDS,
  DEFAULT_RELOAD_INTERVAL_MS,
  DEFAULT_UNKNOWN_KID_RELOAD_INTERVAL_MS,
  type LiveKeySet,
  SigningKeyConfigError,
  type SigningKeyStore,
  type StoredSigningKey,
} from './signing-key-store.js';

// Where signing keys come from so that a restart, and every instance, signs and verifies with the
// same ones: an environment variable, a file, or the store. A key is published (in the JWKS, and
// verifying) from the moment it is stored, signs from `activatesAt`, and verifies until `expiresAt`.

export interface KeySetFromEnvOptions {
  /** The variable's name. Default `TOLLGATE_SIGNING_KEY`. */
  readonly variable?: string;
  /** Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Times `nbf`/`exp` of the keys. Default the system clock. */
  readonly clock?: Clock;
}

/**
 * The keys in an environment variable: a private JWK, a PKCS#8 PEM, or `{ "keys": [jwk, …] }` (the
 * current key and those kept through a rotation: see the README). Throws a `SigningKeyConfigError`
 * naming the variable, never quoting it, when it is missing or not a usable key.
 */
export async function keySetFromEnv(options: KeySetFromEnvOptions = {}): Promise<LiveKeySet> {
  const variable = options.variable ?? 'TOLLGATE_SIGNING_KEY';
  const text = (options.env ?? process.env)[variable];
  if (text === undefined || text.trim() === '') throw bad(variable, 'not set');
  const stored = await parseSigningKeys(text, variable);
  const clock = options.clock ?? systemClock;
  const config: LiveKeySetOptions = {
    clock,
    store: null,
    reloadIntervalMs: 0,
    unknownKidReloadIntervalMs: 0,
    onError: () => {},
  };
  try {
    return await ScheduledKeySet.open(config, stored);
  } catch (error) {
    if (error instanceof SigningKeyConfigError) throw bad(variable, error.message);
    throw error;
  }
}

export interface OpenKeySetOptions {
  /** `fileKeyStore(path)`, or a SQL store's `signingKeys`. */
  readonly store: SigningKeyStore;
  /** The algorithm of the first key, created when the store holds none. Default ES256. */
  readonly alg?: SigningAlgorithm;
  /**
   * How often the store is read again, to pick up rotations made elsewhere (another instance, the
   * CLI). Default 60000 ms; 0 never. A rotation must publish a key for longer than this before it
   * signs (`publishForSeconds`), or another instance may meet its tokens before it knows the key.
   */
  readonly reloadIntervalMs?: number;
  /**
   * A token naming an unknown kid makes the set read the store again, at most once per this many ms
   * (so made-up kids cost no more than that). Default 30000.
   */
  readonly unknownKidReloadIntervalMs?: number;
  readonly clock?: Clock;
  /** Told when a background reload fails (the set keeps its last keys). */
  readonly onError?: (error: unknown) => void;
}

async function newStoredKey(
  alg: SigningAlgorithm,
  now: number,
  activatesAt: number,
): Promise<StoredSigningKey> {
  const key = await generateSigningKey({ alg, kid: randomUUID() });
  return {
    kid: key.kid,
    alg: key.alg,
    jwk: await exportSigningKey(key),
    createdAt: now,
    activatesAt,
    expiresAt: null,
  };
}

/**
 * The key set of a store, created on first use: the first instance to start on an empty store
 * stores a new key (ES256 by default), and every instance, every restart, then signs with it.
 * Rotations (`rotateSigningKey`, `tollgate keys rotate`) reach every instance within
 * `reloadIntervalMs`. Pass it to `createTollgate({ keys })`; `close()` it on shutdown.
 */
export async function openKeySet(options: OpenKeySetOptions): Promise<LiveKeySet> {
  const clock = options.clock ?? systemClock;
  const { store } = options;
  let stored = await store.list();
  if (stored.length === 0) {
    const now = clock.now();
    await store.addFirst(await newStoredKey(options.alg ?? 'ES256', now, now));
    stored = await store.list();
  }
  return ScheduledKeySet.open(
    {
      clock,
      store,
      reloadIntervalMs: options.reloadIntervalMs ?? DEFAULT_RELOAD_INTERVAL_MS,
      unknownKidReloadIntervalMs:
        options.unknownKidReloadIntervalMs ?? DEFAULT_UNKNOWN_KID_RELOAD_INTERVAL_MS,
      onError: options.onError ?? (() => {}),
    },
    stored,
  );
}

export interface RotateSigningKeyOptions {
  /** The new key's algorithm. Default ES256. */
  readonly alg?: SigningAlgorithm;
  /**
   * How long the new key is published (in the JWKS, verifying) before it signs: longer than every
   * instance's `reloadIntervalMs` and than the JWKS caches of other verifiers. Default 3600.
   */
  readonly publishForSeconds?: number;
  /**
   * How long the keys it replaces keep verifying after it starts signing: at least the longest
   * lifetime of a signed token (access, user, delegated). Default 86400 (a day).
   */
  readonly overlapSeconds?: number;
  readonly clock?: Clock;
}

function wholeSeconds(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${name} must be whole seconds, at least 0`);
  return value;
}

/**
 * Rotates the keys of a store: stores a new key that signs after `publishForSeconds`; the keys it
 * replaces verify for `overlapSeconds` more, and keys expired by now are removed (into an empty
 * store, the key signs at once). Returns the new key (its private part included: do not log it).
 */
export async function rotateSigningKey(
  store: SigningKeyStore,
  options: RotateSigningKeyOptions = {},
): Promise<StoredSigningKey> {
  const publishFor = wholeSeconds(
    'publishForSeconds',
    options.publishForSeconds ?? DEFAULT_PUBLISH_FOR_SECONDS,
  );
  const overlap = wholeSeconds('overlapSeconds', options.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS);
  const now = (options.clock ?? systemClock).now();
  // Into an empty store, the key signs at once: there is nothing to sign with meanwhile.
  const waitMs = (await store.list()).length === 0 ? 0 : publishFor * 1000;
  const key = await newStoredKey(options.alg ?? 'ES256', now, now + waitMs);
  await store.rotate({ key, now, retireAt: key.activatesAt + overlap * 1000 });
  return key;
}
