import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { availableSqliteDrivers } from '../src/index.js';

/** A fresh directory under the OS temp dir, and a function that removes it. */
export function tempDir(): { readonly dir: string; readonly remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-sqlite-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The drivers the store's tests run against: each one that works in the running Node (driver.test.ts
 * checks the list is the one this Node should have, so a driver cannot silently drop out).
 */
export const DRIVERS = availableSqliteDrivers();
