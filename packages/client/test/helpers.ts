import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScryptPasswordHasher, type Lifetimes } from '@tollgate/core';
import { startServer } from '@tollgate/example-express';
import type { FetchLike } from '../src/index.js';

export const ETHAN = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' } as const;
export const AVA = { username: 'ava.reader@datastoreltd.biz', password: 'R3ader!pass' } as const;
export const BOB = { username: 'bob@acme.test', password: 'Acme!user1' } as const;
export const DOMAIN_ADMIN = { username: 'domain.admin@datastoreltd.biz', password: 'D0main!adm' } as const;
export const ROOT = { username: 'root@tollgate.local', password: 'Adm1n!root' } as const;
export const DATASTORE = 'e7fcef24-5c03-41dd-9e33-995b7d6f47a7';

export interface TestServer {
  readonly url: string;
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * The real examples/express server, in process, on 127.0.0.1, with a fresh SQLite file. The refresh
 * reuse interval is off unless given: a rotated refresh token presented again is reuse at once.
 */
export async function startTestServer(
  lifetimes?: Partial<Lifetimes>,
  options: { readonly refreshReuseIntervalSeconds?: number } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-client-'));
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    database: join(dir, 'tollgate.db'),
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
    logger: false,
    refreshReuseIntervalSeconds: options.refreshReuseIntervalSeconds ?? 0,
    ...(lifetimes ? { lifetimes } : {}),
  });
  return {
    url: server.url,
    dir,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Counted {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The `Authorization` scheme sent (never the token), or null. */
  readonly scheme: string | null;
}

/** The real `fetch`, counting what goes out (method and path; paths may hold a user token). */
export function countingFetch(): {
  fetch: FetchLike;
  calls: Counted[];
  count(method: string, path: string | RegExp): number;
} {
  const calls: Counted[] = [];
  const fetchImpl: FetchLike = async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const response = await fetch(input, init);
    const authorization = request.headers.get('authorization');
    calls.push({
      method: request.method,
      path: new URL(request.url).pathname,
      status: response.status,
      scheme: authorization === null ? null : (authorization.split(' ')[0] ?? null),
    });
    return response;
  };
  return {
    fetch: fetchImpl,
    calls,
    count: (method, path) =>
      calls.filter(
        (call) =>
          call.method === method && (typeof path === 'string' ? call.path === path : path.test(call.path)),
      ).length,
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sleeps until `at` (ms since the epoch) has passed, plus a margin. */
export async function sleepUntil(at: number | null | undefined, marginMs = 150): Promise<void> {
  if (at === null || at === undefined) throw new Error('no expiry to wait for');
  const wait = at - Date.now() + marginMs;
  if (wait > 0) await sleep(wait);
}
