/**
 * Two processes of this example on different ports, sharing one PostgreSQL schema and Redis, as
 * behind a load balancer: started at the same moment on an empty schema, they behave as one service.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, REDIS_URL } from './services.js';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));
const ETHAN = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' };
const BOB = { username: 'bob@acme.test', password: 'Acme!user1' };
/** The bound the issue sets for a revocation to reach the other instance on loopback. */
const REVOCATION_BOUND_MS = 100;

interface Instance {
  readonly url: string;
  readonly child: ChildProcess;
}

function startInstance(schema: string): Promise<Instance> {
  const child = spawn(process.execPath, ['--conditions=dev-source', '--import', 'tsx', 'src/main.ts'], {
    cwd: EXAMPLE_DIR,
    env: {
      ...process.env,
      PORT: '0',
      TOLLGATE_DATABASE_URL: DATABASE_URL,
      TOLLGATE_DATABASE_SCHEMA: schema,
      TOLLGATE_REDIS_URL: REDIS_URL,
      TOLLGATE_SIGNING_KEY: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no "listening on" in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the instance exited (${code}) before listening:\n${output}`));
    });
  });
}

async function stopInstance(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGTERM');
  await exited;
}

const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

async function jwtLogin(base: string, account: { username: string; password: string }): Promise<string> {
  const response = await post(base, '/api/v2/auth/jwt/', {
    email: account.username,
    password: account.password,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

interface Pair {
  readonly token: string;
  readonly refreshToken: string;
}

async function pairLogin(base: string, account: { username: string; password: string }): Promise<Pair> {
  const response = await post(base, '/api/v2/auth/token', account);
  expect(response.status).toBe(200);
  return ((await response.json()) as { content: Pair[] }).content[0]!;
}

describe('two instances on one PostgreSQL schema and one Redis', () => {
  const schema = `tollgate_two_${randomBytes(6).toString('hex')}`;
  const db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  let a: Instance | undefined;
  let b: Instance | undefined;
  const A = () => a!.url;
  const B = () => b!.url;

  beforeAll(async () => {
    // The same moment, an empty schema: migrations and seeding must not race.
    [a, b] = await Promise.all([startInstance(schema), startInstance(schema)]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([stopInstance(a), stopInstance(b)]);
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  }, 30_000);

  it('started together on an empty schema: one seeding, one signing key, each accepts the other’s tokens', async () => {
    const users = await db.query(`SELECT count(*)::int AS n FROM "${schema}".users`);
    expect(users.rows[0].n).toBe(5);
    const keys = await db.query(`SELECT count(*)::int AS n FROM "${schema}".tollgate_example_signing_key`);
    expect(keys.rows[0].n).toBe(1);
    const token = await jwtLogin(A(), ETHAN);
    const me = await fetch(`${B()}/api/v2/me/`, { headers: { authorization: `JWT ${token}` } });
    expect(me.status).toBe(200);
  });

  it(`a UAT revoked on one instance is refused on the other within ${REVOCATION_BOUND_MS} ms`, async () => {
    const jwt = { authorization: `JWT ${await jwtLogin(A(), ETHAN)}` };
    const created = await post(
      A(),
      '/api/v2/me/tokens/',
      {
        name: 'two-instances',
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
        permissions: ['scans_download'],
      },
      jwt,
    );
    expect(created.status).toBe(201);
    const uat = (await created.json()) as { id: string; token: string };
    const onB = () =>
      fetch(`${B()}/api/v2/scans/download`, { headers: { authorization: `UAT ${uat.token}` } });
    // B has looked it up and caches it.
    expect((await onB()).status).toBe(200);
    expect((await onB()).status).toBe(200);

    const revoked = await fetch(`${A()}/api/v2/me/tokens/${uat.id}/`, { method: 'DELETE', headers: jwt });
    expect(revoked.status).toBe(204);
    const revokedAt = performance.now();
    let status = 200;
    while (status === 200 && performance.now() - revokedAt < 5000) status = (await onB()).status;
    const latency = performance.now() - revokedAt;
    console.log(`revocation on A refused on B after ${latency.toFixed(1)} ms`);
    expect(status).toBe(401);
    expect(latency).toBeLessThan(REVOCATION_BOUND_MS);
  });

  it('one refresh token presented to both instances at once: exactly one rotation wins', async () => {
    for (let round = 0; round < 5; round++) {
      const pair = await pairLogin(A(), BOB);
      const replies = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          post(i % 2 === 0 ? A() : B(), '/api/v2/auth/token/refresh', { refreshToken: pair.refreshToken }),
        ),
      );
      const statuses = replies.map((reply) => reply.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 401)).toHaveLength(15);
    }
    // 5 rounds of 17 requests over two processes: well under a second idle; a busy machine may take
    // many times that, and the race it checks does not depend on how long it takes.
  }, 60_000);

  it('one instance killed mid-rotation: nothing answered is lost, nothing is issued twice', async () => {
    const pairs: Pair[] = [];
    for (let i = 0; i < 24; i++) pairs.push(await pairLogin(B(), BOB));
    // Every rotation goes to A, which is killed as soon as the first one is answered, while the
    // others are in flight.
    const exited = new Promise((resolve) => a!.child.once('exit', resolve));
    const inFlight = pairs.map((pair) =>
      post(A(), '/api/v2/auth/token/refresh', { refreshToken: pair.refreshToken }).then(
        async (reply) => {
          a!.child.kill('SIGKILL');
          return { status: reply.status, body: (await reply.json()) as { content: Pair[] } };
        },
        () => null, // the connection died with A
      ),
    );
    const outcomes = await Promise.all(inFlight);
    await exited;

    let answered = 0;
    let retried = 0;
    for (const [i, outcome] of outcomes.entries()) {
      if (outcome?.status === 200) {
        // Answered before the kill: the new refresh token is durable and works on B.
        answered += 1;
        const next = outcome.body.content[0]!;
        const again = await post(B(), '/api/v2/auth/token/refresh', { refreshToken: next.refreshToken });
        expect(again.status).toBe(200);
      } else {
        // Never answered: either the rotation rolled back (the old token still rotates, once) or it
        // committed without an answer (the old token is then reuse, revoking the family): never two
        // live successors of one token.
        retried += 1;
        const retry = await post(B(), '/api/v2/auth/token/refresh', { refreshToken: pairs[i]!.refreshToken });
        expect([200, 401]).toContain(retry.status);
        const third = await post(B(), '/api/v2/auth/token/refresh', { refreshToken: pairs[i]!.refreshToken });
        expect(third.status).toBe(401);
      }
    }
    console.log(`A killed: ${answered} rotations answered before, ${retried} cut off`);
    expect(answered + retried).toBe(pairs.length);
    expect(answered, 'at least one rotation was answered before the kill').toBeGreaterThan(0);
    // Each family has at most one token not yet exchanged.
    const live = await db.query(
      `SELECT family_id, count(*)::int AS n FROM "${schema}".refresh_tokens
       WHERE rotated_at IS NULL GROUP BY family_id HAVING count(*) > 1`,
    );
    expect(live.rows).toEqual([]);
    // B serves on alone.
    expect((await pairLogin(B(), ETHAN)).token).toEqual(expect.any(String));
  }, 60_000);
});
