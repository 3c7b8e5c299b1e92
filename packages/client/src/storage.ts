import type { SessionState } from './state.js';

/**
 * Where a session keeps its tokens. One storage holds one session. Every method may be async.
 * `get` may return something that is not a session (a stale format): `resume` checks it.
 */
export interface TokenStorage<T = SessionState> {
  get(): T | null | Promise<T | null>;
  set(value: T): void | Promise<void>;
  clear(): void | Promise<void>;
}

/** The default: in memory, gone with the process or the page. */
export function createMemoryStorage<T = SessionState>(initial: T | null = null): TokenStorage<T> {
  let value = initial;
  return {
    get: () => value,
    set: (next) => {
      value = next;
    },
    clear: () => {
      value = null;
    },
  };
}

/** The part of the Web Storage API used (`window.localStorage`, `sessionStorage`). */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface WebStorageOptions {
  /** Default `tollgate.session`. */
  readonly key?: string;
  /** Default `globalThis.localStorage`. Pass `sessionStorage` to forget on tab close. */
  readonly storage?: WebStorageLike;
}

/**
 * A browser's `localStorage` (or any Web Storage). Shared by the tabs of one origin, so a tab
 * that rotates a refresh token leaves the new one for the others (a session reads the storage
 * again before refreshing). Anything that can run script on the origin can read it: prefer
 * memory storage, or the server's HttpOnly session cookie, where that matters.
 */
export function createLocalStorage<T = SessionState>(options: WebStorageOptions = {}): TokenStorage<T> {
  const key = options.key ?? 'tollgate.session';
  const storage = (): WebStorageLike => {
    const found = options.storage ?? (globalThis as { localStorage?: WebStorageLike }).localStorage;
    if (!found) throw new TypeError('no localStorage here: pass `storage`');
    return found;
  };
  return {
    get: () => {
      const text = storage().getItem(key);
      if (text === null) return null;
      try {
        return JSON.parse(text) as T;
      } catch {
        return null;
      }
    },
    set: (value) => storage().setItem(key, JSON.stringify(value)),
    clear: () => storage().removeItem(key),
  };
}
