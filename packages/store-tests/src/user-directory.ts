import type { DirectorySeed, PasswordHasher, UserDirectory, UserRecord } from '@tollgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CountingPasswordHasher, countCalls, createFastPasswordHasher, demoSeed } from './fixtures.js';

export interface UserDirectoryHandle {
  readonly directory: UserDirectory;
  /** Closes connections and removes files; called after every test, even a failed one. */
  readonly cleanup?: () => Promise<void>;
}

/** Builds a directory holding `seed`, hashing and verifying every password with `hasher`. */
export type UserDirectoryFactory = (
  seed: DirectorySeed,
  hasher: PasswordHasher,
) => Promise<UserDirectoryHandle>;

/** The user record a directory must derive from a seed entry. */
export function expectedUser(seed: DirectorySeed, username: string): UserRecord {
  const entry = seed.users.find((u) => u.username === username);
  const organisation = entry && seed.organisations.find((o) => o.id === entry.organisationId);
  if (!entry || !organisation) throw new Error(`no seed user ${username}`);
  return {
    id: entry.id,
    username: entry.username,
    email: entry.email,
    kind: entry.kind,
    customerId: organisation.id,
    domain: organisation.domain,
    roles: entry.roles,
    permissions: entry.permissions,
    environments: entry.environments,
    disabled: false,
  };
}

const ETHAN = 'ethan.buckley@datastoreltd.biz';
const ETHAN_PASSWORD = 'S0qUx56pW!';

/**
 * The one `UserDirectory` contract, run on the demo data: every implementation runs it unchanged,
 * each test on a fresh directory from `factory`.
 */
export function describeUserDirectoryContract(name: string, factory: UserDirectoryFactory): void {
  describe(`${name}: UserDirectory contract`, () => {
    let handle: UserDirectoryHandle | undefined;
    let directory: UserDirectory;
    let hasher: CountingPasswordHasher;

    beforeEach(async () => {
      hasher = countCalls(createFastPasswordHasher());
      handle = await factory(demoSeed, hasher);
      directory = handle.directory;
      hasher.reset();
    });

    afterEach(async () => {
      const current = handle;
      handle = undefined;
      await current?.cleanup?.();
    });

    it('finds every seed user by id, with customerId and domain from the organisation', async () => {
      for (const entry of demoSeed.users) {
        expect(await directory.findUserById(entry.id)).toStrictEqual(expectedUser(demoSeed, entry.username));
      }
      const bob = await directory.findUserById('2b0c6c1e-3f7a-4e59-9d1c-5a8e4b7f1003');
      expect(bob).toMatchObject({ customerId: '3f1b2a9c-8d4e-4c1a-9b7e-2a6d5c4b3e21', domain: 'acme' });
      const root = await directory.findUserByUsername('root@tollgate.local');
      expect(root).toMatchObject({
        kind: 'administrator',
        customerId: '00000000-0000-4000-8000-000000000001',
        domain: 'operator',
        roles: ['enterprise_admin'],
      });
    });

    it('returns null for an unknown id', async () => {
      expect(await directory.findUserById('00000000-0000-4000-8000-00000000dead')).toBeNull();
      expect(await directory.findUserById('')).toBeNull();
    });

    it('finds a user by username, case-insensitively', async () => {
      const ethan = expectedUser(demoSeed, ETHAN);
      expect(await directory.findUserByUsername(ETHAN)).toStrictEqual(ethan);
      expect(await directory.findUserByUsername(ETHAN.toUpperCase())).toStrictEqual(ethan);
      expect(await directory.findUserByUsername('Ethan.Buckley@DatastoreLtd.BIZ')).toStrictEqual(ethan);
    });

    it('returns null for an unknown username', async () => {
      expect(await directory.findUserByUsername('nobody@datastoreltd.biz')).toBeNull();
      expect(await directory.findUserByUsername(`${ETHAN} `)).toBeNull();
      expect(await directory.findUserByUsername('')).toBeNull();
    });

    it('verifies the right password of every seed user with one hash verification each', async () => {
      for (const entry of demoSeed.users) {
        hasher.reset();
        expect(await directory.verifyPassword(entry.username, entry.password)).toStrictEqual(
          expectedUser(demoSeed, entry.username),
        );
        expect(hasher.calls).toEqual({ hash: 0, verify: 1, verifyDummy: 0 });
      }
    });

    it('matches the username case-insensitively when verifying a password', async () => {
      expect(await directory.verifyPassword(ETHAN.toUpperCase(), ETHAN_PASSWORD)).toStrictEqual(
        expectedUser(demoSeed, ETHAN),
      );
    });

    it('returns null for a wrong password, after one hash verification', async () => {
      expect(await directory.verifyPassword(ETHAN, 'wrong-password')).toBeNull();
      expect(hasher.calls).toEqual({ hash: 0, verify: 1, verifyDummy: 0 });
      hasher.reset();
      // Passwords, unlike usernames, are case-sensitive.
      expect(await directory.verifyPassword(ETHAN, ETHAN_PASSWORD.toLowerCase())).toBeNull();
      expect(await directory.verifyPassword(ETHAN, '')).toBeNull();
      // Another user's password is a wrong password.
      expect(await directory.verifyPassword(ETHAN, 'R3ader!pass')).toBeNull();
    });

    it('returns null for an unknown user after the same work: exactly one hash verification', async () => {
      expect(await directory.verifyPassword('nobody@datastoreltd.biz', ETHAN_PASSWORD)).toBeNull();
      expect(hasher.calls.hash).toBe(0);
      expect(hasher.calls.verify + hasher.calls.verifyDummy).toBe(1);
    });

    it('lists the environment catalogue of the seed', async () => {
      expect(await directory.listEnvironments()).toStrictEqual(demoSeed.environments);
    });

    it('lists the permission catalogue of the seed', async () => {
      expect(await directory.listPermissions()).toStrictEqual(demoSeed.permissions);
    });

    it('holds exactly the seed, whatever seed it is given', async () => {
      const seed: DirectorySeed = {
        organisations: [{ id: 'org-1', name: 'Solo', domain: 'solo' }],
        environments: [{ id: 'dev', name: 'Development' }],
        permissions: ['read'],
        users: [
          {
            id: 'u-1',
            username: 'Solo@Example.test',
            email: 'solo@example.test',
            password: 'Solo!pass1',
            kind: 'customer',
            organisationId: 'org-1',
            roles: ['owner'],
            permissions: ['read'],
            environments: ['dev'],
          },
        ],
      };
      const other = await factory(seed, createFastPasswordHasher());
      try {
        const solo = expectedUser(seed, 'Solo@Example.test');
        expect(await other.directory.findUserByUsername('solo@example.test')).toStrictEqual(solo);
        expect(await other.directory.verifyPassword('SOLO@example.test', 'Solo!pass1')).toStrictEqual(solo);
        expect(await other.directory.findUserByUsername(ETHAN)).toBeNull();
        expect(await other.directory.listEnvironments()).toStrictEqual(seed.environments);
        expect(await other.directory.listPermissions()).toStrictEqual(seed.permissions);
      } finally {
        await other.cleanup?.();
      }
    });
  });
}
