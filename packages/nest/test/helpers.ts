import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
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

/** The demo accounts of packages/core/demo-data.json. */
export const ETHAN = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' } as const;
export const AVA = { username: 'ava.reader@datastoreltd.biz', password: 'R3ader!pass' } as const;
export const BOB = { username: 'bob@acme.test', password: 'Acme!user1' } as const;
export const ROOT = { username: 'root@tollgate.local', password: 'Adm1n!root' } as const;

/** Options of a real Tollgate on the in-memory store and directory, seeded with the demo data (cheap scrypt). */
export async function demoTollgateOptions(): Promise<TollgateOptions> {
  const users = await createMemoryUserDirectory(demo as DirectorySeed, {
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
  });
  return {
    issuer: 'https://tollgate.test',
    audience: 'nest-adapter-tests',
    keys: createKeySet({ current: await generateSigningKey() }),
    store: createMemoryTokenStore(),
    users,
  };
}

export async function demoTollgate(): Promise<Tollgate> {
  return createTollgate(await demoTollgateOptions());
}

export interface Running {
  readonly url: string;
  readonly app: INestApplication;
  close(): Promise<void>;
}

/** A real Nest app (Express platform, no body parser of Nest's) listening on 127.0.0.1, on a free port. */
export async function start(module: Type<unknown>, options: { bodyParser?: boolean } = {}): Promise<Running> {
  const app = await NestFactory.create(module, {
    bodyParser: options.bodyParser ?? false,
    logger: false,
    forceCloseConnections: true,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, app, close: () => app.close() };
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  /** The body as sent. */
  readonly text: string;
}

export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** node:http rather than fetch: an array header value is sent as that many header lines. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
            headers.append(name, item);
          }
        }
        resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** A scheme D access token (`Authorization: JWT …`) through the served profile route. */
export async function jwt(url: string, account: { username: string; password: string }): Promise<string> {
  const reply = await postJson(`${url}/api/v2/auth/jwt/`, {
    email: account.username,
    password: account.password,
  });
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return (JSON.parse(reply.text) as { token: string }).token;
}

/** A scheme A user token, optionally bound to an environment. */
export async function userToken(
  url: string,
  account: { username: string; password: string },
  environment?: string,
): Promise<string> {
  const reply = await postJson(`${url}/Authentication`, {
    ...account,
    ...(environment ? { environment } : {}),
  });
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return (JSON.parse(reply.text) as { token: string }).token;
}

/** A scheme C access token (`Authorization: Bearer …`). */
export async function access(url: string, account: { username: string; password: string }): Promise<string> {
  const reply = await postJson(`${url}/api/v2/auth/token`, account);
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${reply.text}`);
  return (JSON.parse(reply.text) as { content: [{ token: string }] }).content[0].token;
}

export const DETAIL_FORBIDDEN = '{"detail":"You do not have permission to perform this action."}';
export const DETAIL_MISSING = '{"detail":"Authentication credentials were not provided."}';
