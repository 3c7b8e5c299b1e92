import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, importPKCS8, type JWK } from 'jose';
import { type Clock, systemClock } from '../clock.js';
import {
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  type KeySet,
  type SigningAlgorithm,
  type SigningKey,
} from './keys.js';

// Where signing keys come from so that a restart, and every instance, signs and verifies with the
// same ones: an environment variable, a file, or the store. A key is published (in the JWKS, and
// verifying) from the moment it is stored, signs from `activatesAt`, and verifies until `expiresAt`.

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

const ALGORITHMS: readonly SigningAlgorithm[] = ['EdDSA', 'ES256', 'HS256'];
/** Node's timers hold at most 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
export const DEFAULT_RELOAD_INTERVAL_MS = 60_000;
export const DEFAULT_UNKNOWN_KID_RELOAD_INTERVAL_MS = 30_000;
export const DEFAULT_PUBLISH_FOR_SECONDS = 3600;
export const DEFAULT_OVERLAP_SECONDS = 86_400;

// --- reading keys from text -----------------------------------------------------------------------

// Seconds in JSON: a key may sign up to a second early (never after its time, nor
// stop verifying before it), a difference no rotation notices.
const floorSeconds = (ms: number) => Math.floor(ms / 1000);
const ceilSeconds = (ms: number) => Math.ceil(ms / 1000);

/**
 * The JSON form of stored keys (a file, an environment variable): `{ "keys": [jwk, …] }`, each a
 * private JWK with `kid` and `alg`, and, for its schedule, `iat` (created), `nbf` (signs from) and
 * `exp` (verifies until), NumericDates (seconds).
 */
export function formatStoredKeys(keys: readonly StoredSigningKey[]): string {
  const entries = keys.map((key) => ({
    ...key.jwk,
    kid: key.kid,
    alg: key.alg,
    iat: floorSeconds(key.createdAt),
    nbf: floorSeconds(key.activatesAt),
    ...(key.expiresAt === null ? {} : { exp: ceilSeconds(key.expiresAt) }),
  }));
  return `${JSON.stringify({ keys: entries }, null, 2)}\n`;
}

function bad(source: string, reason: string): SigningKeyConfigError {
  return new SigningKeyConfigError(`${source}: ${reason}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function optionalSeconds(entry: Record<string, unknown>, name: string, source: string): number | undefined {
  const value = entry[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw bad(source, `"${name}" of a key is not a NumericDate`);
  }
  return value * 1000;
}

async function storedFromJwk(entry: Record<string, unknown>, source: string): Promise<StoredSigningKey> {
  const { iat: _iat, nbf: _nbf, exp: _exp, ...jwk } = entry as JWK & Record<string, unknown>;
  if (typeof jwk.kty !== 'string') throw bad(source, 'a key has no "kty": not a JWK');
  if (jwk.alg !== undefined && !ALGORITHMS.includes(jwk.alg as SigningAlgorithm)) {
    throw bad(source, `unsupported "alg" (use ${ALGORITHMS.join(', ')})`);
  }
  // Without a kid every instance must still name the key the same: its RFC 7638 thumbprint.
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : await thumbprint(jwk, source);
  let key: SigningKey;
  try {
    key = await importSigningKey(jwk, { kid });
  } catch (error) {
    // importSigningKey's own messages name no key material; anything else (node:crypto) is replaced.
    const reason = error instanceof TypeError ? error.message : 'the key cannot be imported';
    throw bad(source, `${reason} (a private JWK: OKP Ed25519, EC P-256 or oct of 32+ bytes)`);
  }
  return {
    kid,
    alg: key.alg,
    jwk: await exportSigningKey(key),
    createdAt: optionalSeconds(entry, 'iat', source) ?? 0,
    activatesAt: optionalSeconds(entry, 'nbf', source) ?? 0,
    expiresAt: optionalSeconds(entry, 'exp', source) ?? null,
  };
}

async function thumbprint(jwk: JWK, source: string): Promise<string> {
  try {
    return await calculateJwkThumbprint(jwk);
  } catch {
    throw bad(source, 'the key lacks the members of its type: not a valid JWK');
  }
}

async function storedFromPem(text: string, source: string): Promise<StoredSigningKey> {
  let imported: Awaited<ReturnType<typeof importPKCS8>> | undefined;
  let alg: SigningAlgorithm | undefined;
  for (const candidate of ['ES256', 'EdDSA'] as const) {
    try {
      imported = await importPKCS8(text, candidate, { extractable: true });
      alg = candidate;
      break;
    } catch {
      // not this algorithm's key type: try the next
    }
  }
  if (imported === undefined || alg === undefined) {
    throw bad(source, 'not a PKCS#8 private key of EC P-256 or Ed25519 ("-----BEGIN PRIVATE KEY-----")');
  }
  const jwk = await exportJWK(imported);
  return storedFromJwk({ ...jwk, alg }, source);
}

/**
 * Reads keys from text: a private JWK, a PKCS#8 PEM, or `{ "keys": [jwk, …] }` (the format of
 * `formatStoredKeys`, where `nbf`/`exp` schedule a rotation). `source` names the text in errors;
 * no error ever quotes the text.
 */
export async function parseSigningKeys(text: string, source: string): Promise<StoredSigningKey[]> {
  const trimmed = text.trim();
  if (trimmed === '') throw bad(source, 'empty');
  // Secrets managers and .env files often hold a PEM on one line, its newlines written `\n`.
  if (trimmed.startsWith('-----BEGIN')) return [await storedFromPem(trimmed.replaceAll('\\n', '\n'), source)];
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    // JSON.parse's message quotes the text: never pass it on.
    throw bad(source, 'neither JSON (a JWK or {"keys": [...]}) nor a PEM private key');
  }
  if (!isObject(value)) throw bad(source, 'not a JSON object');
  if (!('keys' in value)) return [await storedFromJwk(value, source)];
  const list = value.keys;
  if (!Array.isArray(list) || list.length === 0) throw bad(source, '"keys" is not a non-empty array');
  const keys: StoredSigningKey[] = [];
  const kids = new Set<string>();
  for (const entry of list) {
    if (!isObject(entry)) throw bad(source, 'an entry of "keys" is not an object');
    const key = await storedFromJwk(entry, source);
    if (kids.has(key.kid)) throw bad(source, `two keys have the kid ${key.kid}`);
    kids.add(key.kid);
    keys.push(key);
  }
  return keys;
}

// --- which key does what, when --------------------------------------------------------------------

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

interface LiveKeySetOptions {
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
class ScheduledKeySet implements LiveKeySet {
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

  async jwks(): Promise<{ keys: JWK[] }> {
    const published: JWK[] = [];
    for (const key of this.#state.keys) {
      if (key.alg === 'HS256') continue;
      published.push({ ...(await exportJWK(key.publicKey)), kid: key.kid, alg: key.alg, use: 'sig' });
    }
    return { keys: published };
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

// --- the sources ----------------------------------------------------------------------------------

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

const NOT_FOUND = 'ENOENT';
const errorCode = (error: unknown) => (error as { code?: unknown }).code;

/** Writes `text` to a new file beside `target`, mode 0600, flushed to disk. Returns its path. */
async function writeTemp(target: string, text: string): Promise<string> {
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/**
 * Keys in a JSON file (`formatStoredKeys`'s format), mode 0600. Created atomically: the first key is
 * written to a temporary file and hard-linked into place, which fails if another process got there
 * first (that one's key is then used). Rotations replace the file atomically (rename).
 */
export function fileKeyStore(file: string): SigningKeyStore {
  const list = async (): Promise<StoredSigningKey[]> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (errorCode(error) === NOT_FOUND) return [];
      throw error;
    }
    return parseSigningKeys(text, file);
  };
  return {
    list,
    async addFirst(key) {
      const temp = await writeTemp(file, formatStoredKeys([key]));
      try {
        await link(temp, file);
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      } finally {
        await unlink(temp);
      }
    },
    async rotate({ key, now, retireAt }) {
      const kept = (await list())
        .filter((stored) => stored.expiresAt === null || stored.expiresAt > now)
        .map((stored) => (stored.expiresAt === null ? { ...stored, expiresAt: retireAt } : stored));
      const temp = await writeTemp(file, formatStoredKeys([...kept, key]));
      try {
        await rename(temp, file);
      } catch (error) {
        await unlink(temp).catch(() => {});
        throw error;
      }
    },
  };
}
