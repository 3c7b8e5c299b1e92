/**
 * Two processes of this example on different ports, sharing one PostgreSQL schema and Redis, as
 * behind a load balancer: started at the same moment on an empty schema, they behave as one service.
 * Revocations (a UAT, a session, a user) made on one reach the other within REVOCATION_BOUND_MS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Tollgate } from '@tollgate/core';
import { createScryptPasswordHasher } from '@tollgate/core';
import { type ExampleSetup, openExample } from '@tollgate/example-shared';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, REDIS_URL } from './services.js';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));
const ETHAN = { username: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' };
const BOB = { username: 'bob@acme.test', password: 'Acme!user1' };
const AVA = { username: 'ava.reader@datastoreltd.biz', password: 'R3ader!pass' };
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
      // Off: these tests count rotations (a retry within the interval would be a second winner).
      TOLLGATE_REFRESH_REUSE_INTERVAL_SECONDS: '0',
      // A cheap hash: these tests log in dozens of times; what they check does not depend on it.
      TOLLGATE_SCRYPT_LOGN: '10',
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

const me = (base: string, authorization: string) =>
  fetch(`${base}/api/v2/me/`, { headers: { authorization } });

/**
 * How long after `revokedAt` (performance.now()) `request` stops answering 200: polled back to back
 * for at most 5 s. Returns the last status and the latency: when the first refused request was sent
 * (its own round trip, which a busy machine stretches, is not the revocation's).
 */
async function refusedAfter(
  request: () => Promise<Response>,
  revokedAt: number,
): Promise<{ readonly status: number; readonly latency: number }> {
  let status = 200;
  let sentAt = revokedAt;
  while (status === 200 && performance.now() - revokedAt < 5000) {
    sentAt = performance.now();
    status = (await request()).status;
  }
  return { status, latency: sentAt - revokedAt };
}

/** Asserts `authorization` is accepted on each instance, twice (so each has it cached). */
async function acceptedOn(bases: readonly string[], authorization: string): Promise<void> {
  for (const base of bases) {
    for (let i = 0; i < 2; i++) expect((await me(base, authorization)).status).toBe(200);
  }
}

describe('two instances on one PostgreSQL schema and one Redis', () => {
  const schema = `tollgate_two_${randomBytes(6).toString('hex')}`;
  const db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  let a: Instance | undefined;
  let b: Instance | undefined;
  // The same service in this process (same schema, same Redis): a third instance, whose revocations
  // (ending a session by id, logging a user out everywhere, which has no HTTP route, disabling a user)
  // must reach A and B like anything A revokes over HTTP.
  let core: ExampleSetup | undefined;
  const A = () => a!.url;
  const B = () => b!.url;
  const tollgate = (): Tollgate => core!.tollgate;

  beforeAll(async () => {
    // The same moment, an empty schema: migrations and seeding must not race.
    [a, b] = await Promise.all([startInstance(schema), startInstance(schema)]);
    core = await openExample({
      databaseUrl: DATABASE_URL,
      databaseSchema: schema,
      redisUrl: REDIS_URL,
      passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
      logger: false,
    });
  }, 90_000);

  afterAll(async () => {
    await core?.store.close();
    await Promise.all([stopInstance(a), stopInstance(b)]);
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  }, 30_000);

  it('started together on an empty schema: one seeding, one signing key, each accepts the other’s tokens', async () => {
    const users = await db.query(`SELECT count(*)::int AS n FROM "${schema}".users`);
    expect(users.rows[0].n).toBe(5);
    const keys = await db.query(`SELECT count(*)::int AS n FROM "${schema}".signing_keys`);
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
    const { status, latency } = await refusedAfter(onB, performance.now());
    console.log(`revocation on A refused on B after ${latency.toFixed(1)} ms`);
    expect(status).toBe(401);
    expect(latency).toBeLessThan(REVOCATION_BOUND_MS);
  });

  it(`a session ended on A (logout, over HTTP) is refused on B within ${REVOCATION_BOUND_MS} ms`, async () => {
    const pair = await pairLogin(A(), ETHAN);
    const bearer = `Bearer ${pair.token}`;
    await acceptedOn([A(), B()], bearer);

    const logout = await post(A(), '/api/v2/auth/token/revoke', { refreshToken: pair.refreshToken });
    expect(logout.status).toBe(204);
    const { status, latency } = await refusedAfter(() => me(B(), bearer), performance.now());
    console.log(`session ended on A (logout) refused on B after ${latency.toFixed(1)} ms`);
    expect(status).toBe(401);
    expect(latency).toBeLessThan(REVOCATION_BOUND_MS);
    expect((await me(A(), bearer)).status).toBe(401);
  }, 30_000);

  it(`a session ended by its id (sessions.revoke) is refused on A and B within ${REVOCATION_BOUND_MS} ms; the user's other sessions go on`, async () => {
    const kept = `JWT ${await jwtLogin(A(), ETHAN)}`;
    const ended = `JWT ${await jwtLogin(B(), ETHAN)}`;
    const pair = await pairLogin(A(), ETHAN);
    await acceptedOn([A(), B()], kept);
    await acceptedOn([A(), B()], ended);
    await acceptedOn([A(), B()], `Bearer ${pair.token}`);

    const caller = await tollgate().requirePrincipal({ authorization: kept });
    const { sessionId } = await tollgate().requirePrincipal({ authorization: ended });
    expect(sessionId).toEqual(expect.any(String));
    const listed = await tollgate().sessions.list({ caller });
    expect(listed.map((s) => s.id)).toContain(sessionId);

    await tollgate().sessions.revoke({ caller, sessionId: sessionId! });
    const revokedAt = performance.now();
    const [onA, onB] = await Promise.all([
      refusedAfter(() => me(A(), ended), revokedAt),
      refusedAfter(() => me(B(), ended), revokedAt),
    ]);
    console.log(
      `session ended by id refused on A after ${onA.latency.toFixed(1)} ms, on B after ${onB.latency.toFixed(1)} ms`,
    );
    expect([onA.status, onB.status]).toEqual([401, 401]);
    expect(onA.latency).toBeLessThan(REVOCATION_BOUND_MS);
    expect(onB.latency).toBeLessThan(REVOCATION_BOUND_MS);
    // Only that session.
    for (const base of [A(), B()]) {
      expect((await me(base, kept)).status).toBe(200);
      expect((await me(base, `Bearer ${pair.token}`)).status).toBe(200);
    }
    // The token pair's session ended the same way takes its refresh token along, on either instance.
    const pairSession = (await tollgate().requirePrincipal({ authorization: `Bearer ${pair.token}` }))
      .sessionId!;
    await tollgate().sessions.revoke({ caller, sessionId: pairSession });
    const refreshed = await post(B(), '/api/v2/auth/token/refresh', { refreshToken: pair.refreshToken });
    expect(refreshed.status).toBe(401);
  }, 30_000);

  it(`a user logged out everywhere: every token refused on A and B within ${REVOCATION_BOUND_MS} ms, a new login works`, async () => {
    const tokens = [
      `JWT ${await jwtLogin(A(), ETHAN)}`,
      `JWT ${await jwtLogin(B(), ETHAN)}`,
      `Bearer ${(await pairLogin(A(), ETHAN)).token}`,
      `Bearer ${(await pairLogin(B(), ETHAN)).token}`,
    ];
    const bob = `JWT ${await jwtLogin(A(), BOB)}`;
    for (const token of [...tokens, bob]) await acceptedOn([A(), B()], token);

    await tollgate().users.logOutEverywhere({ username: ETHAN.username });
    const revokedAt = performance.now();
    const [onA, onB] = await Promise.all([
      refusedAfter(() => me(A(), tokens[0]!), revokedAt),
      refusedAfter(() => me(B(), tokens[1]!), revokedAt),
    ]);
    console.log(
      `user logged out everywhere: refused on A after ${onA.latency.toFixed(1)} ms, on B after ${onB.latency.toFixed(1)} ms`,
    );
    expect([onA.status, onB.status]).toEqual([401, 401]);
    expect(onA.latency).toBeLessThan(REVOCATION_BOUND_MS);
    expect(onB.latency).toBeLessThan(REVOCATION_BOUND_MS);
    for (const base of [A(), B()]) {
      for (const token of tokens) expect((await me(base, token)).status).toBe(401);
      // Only that user's.
      expect((await me(base, bob)).status).toBe(200);
    }
    // Logging in again works, and the new token is good on both.
    const fresh = `JWT ${await jwtLogin(B(), ETHAN)}`;
    await acceptedOn([A(), B()], fresh);
  }, 30_000);

  it(`a user disabled: every token refused on A and B within ${REVOCATION_BOUND_MS} ms; enabled, a new login works but old tokens stay dead`, async () => {
    const pair = await pairLogin(B(), AVA);
    const tokens = [`JWT ${await jwtLogin(A(), AVA)}`, `Bearer ${pair.token}`];
    for (const token of tokens) await acceptedOn([A(), B()], token);

    await tollgate().users.disable({ username: AVA.username, actorId: 'cli' });
    const revokedAt = performance.now();
    const [onA, onB] = await Promise.all([
      refusedAfter(() => me(A(), tokens[1]!), revokedAt),
      refusedAfter(() => me(B(), tokens[0]!), revokedAt),
    ]);
    console.log(
      `user disabled: refused on A after ${onA.latency.toFixed(1)} ms, on B after ${onB.latency.toFixed(1)} ms`,
    );
    expect([onA.status, onB.status]).toEqual([401, 401]);
    expect(onA.latency).toBeLessThan(REVOCATION_BOUND_MS);
    expect(onB.latency).toBeLessThan(REVOCATION_BOUND_MS);
    for (const base of [A(), B()]) {
      for (const token of tokens) expect((await me(base, token)).status).toBe(401);
      const login = await post(base, '/api/v2/auth/jwt/', { email: AVA.username, password: AVA.password });
      expect(login.status).toBe(400);
    }
    const refreshed = await post(A(), '/api/v2/auth/token/refresh', { refreshToken: pair.refreshToken });
    expect(refreshed.status).toBe(401);

    await tollgate().users.enable({ username: AVA.username, actorId: 'cli' });
    const fresh = `JWT ${await jwtLogin(A(), AVA)}`;
    await acceptedOn([A(), B()], fresh);
    for (const base of [A(), B()]) {
      for (const token of tokens) expect((await me(base, token)).status).toBe(401);
    }
  }, 30_000);

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
