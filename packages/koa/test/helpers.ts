import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createKeySet,
  createScryptPasswordHasher,
  createTollgate,
  type DirectorySeed,
  generateSigningKey,
  type Tollgate,
  type TollgateOptions,
} from '@tollgate/core';
import demo from '@tollgate/core/demo-data.json' with { type: 'json' };
import { createMemoryTokenStore, createMemoryUserDirectory } from '@tollgate/core/testing';
import type Koa from 'koa';

/** The demo accounts of packages/core/demo-data.json. */
export const ETHAN = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' } as const;
export const AVA = { username: 'ava.reader@datastoreltd.biz', password: 'R3ader!pass' } as const;
export const BOB = { username: 'bob@acme.test', password: 'Acme!user1' } as const;
export const ROOT = { username: 'root@tollgate.local', password: 'Adm1n!root' } as const;

/** A real Tollgate on the in-memory store and directory, seeded with the demo data (cheap scrypt). */
export async function demoTollgate(options: Partial<TollgateOptions> = {}): Promise<Tollgate> {
  const users = await createMemoryUserDirectory(demo as DirectorySeed, {
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
  });
  return createTollgate({
    issuer: 'https://tollgate.test',
    audience: 'koa-adapter-tests',
    keys: createKeySet({ current: await generateSigningKey() }),
    store: createMemoryTokenStore(),
    users,
    ...options,
  });
}

export interface Listening {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** Serves a Koa app on 127.0.0.1, on a free port. */
export async function listen(app: Koa): Promise<Listening> {
  const server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    origin: url,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface RawReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * node:http rather than fetch: an array header value is sent as that many header lines (fetch
 * would join them with a comma).
 */
export function rawRequest(
  url: string,
  options: {
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string | string[]>>;
    readonly body?: string;
  } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** Fetches and reads the body as JSON (or null for an empty body). */
export async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === '' ? null : (JSON.parse(text) as unknown),
  };
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return call(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
}
