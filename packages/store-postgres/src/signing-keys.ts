import {
  SIGNING_KEY_COLUMNS as COLUMNS,
  type SigningKeyRow,
  type SigningKeyStore,
  type StoredSigningKey,
  signingKeyFromRow,
  signingKeyRowValues,
} from '@tollgate/core';
import { advisoryLockKey, type Database, type Session } from './database.js';

// The signing keys every instance on this schema shares (migration 3). Private keys are stored as
// JWK JSON: whoever can read the schema can sign tokens.

/**
 * `SigningKeyStore` on the store's pool. Writes take a transaction-scoped advisory lock of their own
 * for this schema: instances starting together on an empty schema store one first key, and two
 * rotations never interleave.
 */
export function createPostgresSigningKeyStore(db: Database): SigningKeyStore {
  const lock = (session: Session) =>
    session.query('SELECT pg_advisory_xact_lock($1::bigint)', [
      advisoryLockKey('signing-keys', db.schemaName),
    ]);
  return {
    async list() {
      const { rows } = await db.run((session) =>
        session.query<SigningKeyRow>(
          `SELECT ${COLUMNS} FROM ${db.schema}.signing_keys ORDER BY activates_at, kid COLLATE "C"`,
        ),
      );
      return rows.map(signingKeyFromRow);
    },
    async addFirst(key) {
      await db.transaction(async (session) => {
        await lock(session);
        const { rowCount } = await session.query(`SELECT 1 FROM ${db.schema}.signing_keys LIMIT 1`);
        if (rowCount === 0) await insertInto(session, db.schema, key);
      });
    },
    async rotate({ key, now, retireAt }) {
      await db.transaction(async (session) => {
        await lock(session);
        await session.query(
          `DELETE FROM ${db.schema}.signing_keys WHERE expires_at IS NOT NULL AND expires_at <= $1`,
          [now],
        );
        await session.query(`UPDATE ${db.schema}.signing_keys SET expires_at = $1 WHERE expires_at IS NULL`, [
          retireAt,
        ]);
        await insertInto(session, db.schema, key);
      });
    },
  };
}

const insertInto = (session: Session, schema: string, key: StoredSigningKey) =>
  session.query(`INSERT INTO ${schema}.signing_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [
    ...signingKeyRowValues(key),
  ]);
