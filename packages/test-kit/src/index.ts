/**
 * `@tollgate/test-kit` (private): what the adapters' tests share, so that none keeps a copy. A real
 * Tollgate on the memory store with the demo data, a Node server on a free port, and HTTP calls whose
 * replies all have one shape (node:http for repeated headers, fetch for the rest).
 */
import { createServer, type RequestListener, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createKeySet,
  createScryptPasswordHasher,
  createTollgate,
  generateSigningKey,
  type Tollgate,
  type TollgateOptions,
} from '@tollgate/core';
import { createMemoryTokenStore, createMemoryUserDirectory, demoData } from '@tollgate/core/testing';

export interface Account {
  readonly username: string;
  readonly password: string;
}

/** The demo accounts of packages/core/demo-data.json. */
export const ETHAN = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' } as const;
export const AVA = { username: 'ava.reader@datastoreltd.biz', password: 'R3ader!pass' } as const;
export const BOB = { username: 'bob@acme.test', password: 'Acme!user1' } as const;
export const DOMAIN_ADMIN = { username: 'domain.admin@datastoreltd.biz', password: 'D0main!adm' } as const;
export const ROOT = { username: 'root@tollgate.local', password: 'Adm1n!root' } as const;

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;
export const DETAIL_FORBIDDEN = '{"detail":"You do not have permission to perform this action."}';
export const DETAIL_MISSING = '{"detail":"Authentication credentials were not provided."}';

/** Options of a real Tollgate on the memory store and directory, with the demo data (cheap scrypt). */
export async function demoTollgateOptions(
  overrides: Partial<TollgateOptions> = {},
): Promise<TollgateOptions> {
  const users = await createMemoryUserDirectory(demoData, {
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
  });
  return {
    issuer: 'https://tollgate.test',
    audience: 'adapter-tests',
    keys: createKeySet({ current: await generateSigningKey() }),
    store: createMemoryTokenStore(),
    users,
    ...overrides,
  };
}

/** A real Tollgate on the memory store and directory, with the demo data. */
export async function demoTollgate(overrides: Partial<TollgateOptions> = {}): Promise<Tollgate> {
  return createTollgate(await demoTollgateOptions(overrides));
}

export interface Listening {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** Serves a request listener (an Express app, a Koa app's `callback()`) on 127.0.0.1, on a free port. */
export async function listen(listener: RequestListener): Promise<Listening> {
  const server = createServer(listener);
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

/** A reply as a client reads it. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  /** The body as sent. */
  readonly text: string;
  /** The body as JSON; null for an empty body. */
  readonly body: unknown;
}

function reply(status: number, headers: Headers, text: string): Reply {
  return {
    status,
    headers,
    text,
    get body() {
      return text === '' ? null : (JSON.parse(text) as unknown);
    },
  };
}

export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  return reply(res.status, res.headers, await res.text());
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return call(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
}

export interface RawOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string | Buffer;
}

/**
 * node:http rather than fetch: an array header value is sent as that many header lines (fetch would
 * join them with a comma), and HEAD and other methods go out exactly as given.
 */
export function rawRequest(url: string, options: RawOptions = {}): Promise<Reply> {
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? {}).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : [...value],
    ]),
  );
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const received = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
            received.append(name, item);
          }
        }
        resolve(reply(res.statusCode ?? 0, received, Buffer.concat(chunks).toString('utf8')));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * What identifies a refusal as the core renders it (status, catalogue code header, content type,
 * JSON body), to compare whole: `expect(refusalOf(reply)).toEqual(refusal(401, 'credentials_missing', {...}))`.
 */
export function refusalOf(response: Reply): {
  status: number;
  code: string | null;
  type: string | null;
  body: unknown;
} {
  return {
    status: response.status,
    code: response.headers.get('tollgate-error-code'),
    type: response.headers.get('content-type'),
    body: response.body,
  };
}

export function refusal(status: number, code: string, body: unknown) {
  return { status, code, type: JSON_TYPE, body };
}

async function tokenFrom(response: Promise<Reply>, read: (body: never) => string): Promise<string> {
  const reply = await response;
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return read(reply.body as never);
}

/** A scheme D access token (`Authorization: JWT …`) through the served profile route. */
export function jwt(url: string, account: Account): Promise<string> {
  return tokenFrom(
    postJson(`${url}/api/v2/auth/jwt/`, { email: account.username, password: account.password }),
    (body: { token: string }) => body.token,
  );
}

/** A scheme A user token, optionally bound to an environment, through the served profile route. */
export function userToken(url: string, account: Account, environment?: string): Promise<string> {
  return tokenFrom(
    postJson(`${url}/Authentication`, { ...account, ...(environment ? { environment } : {}) }),
    (body: { token: string }) => body.token,
  );
}

/** A scheme C access token (`Authorization: Bearer …`) through the served profile route. */
export function access(url: string, account: Account): Promise<string> {
  return tokenFrom(
    postJson(`${url}/api/v2/auth/token`, account),
    (body: { content: [{ token: string }] }) => body.content[0].token,
  );
}
