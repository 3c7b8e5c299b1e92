import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScryptPasswordHasher } from '@tollgate/core';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/server.js';

// Issue 15: the signing key is kept in the database, so a restart keeps every token valid.

const dir = mkdtempSync(join(tmpdir(), 'tollgate-restart-express-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const start = () =>
  startServer({
    port: 0,
    host: '127.0.0.1',
    database: join(dir, 'tollgate.db'),
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
    logger: false,
  });

describe('express example: restart', () => {
  it('a JWT issued before a restart is accepted after it', async () => {
    const before = await start();
    let token: string;
    try {
      const login = await fetch(`${before.url}/api/v2/auth/jwt/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ethan.buckley@datastoreltd.biz', password: 'S0qUx56pW!' }),
      });
      expect(login.status).toBe(200);
      token = ((await login.json()) as { token: string }).token;
    } finally {
      await before.close();
    }
    const after = await start();
    try {
      const me = await fetch(`${after.url}/api/v2/me/`, { headers: { authorization: `JWT ${token}` } });
      expect(me.status).toBe(200);
    } finally {
      await after.close();
    }
  }, 60_000);
});
