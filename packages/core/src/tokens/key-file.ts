// A key store in one file, created atomically (mode 0600) and replaced atomically on rotation.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { formatStoredKeys, parseSigningKeys } from './key-text.js';
import type { SigningKeyStore, StoredSigningKey } from './signing-key-store.js';

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
