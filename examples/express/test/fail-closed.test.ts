/**
 * Fail closed, over HTTP: the example on PostgreSQL and Redis, each reached through a TCP proxy
 * this test can cut, as a network failure would. While a store is away protected routes answer
 * 503 with a clear body (never 200 for a credential that needs it, never 500, no stack trace),
 * JWT-only credentials keep working, and everything recovers by itself when the store returns.
 */
import { randomBytes } from 'node:crypto';
import { createScryptPasswordHasher } from '@tollgate/core';
import { startTcpProxy, type TcpProxy } from '@tollgate/store-tests';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';
import { DATABASE_URL, REDIS_URL } from './services.js';

const ETHAN = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' };
const BOB = { username: 'bob@acme.test', password: 'Acme!user1' };

interface Reply {
  readonly status: number;
  readonly code: string | null;
  readonly text: string;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, init);
  return {
    status: response.status,
    code: response.headers.get('tollgate-error-code'),
    text: await response.text(),
  };
}

function expectUnavailable(reply: Reply, body: string): void {
  expect(reply.status, reply.text).toBe(503);
  expect(reply.code).toBe('store_unavailable');
  expect(reply.text).toBe(body);
}

/** Polls until `check` passes: a cached credential may be served for up to its documented bound. */
async function eventually(check: () => Promise<void>, timeoutMs = 8000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const DETAIL_503 = JSON.stringify({ detail: 'The token store cannot be reached; try again shortly.' });
const ENVELOPE_503 = JSON.stringify({
  errorCode: 'AUTH_1503',
  errorMessage: 'Service temporarily unavailable',
  content: '',
  pageable: '',
});

describe('fail closed: PostgreSQL and Redis cut and restored under a running example', () => {
  const schema = `tollgate_failclosed_${randomBytes(6).toString('hex')}`;
  let postgres: TcpProxy;
  let redis: TcpProxy;
  let server: RunningServer;
  // A second instance on the same schema, reaching PostgreSQL and Redis directly.
  let other: RunningServer;
  let jwt: string;
  let uat: string;
  const url = (path: string) => `${server.url}${path}`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(url(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const withUat = () => call(url('/api/v2/scans/download'), { headers: { authorization: `UAT ${uat}` } });
  const withJwt = () => call(url('/api/v2/scans/download'), { headers: { authorization: `JWT ${jwt}` } });

  beforeAll(async () => {
    const pgTarget = new URL(DATABASE_URL);
    const redisTarget = new URL(REDIS_URL);
    postgres = await startTcpProxy({
      target: { host: pgTarget.hostname, port: Number(pgTarget.port || 5432) },
    });
    redis = await startTcpProxy({
      target: { host: redisTarget.hostname, port: Number(redisTarget.port || 6379) },
    });
    const viaProxy = new URL(DATABASE_URL);
    viaProxy.port = String(postgres.port);
    server = await startServer({
      port: 0,
      databaseUrl: viaProxy.toString(),
      databaseSchema: schema,
      redisUrl: `redis://127.0.0.1:${redis.port}`,
      passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
      logger: false,
    });
    other = await startServer({
      port: 0,
      databaseUrl: DATABASE_URL,
      databaseSchema: schema,
      redisUrl: REDIS_URL,
      passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
      logger: false,
    });
    const login = await post('/api/v2/auth/jwt/', { email: ETHAN.username, password: ETHAN.password });
    jwt = (JSON.parse(login.text) as { token: string }).token;
    const created = await post(
      '/api/v2/me/tokens/',
      {
        name: 'fail-closed',
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
        permissions: ['scans_download'],
      },
      { authorization: `JWT ${jwt}` },
    );
    uat = (JSON.parse(created.text) as { token: string }).token;
    expect((await withUat()).status).toBe(200);
  }, 30_000);

  afterAll(async () => {
    postgres?.restore();
    redis?.restore();
    await server?.close();
    await other?.close();
    await postgres?.close();
    await redis?.close();
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }, 30_000);

  it('PostgreSQL away: UAT routes, password logins and then every token answer 503 in their shapes', async () => {
    postgres.cut();
    await eventually(async () => expectUnavailable(await withUat(), DETAIL_503));
    expectUnavailable(await post('/api/v2/auth/token', BOB), ENVELOPE_503);
    const jwtLogin = await post('/api/v2/auth/jwt/', { email: BOB.username, password: BOB.password });
    expect(jwtLogin.status).toBe(503);
    expect(jwtLogin.text).toBe(DETAIL_503);
    // A JWT belongs to a revocable session: once the revocation log cannot be read, it is refused too.
    await eventually(async () => expectUnavailable(await withJwt(), DETAIL_503));

    postgres.restore();
    // Each connection comes back on its own schedule (ioredis backs off up to 2 s between attempts).
    await eventually(async () => expect((await withUat()).status).toBe(200));
    await eventually(async () => expect((await post('/api/v2/auth/token', BOB)).status).toBe(200));
    await eventually(async () => expect((await withJwt()).status).toBe(200));
  }, 30_000);

  it('Redis away: every token and password logins answer 503 (revocations and counters unknown)', async () => {
    redis.cut();
    await eventually(async () => expectUnavailable(await withUat(), DETAIL_503));
    expectUnavailable(await post('/api/v2/auth/token', BOB), ENVELOPE_503);
    expectUnavailable(await withJwt(), DETAIL_503);

    redis.restore();
    // Each connection comes back on its own schedule (ioredis backs off up to 2 s between attempts).
    await eventually(async () => expect((await withUat()).status).toBe(200));
    await eventually(async () => expect((await post('/api/v2/auth/token', BOB)).status).toBe(200));
  }, 30_000);

  it('a UAT revoked while this instance’s Redis link was down is refused once it is back', async () => {
    const headers = { authorization: `JWT ${jwt}` };
    const created = await post(
      '/api/v2/me/tokens/',
      {
        name: 'revoked-while-away',
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
        permissions: ['scans_download'],
      },
      headers,
    );
    const { id, token } = JSON.parse(created.text) as { id: string; token: string };
    const use = () => call(url('/api/v2/scans/download'), { headers: { authorization: `UAT ${token}` } });
    expect((await use()).status).toBe(200);
    redis.cut();
    // Revoked on the other instance: its notice cannot reach this one now.
    const revoked = await call(`${other.url}/api/v2/me/tokens/${id}/`, { method: 'DELETE', headers });
    expect(revoked.status).toBe(204);
    redis.restore();
    await eventually(async () => expect((await withUat()).status).toBe(200));
    const after = await use();
    expect(after.status).toBe(401);
    expect(after.code).toBe('token_revoked');
  }, 30_000);
});
