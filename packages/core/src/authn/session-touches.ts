import type { TokenStore } from '../ports.js';

/** A session's last use is written at most this often from one instance. */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * Sessions' last-used times, written after the response in the background, at most once a minute
 * per session from this instance. Advisory: a lost touch only makes "last used" older.
 */
export interface SessionTouches {
  /** The session was used at `now` (a token of it verified or issued here). */
  note(sessionId: string, now: number): void;
  /** Writes the pending ones now. */
  flush(): void;
}

export function createSessionTouches(
  store: TokenStore,
  onBackgroundError: (error: unknown) => void,
): SessionTouches {
  // When each session was last touched from here; bounded (cleared when full: a few extra writes).
  const touchedAt = new Map<string, number>();
  const pending = new Map<string, number>();
  const flush = (): void => {
    for (const [id, at] of pending) store.touchSession({ id, at }).catch(onBackgroundError);
    pending.clear();
  };
  return {
    flush,
    note(sessionId, now) {
      const last = touchedAt.get(sessionId);
      if (last !== undefined && now - last < SESSION_TOUCH_INTERVAL_MS) return;
      if (touchedAt.size >= MAX_REMEMBERED) touchedAt.clear();
      touchedAt.set(sessionId, now);
      // After the response is on its way, as UAT touches are.
      if (pending.size === 0) setImmediate(flush);
      pending.set(sessionId, now);
    },
  };
}
