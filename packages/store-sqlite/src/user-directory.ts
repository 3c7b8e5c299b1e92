import type { NewUser, UserLifecycle } from '@tollgate/core';
import {
  type DirectorySeed,
  type Environment,
  type PasswordHasher,
  TollgateError,
  type UserDirectory,
  type UserRecord,
  usernameKey,
} from '@tollgate/core';
import type { Connection } from './driver.js';
import { parseStringArray } from './json.js';

interface UserRow {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly kind: UserRecord['kind'];
  readonly organisation_id: string;
  readonly domain: string;
  readonly roles: string;
  readonly permissions: string;
  readonly environments: string;
  readonly disabled: number;
  readonly password_hash: string;
}

const USER_SELECT = `
  SELECT u.id, u.username, u.email, u.kind, u.organisation_id, o.domain, u.roles, u.permissions,
         u.environments, u.disabled, u.password_hash
  FROM users u JOIN organisations o ON o.id = u.organisation_id`;

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    kind: row.kind,
    customerId: row.organisation_id,
    domain: row.domain,
    roles: parseStringArray(row.roles, 'users.roles'),
    permissions: parseStringArray(row.permissions, 'users.permissions'),
    environments: parseStringArray(row.environments, 'users.environments'),
    disabled: row.disabled === 1,
  };
}

export interface SqliteUserDirectory {
  readonly directory: UserDirectory;
  seed(seed: DirectorySeed): Promise<{ seeded: boolean }>;
}

export function createSqliteUserDirectory(db: Connection, hasher: PasswordHasher): SqliteUserDirectory {
  const statements = {
    byId: db.prepare<[string], UserRow>(`${USER_SELECT} WHERE u.id = ?`),
    byUsername: db.prepare<[string], UserRow>(`${USER_SELECT} WHERE u.username_key = ?`),
    environments: db.prepare<[], Environment>('SELECT id, name FROM environments ORDER BY position'),
    permissions: db.prepare<[], { readonly name: string }>('SELECT name FROM permissions ORDER BY position'),
    isEmpty: db.prepare<[], { readonly empty: number }>(
      `SELECT NOT (EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM organisations)
        OR EXISTS (SELECT 1 FROM environments) OR EXISTS (SELECT 1 FROM permissions)) AS empty`,
    ),
    insertOrganisation: db.prepare<[string, string, string]>(
      'INSERT INTO organisations (id, name, domain) VALUES (?, ?, ?)',
    ),
    insertEnvironment: db.prepare<[string, string, number]>(
      'INSERT INTO environments (id, name, position) VALUES (?, ?, ?)',
    ),
    insertPermission: db.prepare<[string, number]>('INSERT INTO permissions (name, position) VALUES (?, ?)'),
    insertUser: db.prepare<[string, string, string, string, string, string, string, string, string, string]>(
      `INSERT INTO users (id, username, username_key, email, password_hash, kind, organisation_id,
                          roles, permissions, environments)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    organisationExists: db.prepare<[string], { readonly found: number }>(
      'SELECT 1 AS found FROM organisations WHERE id = ?',
    ),
    usernameTaken: db.prepare<[string], { readonly found: number }>(
      'SELECT 1 AS found FROM users WHERE username_key = ?',
    ),
    userExists: db.prepare<[string], { readonly found: number }>('SELECT 1 AS found FROM users WHERE id = ?'),
    setPassword: db.prepare<[string, string]>('UPDATE users SET password_hash = ? WHERE id = ?'),
    // A row whose value is already the one asked for still counts as changed: true, and nothing differs.
    setDisabled: db.prepare<[number, string]>('UPDATE users SET disabled = ? WHERE id = ?'),
  };

  /** The refusals of createUser, checked before the hashing and again under the write lock. */
  const checkNewUser = (user: NewUser): void => {
    if (!statements.organisationExists.get(user.organisationId)) {
      throw new TollgateError('malformed_request', { message: 'The organisation does not exist.' });
    }
    if (statements.usernameTaken.get(usernameKey(user.username))) throw new TollgateError('user_exists');
  };

  const insertUser = db.transaction((user: NewUser & { readonly id: string }, passwordHash: string): void => {
    checkNewUser(user);
    statements.insertUser.run(
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
    );
  });

  const lifecycle: UserLifecycle = {
    async createUser(user) {
      checkNewUser(user);
      const passwordHash = await hasher.hash(user.password);
      insertUser.immediate(user, passwordHash);
      const row = statements.byId.get(user.id);
      if (!row) throw new Error('the user just created is missing');
      return toUser(row);
    },
    async setPassword({ userId, password }) {
      // Skip the (deliberately slow) hashing for an unknown user.
      if (!statements.userExists.get(userId)) return false;
      const passwordHash = await hasher.hash(password);
      return statements.setPassword.run(passwordHash, userId).changes === 1;
    },
    async setDisabled({ userId, disabled }) {
      return statements.setDisabled.run(disabled ? 1 : 0, userId).changes === 1;
    },
  };

  const isEmpty = (): boolean => statements.isEmpty.get()?.empty === 1;

  const insertSeed = db.transaction((seed: DirectorySeed, passwordHashes: readonly string[]): boolean => {
    // Checked again under the write lock: another opener may have seeded while we hashed.
    if (!isEmpty()) return false;
    for (const o of seed.organisations) statements.insertOrganisation.run(o.id, o.name, o.domain);
    for (const [i, e] of seed.environments.entries()) statements.insertEnvironment.run(e.id, e.name, i);
    for (const [i, p] of seed.permissions.entries()) statements.insertPermission.run(p, i);
    for (const [i, u] of seed.users.entries()) {
      const passwordHash = passwordHashes[i];
      if (passwordHash === undefined) throw new Error('missing password hash');
      statements.insertUser.run(
        u.id,
        u.username,
        usernameKey(u.username),
        u.email,
        passwordHash,
        u.kind,
        u.organisationId,
        JSON.stringify(u.roles),
        JSON.stringify(u.permissions),
        JSON.stringify(u.environments),
      );
    }
    return true;
  });

  const directory: UserDirectory = {
    async findUserById(id) {
      const row = statements.byId.get(id);
      return row ? toUser(row) : null;
    },
    async findUserByUsername(username) {
      const row = statements.byUsername.get(usernameKey(username));
      return row ? toUser(row) : null;
    },
    async verifyPassword(username, password) {
      const row = statements.byUsername.get(usernameKey(username));
      // An unknown or disabled user costs one hash verification too, so timing tells nothing.
      if (!row || row.disabled === 1) {
        await hasher.verifyDummy(password);
        return null;
      }
      return (await hasher.verify(password, row.password_hash)) ? toUser(row) : null;
    },
    async listEnvironments() {
      return statements.environments.all().map((e) => ({ id: e.id, name: e.name }));
    },
    async listPermissions() {
      return statements.permissions.all().map((p) => p.name);
    },
    lifecycle,
  };

  return {
    directory,
    async seed(seed) {
      // Skip the (deliberately slow) hashing on every start but the first.
      if (!isEmpty()) return { seeded: false };
      const passwordHashes: string[] = [];
      for (const user of seed.users) passwordHashes.push(await hasher.hash(user.password));
      return { seeded: insertSeed.immediate(seed, passwordHashes) };
    },
  };
}
