import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SessionState } from './state.js';
import type { TokenStorage } from './storage.js';

/**
 * A JSON file readable by its owner only (0600, in a directory created 0700). Writes go to a
 * temporary file renamed over the old one, so a reader never sees half a session. Several
 * processes may share it: a session reads it again before refreshing and adopts a newer token
 * another process stored (it does not lock: two refreshing at the very same instant can still
 * collide on a rotating refresh token).
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
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
        await chmod(temporary, 0o600); // whatever the umask
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
    async clear() {
      await rm(path, { force: true });
    },
  };
}
