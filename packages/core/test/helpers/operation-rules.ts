/**
 * Shared setup of the operation-rule suites (scheme-*.test.ts, authorize, store failure, principal types):
 * a Tollgate on the in-memory store, seeded with the demo data, a fast password hasher and a fake clock.
 */
import { expect } from 'vitest';
import demo from '../../demo-data.json' with { type: 'json' };
import {
  createFakeClock,
  createKeySet,
  createMemoryTokenStore,
  createMemoryUserDirectory,
  createScryptPasswordHasher,
  createTollgate,
  type DirectorySeed,
  type FakeClock,
  generateSigningKey,
  type KeySet,
  type PasswordHasher,
  type Principal,
  statusOf,
  type TokenStore,
  type Tollgate,
  TollgateError,
  type TollgateErrorCode,
  type TollgateOptions,
  type UserDirectory,
  type UserRecord,
} from './internals.js';

export const ISSUER = 'https://tollgate.test';
export const AUDIENCE = 'api';

export const ORG = {
  datastore: 'e7fcef24-5c03-41dd-9e33-995b7d6f47a7',
  acme: '3f1b2a9c-8d4e-4c1a-9b7e-2a6d5c4b3e21',
  operator: '00000000-0000-4000-8000-000000000001',
} as const;

export interface DemoAccount {
  readonly id: string;
  readonly username: string;
  readonly password: string;
}

/** The demo accounts of CONTRACT.md. */
export const ACCOUNTS = {
  ethan: {
    id: '2b0c6c1e-3f7a-4e59-9d1c-5a8e4b7f1001',
    username: 'ethan.buckley@datastoreltd.biz',
    password: 'S0qUx56pW!',
  },
  ava: {
    id: '2b0c6c1e-3f7a-4e59-9d1c-5a8e4b7f1002',
    username: 'ava.reader@datastoreltd.biz',
    password: 'R3ader!pass',
  },
  bob: { id: '2b0c6c1e-3f7a-4e59-9d1c-5a8e4b7f1003', username: 'bob@acme.test', password: 'Acme!user1' },
  domainAdmin: {
    id: '2b0c6c1e-3f7a-4e59-9d1c-5a8e4b7f1004',
    username: 'domain.admin@datastoreltd.biz',
    password: 'D0main!adm',
  },
  root: {
    id: '2b0c6c1e-3f7a-4e59-9d1c-5a8e4b7f1005',
    username: 'root@tollgate.local',
    password: 'Adm1n!root',
  },
} as const satisfies Record<string, DemoAccount>;

export const ALL_PERMISSIONS = [
  'brand_create',
  'product_create',
  'scans_download',
  'scm_bulk_edit',
  'scm_code_edit',
];

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
export type SeedUser = Mutable<DirectorySeed['users'][number]>;
export interface EditableSeed {
  organisations: DirectorySeed['organisations'][number][];
  environments: DirectorySeed['environments'][number][];
  permissions: string[];
  users: SeedUser[];
}

/** A deep copy of the demo seed, optionally edited (e.g. to take a permission away from a user). */
export function demoSeed(edit?: (seed: EditableSeed) => void): DirectorySeed {
  const seed = structuredClone(demo) as EditableSeed;
  edit?.(seed);
  return seed;
}

/** Edits the seed user with that username (throws when there is none). */
export function seedUser(seed: EditableSeed, username: string): SeedUser {
  const user = seed.users.find((u) => u.username === username);
  if (!user) throw new Error(`no seed user ${username}`);
  return user;
}

export const fastHasher = (): PasswordHasher => createScryptPasswordHasher({ logN: 10, r: 8, p: 1 });

export interface CountingHasher extends PasswordHasher {
  readonly calls: { hash: number; verify: number; verifyDummy: number };
  reset(): void;
}

/** Wraps a hasher and counts each call, to prove an unknown user costs the same verification as a wrong password. */
export function countingHasher(inner: PasswordHasher = fastHasher()): CountingHasher {
  const calls = { hash: 0, verify: 0, verifyDummy: 0 };
  return {
    calls,
    reset() {
      calls.hash = 0;
      calls.verify = 0;
      calls.verifyDummy = 0;
    },
    async hash(password) {
      calls.hash += 1;
      return inner.hash(password);
    },
    async verify(password, encoded) {
      calls.verify += 1;
      return inner.verify(password, encoded);
    },
    async verifyDummy(password) {
      calls.verifyDummy += 1;
      return inner.verifyDummy(password);
    },
  };
}

export interface MutableDirectory extends UserDirectory {
  /** Changes what the directory answers for this user id from now on (roles, permissions, environments…). */
  update(id: string, patch: Partial<Omit<UserRecord, 'id'>>): void;
  /** The user disappears from the directory. */
  remove(id: string): void;
}

/** A directory whose users can be changed after tokens were issued to them. */
export function mutableDirectory(base: UserDirectory): MutableDirectory {
  const patches = new Map<string, Partial<Omit<UserRecord, 'id'>>>();
  const removed = new Set<string>();
  const apply = (user: UserRecord | null): UserRecord | null => {
    if (user === null || removed.has(user.id)) return null;
    const patch = patches.get(user.id);
    return patch ? Object.freeze({ ...user, ...patch }) : user;
  };
  return {
    update(id, patch) {
      patches.set(id, { ...patches.get(id), ...patch });
    },
    remove(id) {
      removed.add(id);
    },
    async findUserById(id) {
      return apply(await base.findUserById(id));
    },
    async findUserByUsername(username) {
      return apply(await base.findUserByUsername(username));
    },
    async verifyPassword(username, password) {
      return apply(await base.verifyPassword(username, password));
    },
    listEnvironments: () => base.listEnvironments(),
    listPermissions: () => base.listPermissions(),
  };
}

export type StoreMethod = Exclude<keyof TokenStore, 'close'>;
export type DirectoryMethod = Exclude<keyof UserDirectory, 'close'>;

export interface FailingStore extends TokenStore {
  /** Methods that reject from now on; empty means the store works. */
  readonly failing: Set<StoreMethod>;
  failAll(): void;
  heal(): void;
}

const STORE_METHODS: readonly StoreMethod[] = [
  'createRefreshFamily',
  'rotateRefreshToken',
  'revokeRefreshFamilyByToken',
  'insertUat',
  'findUatByHash',
  'listUatsByUser',
  'revokeUat',
  'touchUat',
  'listRevocations',
  'purgeExpired',
  'createSession',
  'findSession',
  'listSessionsByUser',
  'touchSession',
  'revokeSessions',
  'revokeUser',
];

/** A token store that rejects (like an unreachable database) for the methods in `failing`. */
export function failingStore(base: TokenStore = createMemoryTokenStore()): FailingStore {
  const failing = new Set<StoreMethod>();
  const guard = <A extends unknown[], R>(name: StoreMethod, fn: (...args: A) => Promise<R>) => {
    return async (...args: A): Promise<R> => {
      if (failing.has(name)) throw new Error(`connect ECONNREFUSED (${name})`);
      return fn(...args);
    };
  };
  return {
    failing,
    failAll() {
      for (const name of STORE_METHODS) failing.add(name);
    },
    heal() {
      failing.clear();
    },
    createRefreshFamily: guard('createRefreshFamily', (input) => base.createRefreshFamily(input)),
    rotateRefreshToken: guard('rotateRefreshToken', (input) => base.rotateRefreshToken(input)),
    revokeRefreshFamilyByToken: guard('revokeRefreshFamilyByToken', (input) =>
      base.revokeRefreshFamilyByToken(input),
    ),
    insertUat: guard('insertUat', (record, check) => base.insertUat(record, check)),
    findUatByHash: guard('findUatByHash', (hash) => base.findUatByHash(hash)),
    listUatsByUser: guard('listUatsByUser', (userId) => base.listUatsByUser(userId)),
    revokeUat: guard('revokeUat', (input) => base.revokeUat(input)),
    touchUat: guard('touchUat', (input) => base.touchUat(input)),
    listRevocations: guard('listRevocations', (input) => base.listRevocations(input)),
    purgeExpired: guard('purgeExpired', (input) => base.purgeExpired(input)),
    createSession: guard('createSession', (input) => base.createSession(input)),
    findSession: guard('findSession', (id) => base.findSession(id)),
    listSessionsByUser: guard('listSessionsByUser', (input) => base.listSessionsByUser(input)),
    touchSession: guard('touchSession', (input) => base.touchSession(input)),
    revokeSessions: guard('revokeSessions', (input) => base.revokeSessions(input)),
    revokeUser: guard('revokeUser', (input) => base.revokeUser(input)),
  };
}

export interface FailingDirectory extends UserDirectory {
  readonly failing: Set<DirectoryMethod>;
  failAll(): void;
  heal(): void;
}

/** A user directory that rejects for the methods in `failing`. */
export function failingDirectory(base: UserDirectory): FailingDirectory {
  const failing = new Set<DirectoryMethod>();
  const guard = <A extends unknown[], R>(name: DirectoryMethod, fn: (...args: A) => Promise<R>) => {
    return async (...args: A): Promise<R> => {
      if (failing.has(name)) throw new Error(`directory unreachable (${name})`);
      return fn(...args);
    };
  };
  return {
    failing,
    failAll() {
      for (const name of [
        'findUserById',
        'findUserByUsername',
        'verifyPassword',
        'listEnvironments',
        'listPermissions',
      ] as const) {
        failing.add(name);
      }
    },
    heal() {
      failing.clear();
    },
    findUserById: guard('findUserById', (id) => base.findUserById(id)),
    findUserByUsername: guard('findUserByUsername', (username) => base.findUserByUsername(username)),
    verifyPassword: guard('verifyPassword', (username, password) => base.verifyPassword(username, password)),
    listEnvironments: guard('listEnvironments', () => base.listEnvironments()),
    listPermissions: guard('listPermissions', () => base.listPermissions()),
  };
}

export interface BuildOptions {
  readonly seed?: DirectorySeed;
  readonly hasher?: PasswordHasher;
  readonly clock?: FakeClock;
  readonly keys?: KeySet;
  readonly store?: TokenStore;
  /** The directory to use instead of one built from `seed`; gets the one built from `seed` otherwise. */
  readonly users?: (built: UserDirectory) => UserDirectory;
  readonly options?: Partial<Omit<TollgateOptions, 'clock' | 'keys' | 'store' | 'users'>>;
}

export interface Demo {
  readonly tg: Tollgate;
  readonly clock: FakeClock;
  readonly keys: KeySet;
  readonly store: TokenStore;
  readonly users: UserDirectory;
}

/** Builds a Tollgate on the memory store with the demo data (or an edited seed) and a fake clock. */
export async function buildDemo(build: BuildOptions = {}): Promise<Demo> {
  const clock = build.clock ?? createFakeClock();
  const keys = build.keys ?? createKeySet({ current: await generateSigningKey() });
  const store = build.store ?? createMemoryTokenStore();
  const directory = await createMemoryUserDirectory(build.seed ?? demoSeed(), {
    passwordHasher: build.hasher ?? fastHasher(),
  });
  const users = build.users ? build.users(directory) : directory;
  const tg = createTollgate({
    issuer: ISSUER,
    audience: AUDIENCE,
    ...build.options,
    clock,
    keys,
    store,
    users,
  });
  return { tg, clock, keys, store, users };
}

/** The same, with a directory whose users the test can change or remove after tokens were issued. */
export async function buildMutableDemo(
  build: Omit<BuildOptions, 'users'> = {},
): Promise<Demo & { readonly users: MutableDirectory }> {
  let directory: MutableDirectory | undefined;
  const demo = await buildDemo({
    ...build,
    users: (built) => {
      directory = mutableDirectory(built);
      return directory;
    },
  });
  return { ...demo, users: directory! };
}

/** A second Tollgate instance sharing the first one's store, directory, keys and clock (another app instance). */
export function secondInstance(
  first: Demo,
  options: BuildOptions['options'] = {},
  store: TokenStore = first.store,
): Tollgate {
  return createTollgate({
    issuer: ISSUER,
    audience: AUDIENCE,
    ...options,
    clock: first.clock,
    keys: first.keys,
    store,
    users: first.users,
  });
}

/** Awaits a promise that must reject with a TollgateError of this code and status; returns the error. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: TollgateErrorCode,
  status: number = statusOf(code),
): Promise<TollgateError> {
  const outcome = await promise.then(
    (value: unknown) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected ${code}, but the operation succeeded`);
  const { error } = outcome;
  expect(error).toBeInstanceOf(TollgateError);
  const tollgateError = error as TollgateError;
  expect({ code: tollgateError.code, status: tollgateError.status }).toEqual({ code, status });
  return tollgateError;
}

/** For refusals whose exact code CONTRACT.md leaves open: one of these codes, all with this status. */
export async function rejectsWithOneOf(
  promise: Promise<unknown>,
  codes: readonly TollgateErrorCode[],
  status: number,
): Promise<TollgateError> {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected one of ${codes.join(', ')}, but the operation succeeded`);
  expect(outcome.error).toBeInstanceOf(TollgateError);
  const tollgateError = outcome.error as TollgateError;
  expect(codes).toContain(tollgateError.code);
  expect(tollgateError.status).toBe(status);
  return tollgateError;
}

/** The same for a synchronous call (authorize). */
export function throwsWith(
  work: () => unknown,
  code: TollgateErrorCode,
  status: number = statusOf(code),
): TollgateError {
  let thrown: unknown;
  try {
    work();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) throw new Error(`expected ${code}, but the call succeeded`);
  expect(thrown).toBeInstanceOf(TollgateError);
  const tollgateError = thrown as TollgateError;
  expect({ code: tollgateError.code, status: tollgateError.status }).toEqual({ code, status });
  return tollgateError;
}

/** Lets fire-and-forget work (background revocation sync, UAT last-used updates) settle. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The payload of a compact JWS, unverified (to read claims such as `auth_time` in tests). */
export function jwtPayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) throw new Error('not a JWS');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Logs in through scheme C and authenticates the access token: the principal an admin endpoint sees. */
export async function accessPrincipal(tg: Tollgate, account: DemoAccount): Promise<Principal> {
  const pair = await tg.tokenPair.login({ username: account.username, password: account.password });
  return tg.requirePrincipal({ authorization: `Bearer ${pair.token}` });
}

/** Logs in through scheme D (JWT) and authenticates with `Authorization: JWT`. */
export async function jwtPrincipal(tg: Tollgate, account: DemoAccount): Promise<Principal> {
  const { token } = await tg.accessTokens.login({ username: account.username, password: account.password });
  return tg.requirePrincipal({ authorization: `JWT ${token}` });
}
