import type { NewUser, UserLifecycle } from '@tollgate/core';
import {
  type DirectorySeed,
  type PasswordHasher,
  TollgateError,
  type UserDirectory,
  type UserRecord,
} from '@tollgate/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CountingPasswordHasher,
  countCalls,
  createFastPasswordHasher,
  demoSeed,
  newId,
} from './fixtures.js';

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
/** Ethan's organisation in the demo data. */
const DATASTORE = () => {
  const ethan = demoSeed.users.find((u) => u.username === ETHAN);
  const organisation = ethan && demoSeed.organisations.find((o) => o.id === ethan.organisationId);
  if (!organisation) throw new Error('no organisation for Ethan in the demo data');
  return organisation;
};

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

    describe('lifecycle', () => {
      function lifecycle(): UserLifecycle {
        const value = directory.lifecycle;
        if (!value) throw new Error('this directory has no lifecycle');
        return value;
      }

      function newUser(overrides: Partial<NewUser & { id: string }> = {}): NewUser & { readonly id: string } {
        return {
          id: newId(),
          username: 'Nina.Okafor@DatastoreLtd.biz',
          email: 'nina.okafor@datastoreltd.biz',
          password: 'N1na!first-pass',
          kind: 'customer',
          organisationId: DATASTORE().id,
          roles: ['company_admin'],
          permissions: ['brand_create'],
          environments: [demoSeed.environments[0]!.id],
          ...overrides,
        };
      }

      it('creates a user, hashing the password once, found by id and username, who can log in', async () => {
        const input = newUser();
        const expected: UserRecord = {
          id: input.id,
          username: input.username,
          email: input.email,
          kind: 'customer',
          customerId: DATASTORE().id,
          domain: DATASTORE().domain,
          roles: ['company_admin'],
          permissions: ['brand_create'],
          environments: [demoSeed.environments[0]!.id],
          disabled: false,
        };
        expect(await lifecycle().createUser(input)).toStrictEqual(expected);
        expect(hasher.calls.hash).toBe(1);
        expect(await directory.findUserById(input.id)).toStrictEqual(expected);
        expect(await directory.findUserByUsername('nina.okafor@datastoreltd.biz')).toStrictEqual(expected);
        expect(await directory.verifyPassword('NINA.OKAFOR@datastoreltd.biz', input.password)).toStrictEqual(
          expected,
        );
        expect(await directory.verifyPassword(input.username, 'N1na!wrong')).toBeNull();
        // The seed is still there.
        expect(await directory.findUserByUsername(ETHAN)).toStrictEqual(expectedUser(demoSeed, ETHAN));
      });

      it('gives a user created without roles, permissions or environments none', async () => {
        const { roles: _r, permissions: _p, environments: _e, ...input } = newUser({ kind: 'administrator' });
        const created = await lifecycle().createUser(input);
        expect(created).toMatchObject({
          kind: 'administrator',
          roles: [],
          permissions: [],
          environments: [],
        });
        expect(await directory.findUserById(input.id)).toStrictEqual(created);
      });

      it('refuses a taken username (whatever its case) with user_exists, changing nothing', async () => {
        const first = await lifecycle().createUser(newUser());
        for (const username of [first.username, first.username.toUpperCase(), ETHAN.toUpperCase()]) {
          const attempt = lifecycle().createUser(newUser({ username, password: 'Other!pass2' }));
          await expect(attempt).rejects.toBeInstanceOf(TollgateError);
          await expect(attempt).rejects.toMatchObject({ code: 'user_exists' });
        }
        expect(await directory.findUserByUsername(first.username)).toStrictEqual(first);
        expect(await directory.verifyPassword(first.username, 'N1na!first-pass')).toStrictEqual(first);
        expect(await directory.verifyPassword(ETHAN, ETHAN_PASSWORD)).toStrictEqual(
          expectedUser(demoSeed, ETHAN),
        );
        expect(await directory.verifyPassword(ETHAN, 'Other!pass2')).toBeNull();
      });

      it('refuses an unknown organisation with malformed_request, creating nothing', async () => {
        const input = newUser({ organisationId: '00000000-0000-4000-8000-00000000beef' });
        const attempt = lifecycle().createUser(input);
        await expect(attempt).rejects.toBeInstanceOf(TollgateError);
        await expect(attempt).rejects.toMatchObject({ code: 'malformed_request' });
        expect(await directory.findUserById(input.id)).toBeNull();
        expect(await directory.findUserByUsername(input.username)).toBeNull();
        // The username is still free.
        await expect(lifecycle().createUser(newUser())).resolves.toMatchObject({ username: input.username });
      });

      it('sets a password: the old one fails and the new one succeeds, hashed once', async () => {
        const ethan = expectedUser(demoSeed, ETHAN);
        expect(await lifecycle().setPassword({ userId: ethan.id, password: 'N3w!password' })).toBe(true);
        expect(hasher.calls.hash).toBe(1);
        expect(await directory.verifyPassword(ETHAN, ETHAN_PASSWORD)).toBeNull();
        expect(await directory.verifyPassword(ETHAN, 'N3w!password')).toStrictEqual(ethan);
        // Nobody else's password changed.
        const other = demoSeed.users.find((u) => u.username !== ETHAN)!;
        expect(await directory.verifyPassword(other.username, other.password)).toStrictEqual(
          expectedUser(demoSeed, other.username),
        );
      });

      it('answers false to setPassword for an unknown user', async () => {
        expect(
          await lifecycle().setPassword({
            userId: '00000000-0000-4000-8000-00000000dead',
            password: 'x!Y2long',
          }),
        ).toBe(false);
      });

      it('disables a user: found as disabled, refused at login after the same work; enabling restores', async () => {
        const ethan = expectedUser(demoSeed, ETHAN);
        expect(await lifecycle().setDisabled({ userId: ethan.id, disabled: true })).toBe(true);
        expect(await directory.findUserById(ethan.id)).toStrictEqual({ ...ethan, disabled: true });
        expect(await directory.findUserByUsername(ETHAN)).toStrictEqual({ ...ethan, disabled: true });
        hasher.reset();
        expect(await directory.verifyPassword(ETHAN, ETHAN_PASSWORD)).toBeNull();
        expect(hasher.calls.verify + hasher.calls.verifyDummy).toBe(1);

        // Setting the current value again is a no-op that answers true.
        expect(await lifecycle().setDisabled({ userId: ethan.id, disabled: true })).toBe(true);
        expect(await directory.findUserById(ethan.id)).toStrictEqual({ ...ethan, disabled: true });

        expect(await lifecycle().setDisabled({ userId: ethan.id, disabled: false })).toBe(true);
        expect(await directory.findUserById(ethan.id)).toStrictEqual(ethan);
        expect(await directory.verifyPassword(ETHAN, ETHAN_PASSWORD)).toStrictEqual(ethan);
        expect(await lifecycle().setDisabled({ userId: ethan.id, disabled: false })).toBe(true);
      });

      it('answers false to setDisabled for an unknown user', async () => {
        expect(
          await lifecycle().setDisabled({ userId: '00000000-0000-4000-8000-00000000dead', disabled: true }),
        ).toBe(false);
      });
    });
  });
}
