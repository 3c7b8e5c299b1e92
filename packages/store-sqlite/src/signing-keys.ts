import type { SigningAlgorithm, SigningKeyStore, StoredSigningKey } from '@tollgate/core';
import type { Connection } from './driver.js';

// The signing keys every instance on this file shares (migration 3). Private keys are stored as JWK
// JSON: whoever can read the database can sign tokens.

interface KeyRow {
  readonly kid: string;
  readonly alg: string;
  readonly private_jwk: string;
  readonly created_at: number;
  readonly activates_at: number;
  readonly expires_at: number | null;
}

const COLUMNS = 'kid, alg, private_jwk, created_at, activates_at, expires_at';

function toKey(row: KeyRow): StoredSigningKey {
  return {
    kid: row.kid,
    alg: row.alg as SigningAlgorithm,
    jwk: JSON.parse(row.private_jwk),
    createdAt: row.created_at,
    activatesAt: row.activates_at,
    expiresAt: row.expires_at,
  };
}

const params = (key: StoredSigningKey) =>
  [
    key.kid,
    key.alg,
    JSON.stringify({ ...key.jwk, kid: key.kid, alg: key.alg }),
    key.createdAt,
    key.activatesAt,
    key.expiresAt,
  ] as const;

/** `SigningKeyStore` on the store's connection: each write is one transaction, so atomic. */
export function createSqliteSigningKeyStore(db: Connection): SigningKeyStore {
  const list = db.prepare<[], KeyRow>(`SELECT ${COLUMNS} FROM signing_keys ORDER BY activates_at, kid`);
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
    insert.run(...params(key));
  });
  return {
    async list() {
      return list.all().map(toKey);
    },
    async addFirst(key) {
      addFirst.run(...params(key));
    },
    async rotate({ key, now, retireAt }) {
      rotate.immediate(key, now, retireAt);
    },
  };
}
