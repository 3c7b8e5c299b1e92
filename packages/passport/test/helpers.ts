import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createKeySet,
  createScryptPasswordHasher,
  createTollgate,
  type DirectorySeed,
  generateSigningKey,
  type TokenStore,
  type Tollgate,
} from '@tollgate/core';
import demo from '@tollgate/core/demo-data.json' with { type: 'json' };
import { createHttpHandler, type TollgateHttp } from '@tollgate/core/http';
import { createMemoryTokenStore, createMemoryUserDirectory } from '@tollgate/core/testing';
import type { Express } from 'express';

/** The demo accounts of packages/core/demo-data.json. */
export const ETHAN = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' } as const;
export const BOB = { username: 'bob@acme.test', password: 'Acme!user1' } as const;
export const ROOT = { username: 'root@tollgate.local', password: 'Adm1n!root' } as const;

export interface Demo {
  readonly tollgate: Tollgate;
  readonly http: TollgateHttp;
  /** While `down`, every token store call fails as an unreachable database would. */
  readonly store: { down: boolean };
}

/** A real Tollgate on the in-memory store and directory, seeded with the demo data (cheap scrypt). */
export async function demoTollgate(): Promise<Demo> {
  const users = await createMemoryUserDirectory(demo as DirectorySeed, {
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
  });
  const memory = createMemoryTokenStore();
  const state = { down: false };
  const store = new Proxy(memory, {
    get(target, key: keyof TokenStore) {
      const value = target[key];
      if (typeof value !== 'function' || !state.down) return value;
      return () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    },
  });
  const tollgate = createTollgate({
    issuer: 'https://tollgate.test',
    audience: 'passport-adapter-tests',
    keys: createKeySet({ current: await generateSigningKey() }),
    store,
    users,
  });
  const http = createHttpHandler(tollgate, { cookie: { secure: false }, profiles: [] });
  return { tollgate, http, store: state };
}

/** One token of each kind the strategies accept, for ethan (the delegated one signed by root). */
export async function demoTokens(tollgate: Tollgate) {
  const jwt = (await tollgate.accessTokens.login(ETHAN)).token;
  const access = (await tollgate.tokenPair.login(BOB)).token;
  const caller = await tollgate.requirePrincipal({ authorization: `JWT ${jwt}` });
  const uat = await tollgate.uats.create({
    caller,
    name: 'tests',
    expiresAt: new Date(Date.now() + 86_400_000),
    permissions: ['scans_download'],
  });
  const rootAccess = (await tollgate.tokenPair.login(ROOT)).token;
  const session = await tollgate.delegatedLogin.issue({
    adminToken: rootAccess,
    domain: 'datastore',
    userIdentity: ETHAN.username,
    customData: 'tests',
  });
  return { jwt, access, uat: uat.token, delegated: session.token };
}

export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves an Express app on 127.0.0.1, on a free port. */
export async function listen(app: Express): Promise<Listening> {
  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  json(): unknown;
}

/**
 * node:http rather than fetch: an array header value is sent as that many header lines (fetch
 * would fold them into one).
 */
export function send(
  url: string,
  options: {
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = Object.entries(options.headers ?? {}).map(([name, value]) =>
      typeof value === 'string' ? [name, value] : [name, [...value]],
    );
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: Object.fromEntries(headers) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: () => JSON.parse(body) as unknown,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
