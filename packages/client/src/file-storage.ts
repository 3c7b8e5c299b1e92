import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { SessionState } from './state.js';
import type { TokenStorage } from './storage.js';

/**
 * A JSON file readable by its owner only (0600, in a directory created 0700). Writes go through
 * `write-file-atomic` (a temporary file, fsynced, renamed over the old one), so a reader never sees
 * half a session. Several processes may share it: a session reads it again before refreshing and
 * adopts a newer token another process stored (it does not lock: two refreshing at the very same
 * instant can still collide on a rotating refresh token).
 */
export function createFileStorage<T = SessionState>(path: string): TokenStorage<T> {
  return {
    async get() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      try {
        return JSON.parse(text) as T;
      } catch {
        return null;
      }
    },
    async set(value) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      // An explicit mode: created with it and chmod-ed to it, whatever the umask or the old file's mode.
      await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    },
    async clear() {
      await rm(path, { force: true });
    },
  };
}
