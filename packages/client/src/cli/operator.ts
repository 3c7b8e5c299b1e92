import { randomFillSync } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type {
  AuditEventDetails,
  AuditEventType,
  AuditLog,
  AuditQuery,
  AuditEvent as CoreAuditEvent,
  PasswordHasher,
  SigningKeyStore,
  TokenStore,
  UserDirectory,
  UserLifecycle,
  UserRecord,
} from '@tollgate/core';
import { Refused, UsageError } from './common.js';
import type { HelpTopic } from './help.js';

// The operator's user lifecycle straight on the database, as `@tollgate/core`'s
// `tollgate.users.{create,setPassword,disable,enable,logOutEverywhere}` does it
// (packages/core/src/operations/users.ts), without a Tollgate: no signing keys, no revocation sync
// loop, and every audit event awaited before the store is closed. The store package is imported
// only when a `users` command runs, so neither it nor its driver is needed for anything else.

/** Where the database is. */
export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string | undefined };

/** What this needs of `openSqliteStore(…)` / `openPostgresStore(…)`. */
export interface OperatorStore {
  readonly tokens: Pick<TokenStore, 'revokeUser'>;
  readonly users: Pick<
    UserDirectory,
    'findUserByUsername' | 'findUserById' | 'listPermissions' | 'listEnvironments' | 'lifecycle'
  >;
  /** Absent from stores older than the audit log. */
  readonly audit?: Pick<AuditLog, 'record' | 'query'>;
  /** Absent from stores older than the signing keys table. */
  readonly signingKeys?: Pick<SigningKeyStore, 'list' | 'rotate'>;
  close(): Promise<void>;
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/** The database of `--sqlite` / `--postgres` / `--schema`, else TOLLGATE_DB, else DATABASE_URL. */
export function databaseTarget(
  values: {
    readonly sqlite?: string | undefined;
    readonly postgres?: string | undefined;
    readonly schema?: string | undefined;
  },
  env: Readonly<Record<string, string | undefined>>,
  topic: HelpTopic,
): DatabaseTarget {
  if (values.sqlite !== undefined && values.postgres !== undefined) {
    throw new UsageError('give --sqlite or --postgres, not both', topic);
  }
  const schema = values.schema ?? (env.TOLLGATE_DB_SCHEMA || undefined);
  const postgres = (url: string, from: string): DatabaseTarget => {
    if (!POSTGRES_URL.test(url))
      throw new UsageError(`${from} is not a postgres:// connection string`, topic);
    if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(schema)) {
      throw new UsageError(`not a PostgreSQL schema name: ${schema}`, topic);
    }
    return { kind: 'postgres', url, schema };
  };
  const sqlite = (file: string): DatabaseTarget => {
    if (values.schema !== undefined) throw new UsageError('--schema goes with PostgreSQL, not SQLite', topic);
    if (file === '' || file === ':memory:') throw new UsageError('--sqlite needs the path of a file', topic);
    return { kind: 'sqlite', file };
  };
  if (values.sqlite !== undefined) return sqlite(values.sqlite);
  if (values.postgres !== undefined) return postgres(values.postgres, '--postgres');
  const db = env.TOLLGATE_DB;
  if (db) return POSTGRES_URL.test(db) ? postgres(db, 'TOLLGATE_DB') : sqlite(db);
  if (env.DATABASE_URL) return postgres(env.DATABASE_URL, 'DATABASE_URL');
  throw new UsageError(
    `${topic} needs the database: --sqlite FILE or --postgres URL (or TOLLGATE_DB, DATABASE_URL)`,
    topic,
  );
}

const MISSING_MODULE = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

async function load<T>(packages: string, importer: () => Promise<T>, topic: HelpTopic): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    if (MISSING_MODULE.has(String((error as { code?: unknown }).code))) {
      throw new UsageError(
        `this needs ${packages} installed beside @tollgate/client: npm install ${packages}`,
        topic,
      );
    }
    throw error;
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * For the commands that hash no password: the store's default hasher would work out its dummy hash
 * (a deliberately slow scrypt) as soon as the store opens, for nothing.
 */
const NO_HASHING: PasswordHasher = {
  hash: () => Promise.reject(new Error('this command hashes no password')),
  verify: async () => false,
  verifyDummy: async () => {},
};

/**
 * Opens the store of `target` (its migrations run, as when the app starts on it). `hashes`: the
 * command sets a password (with the store's default hasher, as the app's).
 */
export async function openOperatorStore(
  target: DatabaseTarget,
  topic: HelpTopic,
  options: { readonly hashes: boolean },
): Promise<OperatorStore> {
  const hashing = options.hashes ? {} : { passwordHasher: NO_HASHING };
  if (target.kind === 'sqlite') {
    // Never create a database by mistake: the app's file must be there already.
    const found = await stat(target.file).catch(() => null);
    if (!found?.isFile()) throw new UsageError(`no such SQLite file: ${target.file}`, topic);
    const { openSqliteStore } = await load(
      '@tollgate/store-sqlite',
      () => import('@tollgate/store-sqlite'),
      topic,
    );
    try {
      return openSqliteStore({ filename: target.file, ...hashing }) as unknown as OperatorStore;
    } catch (error) {
      throw new Refused(`cannot open ${target.file}: ${message(error)}`, 'store_unavailable');
    }
  }
  const { openPostgresStore } = await load(
    '@tollgate/store-postgres pg',
    () => import('@tollgate/store-postgres'),
    topic,
  );
  try {
    const store = await openPostgresStore({
      connectionString: target.url,
      poolSize: 2,
      ...hashing,
      ...(target.schema === undefined ? {} : { schema: target.schema }),
    });
    return store as unknown as OperatorStore;
  } catch (error) {
    throw new Refused(`cannot open the PostgreSQL database: ${message(error)}`, 'store_unavailable');
  }
}

// --- the lifecycle --------------------------------------------------------------------------------

const TOLLGATE_ERROR = Symbol.for('@tollgate/core:TollgateError');

/** A refusal of the store (`TollgateError`): a usage error for bad input, else exit code 1. */
function fromStore(error: unknown, topic: HelpTopic): unknown {
  if (
    typeof error !== 'object' ||
    error === null ||
    (error as { [TOLLGATE_ERROR]?: unknown })[TOLLGATE_ERROR] !== true
  ) {
    return error;
  }
  const { code } = error as { code: string };
  if (code === 'malformed_request') return new UsageError(message(error), topic);
  return new Refused(message(error), code);
}

async function guarded<T>(topic: HelpTopic, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw fromStore(error, topic);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * (Written here rather than imported from `@tollgate/core`, whose `createUuidv7Source` does the same:
 * the client bundles what it imports from core, and core's entry would bring zod and jose with it.)
 *
 * UUIDv7s (RFC 9562) as the core makes user and audit event ids (`ms`, then random bits), made
 * monotonic within this process by a counter in `rand_a` (the RFC's method 1): the events of one
 * command, often in the same millisecond, sort in the order they happened (stores order by at, id).
 */
export function createUuidv7(): (ms: number) => string {
  let lastMs = -1;
  let counter = 0;
  return (ms) => {
    let time = Math.max(0, Math.floor(ms), lastMs);
    const bytes = randomFillSync(new Uint8Array(16));
    if (time === lastMs) {
      counter++;
      if (counter > 0xfff) {
        time++;
        counter = 0;
      }
    } else {
      counter = ((bytes[6]! & 0x07) << 8) | bytes[7]!; // random, leaving room to count up
    }
    lastMs = time;
    for (let i = 5; i >= 0; i--) {
      bytes[i] = time % 256;
      time = Math.floor(time / 256);
    }
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = (bytes[8]! & 0x3f) | 0x80;
    let out = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
      out += HEX[bytes[i]!];
    }
    return out;
  };
}

/** The actor of every change made here. */
export const CLI_ACTOR = 'cli';

export interface NewUserInput {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly kind: 'customer' | 'administrator';
  readonly organisationId: string;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  readonly environments: readonly string[];
}

export interface Revocation {
  readonly sessions: number;
  readonly uats: number;
}

export interface OperatorLifecycle {
  create(input: NewUserInput): Promise<UserRecord>;
  setPassword(username: string, password: string): Promise<Revocation>;
  /** `wasDisabled`: the user was disabled already (its credentials are revoked again all the same). */
  disable(username: string): Promise<Revocation & { readonly wasDisabled: boolean }>;
  /** Does nothing (and records nothing) for a user that is not disabled: `wasDisabled` false. */
  enable(username: string): Promise<{ readonly wasDisabled: boolean }>;
  logOutEverywhere(username: string): Promise<Revocation>;
  audit(query: AuditQuery): Promise<readonly CoreAuditEvent[]>;
}

export interface OperatorOptions {
  readonly topic: HelpTopic;
  /** How long a user revocation is kept: the longest token lifetime of the app (ms). */
  readonly revocationTtlMs: number;
  /** Told when an audit event could not be recorded (the change stands, as in the core). */
  readonly warn: (text: string) => void;
  readonly now?: () => number;
}

/** The core's user lifecycle operations, on a store opened here. */
export function operatorLifecycle(store: OperatorStore, options: OperatorOptions): OperatorLifecycle {
  const { topic } = options;
  const now = options.now ?? Date.now;
  const uuidv7 = createUuidv7();
  const lifecycle = (): UserLifecycle => {
    const found = store.users.lifecycle;
    if (found === undefined) {
      throw new Refused('this store cannot create, disable or change users; upgrade it', 'not_supported');
    }
    return found;
  };
  const find = async (username: string): Promise<UserRecord> => {
    const user = await guarded(topic, () => store.users.findUserByUsername(username));
    if (!user) throw new Refused(`no such user: ${username}`, 'unknown_user');
    return user;
  };
  const emit = async <T extends AuditEventType>(type: T, userId: string, details: AuditEventDetails[T]) => {
    if (store.audit === undefined) {
      options.warn(`warning: this store keeps no audit log; ${type} was not recorded\n`);
      return;
    }
    const at = now();
    const event = {
      id: uuidv7(at),
      type,
      at,
      userId,
      actorId: CLI_ACTOR,
      sessionId: null,
      clientIp: null,
      userAgent: null,
      details,
    } as unknown as CoreAuditEvent;
    try {
      await store.audit.record(event);
    } catch (error) {
      options.warn(`warning: the audit event ${type} was not recorded: ${message(error)}\n`);
    }
  };
  /** Every credential of the user from before now: durable at once; instances learn it at their next sync. */
  const revokeUser = async (
    user: UserRecord,
    reason: AuditEventDetails['user.revoked']['reason'],
  ): Promise<Revocation> => {
    const at = now();
    const revoked = await guarded(topic, () =>
      store.tokens.revokeUser({
        userId: user.id,
        now: at,
        revocationExpiresAt: at + options.revocationTtlMs,
      }),
    );
    await emit('user.revoked', user.id, { reason });
    return revoked;
  };
  const setDisabled = async (user: UserRecord, disabled: boolean) => {
    // Disabled before revoked: a login between the two finds the user disabled, not a fresh session.
    const done = await guarded(topic, () => lifecycle().setDisabled({ userId: user.id, disabled }));
    if (!done) throw new Refused(`no such user: ${user.username}`, 'unknown_user');
  };

  return {
    async create(input) {
      const user = await guarded(topic, () => lifecycle().createUser({ ...input, id: uuidv7(now()) }));
      await emit('user.created', user.id, { username: user.username });
      return user;
    },
    async setPassword(username, password) {
      const user = await find(username);
      const done = await guarded(topic, () => lifecycle().setPassword({ userId: user.id, password }));
      if (!done) throw new Refused(`no such user: ${username}`, 'unknown_user');
      const revoked = await revokeUser(user, 'password_changed');
      await emit('user.password_changed', user.id, {});
      return revoked;
    },
    async disable(username) {
      const user = await find(username);
      await setDisabled(user, true);
      const revoked = await revokeUser(user, 'disabled');
      await emit('user.disabled', user.id, {});
      return { ...revoked, wasDisabled: user.disabled };
    },
    async enable(username) {
      const user = await find(username);
      if (!user.disabled) return { wasDisabled: false };
      await setDisabled(user, false);
      await emit('user.enabled', user.id, {});
      return { wasDisabled: user.disabled };
    },
    async logOutEverywhere(username) {
      return revokeUser(await find(username), 'log_out_everywhere');
    },
    async audit(query) {
      const log = store.audit;
      if (log === undefined) throw new Refused('this store keeps no audit log; upgrade it', 'not_supported');
      return guarded(topic, () => log.query(query));
    },
  };
}
