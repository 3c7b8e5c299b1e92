import { TollgateError } from '../errors.js';
import { createScryptPasswordHasher, type PasswordHasher } from '../operations/password-hashing.js';
import { type DirectorySeed, type UserDirectory, type UserLifecycle, usernameKey } from '../ports.js';
import type { Environment, UserRecord } from '../types.js';

export interface MemoryUserDirectoryOptions {
  /** Hashes the seed's passwords and verifies logins; scrypt with OWASP parameters by default. */
  readonly passwordHasher?: PasswordHasher;
}

/**
 * An in-process `UserDirectory` built from a seed (the demo data file has its shape), with a
 * `lifecycle` that creates users, sets passwords and disables users in memory (nothing survives a
 * restart). Plaintext passwords, the seed's and new ones, are hashed here and then forgotten.
 */
export async function createMemoryUserDirectory(
  seed: DirectorySeed,
  options: MemoryUserDirectoryOptions = {},
): Promise<UserDirectory> {
  const hasher = options.passwordHasher ?? createScryptPasswordHasher();
  const organisations = new Map(seed.organisations.map((o) => [o.id, o]));
  const byId = new Map<string, { user: UserRecord; passwordHash: string }>();
  const idByUsername = new Map<string, string>();

  const userRecord = (
    entry: Pick<DirectorySeed['users'][number], 'id' | 'username' | 'email' | 'kind'> & {
      readonly roles?: readonly string[] | undefined;
      readonly permissions?: readonly string[] | undefined;
      readonly environments?: readonly string[] | undefined;
    },
    organisation: DirectorySeed['organisations'][number],
  ): UserRecord =>
    Object.freeze({
      id: entry.id,
      username: entry.username,
      email: entry.email,
      kind: entry.kind,
      customerId: organisation.id,
      domain: organisation.domain,
      roles: Object.freeze([...(entry.roles ?? [])]),
      permissions: Object.freeze([...(entry.permissions ?? [])]),
      environments: Object.freeze([...(entry.environments ?? [])]),
      disabled: false,
    });

  for (const entry of seed.users) {
    const organisation = organisations.get(entry.organisationId);
    if (!organisation) throw new Error(`User ${entry.id} names an unknown organisation`);
    const key = usernameKey(entry.username);
    if (byId.has(entry.id) || idByUsername.has(key)) throw new Error(`User ${entry.id} is not unique`);
    byId.set(entry.id, {
      user: userRecord(entry, organisation),
      passwordHash: await hasher.hash(entry.password),
    });
    idByUsername.set(key, entry.id);
  }
  const environments: readonly Environment[] = Object.freeze(
    seed.environments.map((e) => Object.freeze({ id: e.id, name: e.name })),
  );
  const permissions: readonly string[] = Object.freeze([...seed.permissions]);

  const byUsername = (username: string) => {
    const id = idByUsername.get(usernameKey(username));
    return id === undefined ? undefined : byId.get(id);
  };

  const lifecycle: UserLifecycle = {
    async createUser(user) {
      const organisation = organisations.get(user.organisationId);
      if (!organisation) throw new TollgateError('malformed_request', { message: 'Unknown organisation' });
      const key = usernameKey(user.username);
      if (idByUsername.has(key)) throw new TollgateError('user_exists');
      if (byId.has(user.id)) throw new Error('A user with this id already exists');
      const passwordHash = await hasher.hash(user.password);
      // Checked again after the hashing awaited: another createUser may have taken the name meanwhile.
      if (idByUsername.has(key)) throw new TollgateError('user_exists');
      if (byId.has(user.id)) throw new Error('A user with this id already exists');
      const record = userRecord(user, organisation);
      byId.set(user.id, { user: record, passwordHash });
      idByUsername.set(key, user.id);
      return record;
    },
    async setPassword({ userId, password }) {
      if (!byId.has(userId)) return false;
      const passwordHash = await hasher.hash(password);
      const entry = byId.get(userId);
      if (!entry) return false;
      entry.passwordHash = passwordHash;
      return true;
    },
    async setDisabled({ userId, disabled }) {
      const entry = byId.get(userId);
      if (!entry) return false;
      if (entry.user.disabled !== disabled) entry.user = Object.freeze({ ...entry.user, disabled });
      return true;
    },
  };

  return {
    async findUserById(id) {
      return byId.get(id)?.user ?? null;
    },
    async findUserByUsername(username) {
      return byUsername(username)?.user ?? null;
    },
    async verifyPassword(username, password) {
      const entry = byUsername(username);
      // An unknown or disabled user costs one hash verification too, so timing tells nothing.
      if (!entry || entry.user.disabled) {
        await hasher.verifyDummy(password);
        return null;
      }
      const { user, passwordHash } = entry;
      return (await hasher.verify(password, passwordHash)) ? user : null;
    },
    async listEnvironments() {
      return environments;
    },
    async listPermissions() {
      return permissions;
    },
    lifecycle,
  };
}
