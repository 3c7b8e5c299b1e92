import {
  SIGNING_KEY_COLUMNS as COLUMNS,
  type SigningKeyRow,
  type SigningKeyStore,
  type StoredSigningKey,
  signingKeyFromRow,
  signingKeyRowValues,
} from '@tollgate/core';
import type { Connection } from './driver.js';

// The signing keys every instance on this file shares (migration 3). Private keys are stored as JWK
// JSON: whoever can read the database can sign tokens.

/** `SigningKeyStore` on the store's connection: each write is one transaction, so atomic. */
export function createSqliteSigningKeyStore(db: Connection): SigningKeyStore {
  const list = db.prepare<[], SigningKeyRow>(
    `SELECT ${COLUMNS} FROM signing_keys ORDER BY activates_at, kid`,
  );
  // One statement: SQLite runs one writer at a time, so of two instances racing only one inserts.
  const addFirst = db.prepare(
    `INSERT INTO signing_keys (${COLUMNS}) SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM signing_keys)`,
  );
  const removeExpired = db.prepare<[number]>(
    'DELETE FROM signing_keys WHERE expires_at IS NOT NULL AND expires_at <= ?',
  );
  const retire = db.prepare<[number]>('UPDATE signing_keys SET expires_at = ? WHERE expires_at IS NULL');
  const insert = db.prepare(`INSERT INTO signing_keys (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`);
  const rotate = db.transaction((key: StoredSigningKey, now: number, retireAt: number) => {
    removeExpired.run(now);
    retire.run(retireAt);
    insert.run(...signingKeyRowValues(key));
  });
  return {
    async list() {
      return list.all().map(signingKeyFromRow);
    },
    async addFirst(key) {
      addFirst.run(...signingKeyRowValues(key));
    },
    async rotate({ key, now, retireAt }) {
      rotate.immediate(key, now, retireAt);
    },
  };
}
