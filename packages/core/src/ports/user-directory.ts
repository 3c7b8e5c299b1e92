import type { Environment, UserKind, UserRecord } from '../types.js';

/**
 * Where users, their rights and the catalogues come from. Tollgate only reads it.
 * Apps may bring their own; `@tollgate/store-sqlite` ships one for the embedded default.
 */
export interface UserDirectory {
  findUserById(id: string): Promise<UserRecord | null>;
  /** Case-insensitive on the username. */
  findUserByUsername(username: string): Promise<UserRecord | null>;
  /**
   * Returns the user when the password is right, null otherwise. Does the same work when
   * the user does not exist (a dummy hash verification), so timing tells nothing.
   */
  verifyPassword(username: string, password: string): Promise<UserRecord | null>;
  /** The environment catalogue. */
  listEnvironments(): Promise<readonly Environment[]>;
  /** The permission catalogue. */
  listPermissions(): Promise<readonly string[]>;
  /**
   * Optional user lifecycle, for directories Tollgate manages (SQLite, PostgreSQL, memory). Tollgate
   * revokes the user's credentials itself when a password is set or a user disabled.
   */
  readonly lifecycle?: UserLifecycle;
  close?(): Promise<void>;
}

/** A user to create; the password is hashed by the directory and never stored as given. */
export interface NewUser {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly kind: UserKind;
  /** The organisation (by id) the user belongs to; it must exist. */
  readonly organisationId: string;
  readonly roles?: readonly string[];
  readonly permissions?: readonly string[];
  readonly environments?: readonly string[];
}

/** Writes to a directory: create a user, set a password, disable and enable. */
export interface UserLifecycle {
  /** Rejects with `TollgateError('user_exists')` for a taken username, `malformed_request` for a bad organisation. */
  createUser(user: NewUser & { readonly id: string }): Promise<UserRecord>;
  /** False for an unknown user. */
  setPassword(input: { readonly userId: string; readonly password: string }): Promise<boolean>;
  /** False for an unknown user; setting the current value again is a no-op that returns true. */
  setDisabled(input: { readonly userId: string; readonly disabled: boolean }): Promise<boolean>;
}

/** What a directory is seeded with (the demo data file has this shape). */
export interface DirectorySeed {
  readonly organisations: readonly { readonly id: string; readonly name: string; readonly domain: string }[];
  readonly environments: readonly Environment[];
  readonly permissions: readonly string[];
  readonly users: readonly {
    readonly id: string;
    readonly username: string;
    readonly email: string;
    readonly password: string;
    readonly kind: UserRecord['kind'];
    readonly organisationId: string;
    readonly roles: readonly string[];
    readonly permissions: readonly string[];
    readonly environments: readonly string[];
  }[];
}

/** The case-insensitive key of a username (Unicode lower-casing, not ASCII only), shared by every directory. */
export function usernameKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}
