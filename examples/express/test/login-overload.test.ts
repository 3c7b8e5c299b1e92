/**
 * The cap on concurrent password checks, over HTTP on the Express example: a burst of logins beyond
 * the slots and the queue is answered 503 + Retry-After at once, in each profile's error shape, without
 * hashing; the queued logins still succeed. The hasher is the real scrypt one, held at a latch the test
 * opens, so "at once" means: while every admitted hash is still waiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScryptPasswordHasher, type PasswordHasher, type PasswordHashingOptions } from '@tollgate/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';

const BOB = { username: 'bob@acme.test', password: 'Acme!user1' };

/** scrypt, but each check waits for `open()`; `started` counts the checks that began. */
function latchedHasher() {
  const real = createScryptPasswordHasher({ logN: 10, r: 8, p: 1 });
  let open = false;
  let release: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  const waiters: { count: number; resolve: () => void }[] = [];
  let started = 0;
  const begin = async () => {
    started++;
    for (const waiter of waiters.filter((w) => started >= w.count)) waiter.resolve();
    if (!open) await opened;
  };
  const hasher: PasswordHasher = {
    hash: (password) => real.hash(password),
    async verify(password, encoded) {
      await begin();
      return real.verify(password, encoded);
    },
    async verifyDummy(password) {
      await begin();
      return real.verifyDummy(password);
    },
  };
  return {
    hasher,
    get started() {
      return started;
    },
    startedAtLeast: (count: number) =>
      started >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    open() {
      open = true;
      release();
    },
  };
}

const servers: { server: RunningServer; dir: string }[] = [];
afterEach(async () => {
  for (const { server, dir } of servers.splice(0)) {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function serve(passwordHasher: PasswordHasher, passwordHashing: PasswordHashingOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-overload-'));
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    database: join(dir, 'tollgate.db'),
    passwordHasher,
    passwordHashing,
    logger: false,
  });
  servers.push({ server, dir });
  return server.url;
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the cap on concurrent password checks', () => {
  it('answers a burst beyond slots and queue with 503 + Retry-After at once, and serves the queued logins', async () => {
    const latch = latchedHasher();
    const url = await serve(latch.hasher, { maxConcurrent: 2, maxQueue: 3, retryAfterSeconds: 7 });
    // Seeding hashed the demo passwords; from here on only checks count.
    const replies = Array.from({ length: 9 }, () => post(`${url}/api/v2/auth/token`, BOB));
    // Two checks run (held at the latch), three wait in the queue: four are refused, while nothing hashes.
    const early = await new Promise<Response[]>((resolve, reject) => {
      const done: Response[] = [];
      for (const reply of replies) {
        reply.then((response) => {
          done.push(response);
          if (done.length === 4) resolve(done);
        }, reject);
      }
    });
    expect(latch.started).toBeLessThanOrEqual(2);
    for (const response of early) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(response.headers.get('tollgate-error-code')).toBe('login_overloaded');
      expect(await response.json()).toEqual({
        errorCode: 'AUTH_1503',
        errorMessage: 'Service temporarily unavailable',
        content: '',
        pageable: '',
      });
    }
    await latch.startedAtLeast(2);
    latch.open();
    const all = await Promise.all(replies);
    expect(all.map((response) => response.status).sort()).toEqual([
      200, 200, 200, 200, 200, 503, 503, 503, 503,
    ]);
    // Only the admitted logins were hashed.
    expect(latch.started).toBe(5);
    // A refusal for load is not a failed login: the account is not limited.
    expect((await post(`${url}/api/v2/auth/token`, BOB)).status).toBe(200);
  }, 60_000);

  it('renders login_overloaded in the default and Django REST framework shapes', async () => {
    const latch = latchedHasher();
    const url = await serve(latch.hasher, { maxConcurrent: 1, maxQueue: 0, retryAfterSeconds: 3 });
    const held = post(`${url}/api/v2/auth/token`, BOB);
    await latch.startedAtLeast(1);

    const a = await fetch(
      `${url}/Authentication?username=${encodeURIComponent(BOB.username)}&password=${encodeURIComponent(BOB.password)}`,
    );
    expect(a.status).toBe(503);
    expect(a.headers.get('retry-after')).toBe('3');
    expect(await a.json()).toEqual({
      code: 'login_overloaded',
      message: 'Too many logins are being checked; try again shortly.',
    });

    const d = await post(`${url}/api/v2/auth/jwt/`, { email: BOB.username, password: BOB.password });
    expect(d.status).toBe(503);
    expect(d.headers.get('retry-after')).toBe('3');
    expect(await d.json()).toEqual({ detail: 'Service temporarily unavailable, try again later.' });

    latch.open();
    expect((await held).status).toBe(200);
    expect(latch.started).toBe(1);
  }, 60_000);
});
