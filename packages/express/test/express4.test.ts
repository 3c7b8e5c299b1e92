/**
 * Express 4 (the peer range includes ^4.21): the same middleware on an Express 4 app, through the
 * aliased devDependency `express4` (npm:express@^4). Express 4 ships no types of its own and the
 * package's types are Express 5's; the app is only called through the API both majors share, so
 * it is typed with Express 5's types (one cast, at the require).
 */
import { createRequire } from 'node:module';
import type { Tollgate } from '@tollgate/core';
import { BOB, call, demoTollgate, ETHAN, type Listening, listen, postJson } from '@tollgate/test-kit';
import type express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTollgateExpress } from '../src/index.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

const express4 = createRequire(import.meta.url)('express4') as typeof express;

let tollgate: Tollgate;
const servers: Listening[] = [];

beforeAll(async () => {
  tollgate = await demoTollgate();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function serve(withJsonParser: boolean): Promise<Listening> {
  const tg = createTollgateExpress(tollgate, { profiles: DOCUMENTED_PROFILES, errorShape: 'detail' });
  const app = express4();
  // Express 4's express.json() sets req.body to {} even when it parses nothing.
  if (withJsonParser) app.use(express4.json());
  app.use(tg.router());
  app.post('/api/v2/brands/', tg.authenticate(), tg.requirePermissions('brand_create'), (req, res) => {
    res.status(201).json({ by: req.principal?.username ?? null });
  });
  const server = await listen(app);
  servers.push(server);
  return server;
}

describe('Express 4', () => {
  it('runs on Express 4 indeed', () => {
    const version: unknown = createRequire(import.meta.url)('express4/package.json');
    expect(version).toMatchObject({ version: expect.stringMatching(/^4\./) });
  });

  for (const withJsonParser of [false, true]) {
    it(`logs in through router() and calls a route behind authenticate()${withJsonParser ? ', after express.json()' : ''}`, async () => {
      const server = await serve(withJsonParser);
      const login = await postJson(`${server.url}/api/v2/auth/jwt/`, {
        email: ETHAN.username,
        password: ETHAN.password,
      });
      expect(login.status).toBe(200);
      const { token } = login.body as { token: string };

      const created = await postJson(`${server.url}/api/v2/brands/`, {}, { authorization: `JWT ${token}` });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ by: ETHAN.username });

      const anonymous = await postJson(`${server.url}/api/v2/brands/`, {});
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual({ detail: 'Authentication credentials were not provided.' });

      const pair = await tollgate.tokenPair.login(BOB);
      const me = await call(`${server.url}/api/v2/me/`, {
        headers: { authorization: `Bearer ${pair.token}` },
      });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email: BOB.username, authenticatedBy: 'Bearer' });

      // The {} Express 4's parser leaves on an unparsed body is not taken for a JSON body.
      const text = await call(`${server.url}/api/v2/auth/jwt/`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'email=x',
      });
      expect(text.status).toBe(415);
      expect(text.headers.get('tollgate-error-code')).toBe('unsupported_media_type');
    });
  }
});
