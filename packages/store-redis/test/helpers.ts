/**
 * Shared setup: the real Redis (REDIS_URL, default redis://127.0.0.1:6379), names unique to each
 * test, TCP proxies to cut connections, and Tollgate instances sharing one in-memory store, user
 * directory, key set and fake clock (so only the channel, never a timer, can tell B of a revocation).
 */
import { randomUUID } from 'node:crypto';
import {
  createKeySet,
  createTollgate,
  generateSigningKey,
  type KeySet,
  type RevocationListener,
  type RevocationNotice,
  statusOf,
  type TokenStore,
  type Tollgate,
  TollgateError,
  type TollgateErrorCode,
  type TollgateOptions,
  type UserDirectory,
} from '@tollgate/core';
import {
  createFakeClock,
  createMemoryTokenStore,
  createMemoryUserDirectory,
  type FakeClock,
} from '@tollgate/core/testing';
// Relative: @tollgate/store-tests is not (yet) a devDependency of this package.
import { createFastPasswordHasher, demoSeed, startTcpProxy, type TcpProxy } from '@tollgate/store-tests';
import { Redis, type RedisOptions } from 'ioredis';
import { expect, onTestFinished } from 'vitest';
import {
  createRedisRevocationChannel,
  type RedisRevocationChannel,
  type RedisRevocationChannelOptions,
} from '../src/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ISSUER = 'https://tollgate.test';
export const AUDIENCE = 'api';
export const DAY = 86_400_000;

export const ACCOUNTS = {
  ethan: {
    id: '2b0c6c1e-3f7a-4e59-9d1c-5a8e4b7f1001',
    username: 'ethan.buckley@datastoreltd.biz',
    password: 'S0qUx56pW!',
  },
  bob: { id: '2b0c6c1e-3f7a-4e59-9d1c-5a8e4b7f1003', username: 'bob@acme.test', password: 'Acme!user1' },
} as const;

/** A Redis key or channel name no other test (or test run) uses. */
export const unique = (label: string): string => `tollgate-test:${label}:${randomUUID()}`;

/** A client closed when the test ends; reconnects every 20 ms so a restored proxy is used at once. */
export function redisClient(url = REDIS_URL, options: Omit<RedisOptions, 'replyMapping'> = {}): Redis {
  const client = new Redis(url, { retryStrategy: () => 20, ...options });
  client.on('error', () => {});
  onTestFinished(() => client.disconnect());
  return client;
}

export async function connected(client: Redis): Promise<Redis> {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

/** A proxy in front of the test Redis, closed when the test ends. */
export async function redisProxy(): Promise<TcpProxy & { readonly url: string }> {
  const { hostname, port } = new URL(REDIS_URL);
  const proxy = await startTcpProxy({ target: { host: hostname, port: Number(port || 6379) } });
  onTestFinished(() => proxy.close());
  return Object.assign(proxy, { url: `redis://127.0.0.1:${proxy.port}` });
}

/** A channel closed when the test ends, reconnecting fast (tests restore proxies and wait). */
export function channel(options: RedisRevocationChannelOptions): RedisRevocationChannel {
  const created = createRedisRevocationChannel({
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    ...options,
  });
  onTestFinished(() => created.close());
  return created;
}

/** Deletes the keys starting with `prefix` when the test ends, on a connection of its own. */
export function deleteKeysAfterTest(prefix: string): void {
  onTestFinished(async () => {
    const redis = new Redis(REDIS_URL);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });
}

export interface RecordingListener extends RevocationListener {
  /** 'connected' and 'disconnected', in order. */
  readonly events: string[];
  readonly notices: RevocationNotice[];
}

export function recorder(): RecordingListener {
  const events: string[] = [];
  const notices: RevocationNotice[] = [];
  return {
    events,
    notices,
    revoked: (notice) => notices.push(notice),
    connected: () => events.push('connected'),
    disconnected: () => events.push('disconnected'),
  };
}

/**
 * Polls `check` on every turn of the event loop (so sockets are read in between) until it holds;
 * returns how long that took (ms). Fails after `timeoutMs`.
 */
export async function waitFor(
  check: () => boolean,
  timeoutMs = 2000,
  what = 'the condition',
): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return performance.now() - start;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface SharedStores {
  readonly clock: FakeClock;
  readonly keys: KeySet;
  readonly store: TokenStore;
  readonly users: UserDirectory;
  /** Another app instance on the same store, directory, keys and clock; closed when the test ends. */
  instance(options?: Partial<Omit<TollgateOptions, 'clock' | 'keys' | 'store' | 'users'>>): Tollgate;
}

export async function sharedStores(): Promise<SharedStores> {
  const clock = createFakeClock();
  const keys = createKeySet({ current: await generateSigningKey() });
  const store = createMemoryTokenStore();
  const users = await createMemoryUserDirectory(demoSeed, { passwordHasher: createFastPasswordHasher() });
  return {
    clock,
    keys,
    store,
    users,
    instance(options = {}) {
      const tollgate = createTollgate({
        issuer: ISSUER,
        audience: AUDIENCE,
        loginLimits: false,
        ...options,
        clock,
        keys,
        store,
        users,
      });
      onTestFinished(() => tollgate.close());
      return tollgate;
    },
  };
}

/** Awaits a promise that must reject with a TollgateError of this code (and its status); returns the error. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: TollgateErrorCode,
): Promise<TollgateError> {
  const outcome = await promise.then(
    () => ({ ok: true as const }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected ${code}, but the operation succeeded`);
  expect(outcome.error).toBeInstanceOf(TollgateError);
  const error = outcome.error as TollgateError;
  expect({ code: error.code, status: error.status }).toEqual({ code, status: statusOf(code) });
  return error;
}

/** The error code `work` rejects with, or 'accepted'. */
export async function outcome(work: Promise<unknown>): Promise<string> {
  return work.then(
    () => 'accepted',
    (error: unknown) => (error instanceof TollgateError ? error.code : `unexpected: ${String(error)}`),
  );
}
