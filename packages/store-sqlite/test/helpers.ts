import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh directory under the OS temp dir, and a function that removes it. */
export function tempDir(): { readonly dir: string; readonly remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-sqlite-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
