import type { NewUser, UserLifecycle } from '@tollgate/core';
import {
  type DirectorySeed,
  type PasswordHasher,
  TollgateError,
  type UserDirectory,
  type UserRecord,
  usernameKey,
} from '@tollgate/core';
import { advisoryLockKey, type Database, type Session } from './database.js';
import { toStringArray } from './json.js';

interface UserRow {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly kind: UserRecord['kind'];
  readonly organisation_id: string;
  readonly domain: string;
  readonly roles: unknown;
  readonly permissions: unknown;
  readonly environments: unknown;
  readonly disabled: boolean;
  readonly password_hash: string;
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    kind: row.kind,
    customerId: row.organisation_id,
    domain: row.domain,
    roles: toStringArray(row.roles, 'users.roles'),
    permissions: toStringArray(row.permissions, 'users.permissions'),
    environments: toStringArray(row.environments, 'users.environments'),
    disabled: row.disabled,
  };
}

/** The SQLSTATE and constraint of an error PostgreSQL answered with (duck-typed: any copy of pg). */
function violation(error: unknown): { readonly code: unknown; readonly constraint: unknown } {
  if (typeof error !== 'object' || error === null) return { code: undefined, constraint: undefined };
  return { code: Reflect.get(error, 'code'), constraint: Reflect.get(error, 'constraint') };
}

export interface PostgresUserDirectory {
  readonly directory: UserDirectory;
  seed(seed: DirectorySeed): Promise<{ seeded: boolean }>;
}

export function createPostgresUserDirectory(db: Database, hasher: PasswordHasher): PostgresUserDirectory {
  const s = db.schema;
  const userSelect = `
    SELECT u.id, u.username, u.email, u.kind, u.organisation_id, o.domain, u.roles, u.permissions,
           u.environments, u.disabled, u.password_hash
    FROM ${s}.users u JOIN ${s}.organisations o ON o.id = u.organisation_id`;
  const sql = {
    byId: `${userSelect} WHERE u.id = $1`,
    byUsername: `${userSelect} WHERE u.username_key = $1`,
    environments: `SELECT id, name FROM ${s}.environments ORDER BY position`,
    permissions: `SELECT name FROM ${s}.permissions ORDER BY position`,
    isEmpty: `SELECT NOT (EXISTS (SELECT 1 FROM ${s}.users) OR EXISTS (SELECT 1 FROM ${s}.organisations)
      OR EXISTS (SELECT 1 FROM ${s}.environments) OR EXISTS (SELECT 1 FROM ${s}.permissions)) AS empty`,
    // Each catalogue in one statement, however large the seed: rows travel as one jsonb array.
    insertOrganisations: `INSERT INTO ${s}.organisations (id, name, domain)
      SELECT id, name, domain FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, domain text)`,
    insertEnvironments: `INSERT INTO ${s}.environments (id, name, position)
      SELECT id, name, position FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, position integer)`,
    insertPermissions: `INSERT INTO ${s}.permissions (name, position)
      SELECT name, position FROM jsonb_to_recordset($1::jsonb) AS x(name text, position integer)`,
    insertUsers: `INSERT INTO ${s}.users (id, username, username_key, email, password_hash, kind,
        organisation_id, roles, permissions, environments)
      SELECT id, username, username_key, email, password_hash, kind, organisation_id, roles, permissions,
        environments
      FROM jsonb_to_recordset($1::jsonb) AS x(id text, username text, username_key text, email text,
        password_hash text, kind text, organisation_id text, roles jsonb, permissions jsonb, environments jsonb)`,
    newUserRefusal: `SELECT NOT EXISTS (SELECT 1 FROM ${s}.organisations WHERE id = $1) AS unknown_organisation,
      EXISTS (SELECT 1 FROM ${s}.users WHERE username_key = $2) AS username_taken`,
    insertUser: `INSERT INTO ${s}.users (id, username, username_key, email, password_hash, kind, organisation_id,
        roles, permissions, environments)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    userExists: `SELECT 1 FROM ${s}.users WHERE id = $1`,
    setPassword: `UPDATE ${s}.users SET password_hash = $2 WHERE id = $1`,
    // A row whose value is already the one asked for still counts as updated: true, and nothing differs.
    setDisabled: `UPDATE ${s}.users SET disabled = $2 WHERE id = $1`,
  };

  const unknownOrganisation = (): TollgateError =>
    new TollgateError('malformed_request', { message: 'The organisation does not exist.' });

  /** Refuses early, before the (deliberately slow) hashing; the insert's constraints decide races. */
  const checkNewUser = async (user: NewUser): Promise<void> => {
    const row = (
      await db.run((session) =>
        session.query<{ unknown_organisation: boolean; username_taken: boolean }>(sql.newUserRefusal, [
          user.organisationId,
          usernameKey(user.username),
        ]),
      )
    ).rows[0];
    if (row?.unknown_organisation) throw unknownOrganisation();
    if (row?.username_taken) throw new TollgateError('user_exists');
  };

  const lifecycle: UserLifecycle = {
    async createUser(user) {
      await checkNewUser(user);
      const passwordHash = await hasher.hash(user.password);
      try {
        await db.run((session) =>
          session.query(sql.insertUser, [
            user.id,
            user.username,
            usernameKey(user.username),
            user.email,
            passwordHash,
            user.kind,
            user.organisationId,
            JSON.stringify(user.roles ?? []),
            JSON.stringify(user.permissions ?? []),
            JSON.stringify(user.environments ?? []),
          ]),
        );
      } catch (error) {
        // Another instance took the username, or removed the organisation, while we hashed.
        const { code, constraint } = violation(error);
        if (code === '23505' && constraint === 'users_username_key_key')
          throw new TollgateError('user_exists');
        if (code === '23503' && constraint === 'users_organisation_id_fkey') throw unknownOrganisation();
        throw error;
      }
      const created = await directory.findUserById(user.id);
      if (!created) throw new Error('the user just created is missing');
      return created;
    },
    async setPassword({ userId, password }) {
      // Skip the (deliberately slow) hashing for an unknown user.
      if ((await db.run((session) => session.query(sql.userExists, [userId]))).rowCount === 0) return false;
      const passwordHash = await hasher.hash(password);
      return (
        (await db.run((session) => session.query(sql.setPassword, [userId, passwordHash]))).rowCount === 1
      );
    },
    async setDisabled({ userId, disabled }) {
      return (await db.run((session) => session.query(sql.setDisabled, [userId, disabled]))).rowCount === 1;
    },
  };

  const isEmpty = async (session: Session): Promise<boolean> =>
    (await session.query<{ empty: boolean }>(sql.isEmpty)).rows[0]?.empty === true;

  const findByUsername = (username: string): Promise<UserRow | undefined> =>
    db.run(
      async (session) => (await session.query<UserRow>(sql.byUsername, [usernameKey(username)])).rows[0],
    );

  const directory: UserDirectory = {
    findUserById(id) {
      return db.run(async (session) => {
        const row = (await session.query<UserRow>(sql.byId, [id])).rows[0];
        return row ? toUser(row) : null;
      });
    },
    async findUserByUsername(username) {
      const row = await findByUsername(username);
      return row ? toUser(row) : null;
    },
    async verifyPassword(username, password) {
      const row = await findByUsername(username);
      // An unknown or disabled user costs one hash verification too, so timing tells nothing.
      if (!row || row.disabled) {
        await hasher.verifyDummy(password);
        return null;
      }
      return (await hasher.verify(password, row.password_hash)) ? toUser(row) : null;
    },
    listEnvironments() {
      return db.run(async (session) =>
        (await session.query<{ id: string; name: string }>(sql.environments)).rows.map((e) => ({
          id: e.id,
          name: e.name,
        })),
      );
    },
    listPermissions() {
      return db.run(async (session) =>
        (await session.query<{ name: string }>(sql.permissions)).rows.map((p) => p.name),
      );
    },
    lifecycle,
  };

  return {
    directory,
    async seed(seed) {
      // Skip the (deliberately slow) hashing on every start but the first.
      if (!(await db.run(isEmpty))) return { seeded: false };
      const passwordHashes: string[] = [];
      for (const user of seed.users) passwordHashes.push(await hasher.hash(user.password));
      const users = seed.users.map((u, i) => ({
        id: u.id,
        username: u.username,
        username_key: usernameKey(u.username),
        email: u.email,
        password_hash: passwordHashes[i],
        kind: u.kind,
        organisation_id: u.organisationId,
        roles: u.roles,
        permissions: u.permissions,
        environments: u.environments,
      }));
      const seeded = await db.transaction(async (session) => {
        // One seeder at a time per schema, and the emptiness checked again under the lock: another
        // process may have seeded while we hashed.
        await session.query('SELECT pg_advisory_xact_lock($1::bigint)', [
          advisoryLockKey('seed', db.schemaName),
        ]);
        if (!(await isEmpty(session))) return false;
        await session.query(sql.insertOrganisations, [JSON.stringify(seed.organisations)]);
        await session.query(sql.insertEnvironments, [
          JSON.stringify(seed.environments.map((e, position) => ({ id: e.id, name: e.name, position }))),
        ]);
        await session.query(sql.insertPermissions, [
          JSON.stringify(seed.permissions.map((name, position) => ({ name, position }))),
        ]);
        await session.query(sql.insertUsers, [JSON.stringify(users)]);
        return true;
      });
      return { seeded };
    },
  };
}
