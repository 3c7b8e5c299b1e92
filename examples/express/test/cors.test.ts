/** CORS in the example, from the environment: TOLLGATE_CORS_ORIGINS (and TOLLGATE_CORS_CREDENTIALS). */
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScryptPasswordHasher } from '@tollgate/core';
import { exampleOptionsFromEnv } from '@tollgate/example-shared';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-cors-express-'));
const running: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(running.map((server) => server.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(env: NodeJS.ProcessEnv, name: string): Promise<string> {
  const server = await startServer({
    ...exampleOptionsFromEnv({ ...env, TOLLGATE_DB: join(dir, `${name}.db`) }),
    port: 0,
    host: '127.0.0.1',
    passwordHasher: createScryptPasswordHasher({ logN: 10, r: 8, p: 1 }),
    logger: false,
  });
  running.push(server);
  return server.url;
}

/** A browser's preflight (node:http: fetch may not send these headers as given). */
const preflight = (url: string, origin: string) =>
  new Promise<{ status: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
    const req = request(
      `${url}/api/v2/auth/jwt/`,
      { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });

describe('express example: CORS from TOLLGATE_CORS_ORIGINS', () => {
  it('listed origins get their preflight; without the variable CORS is off', async () => {
    const url = await start(
      {
        TOLLGATE_CORS_ORIGINS: 'https://app.example.test, http://localhost:5173',
        TOLLGATE_CORS_CREDENTIALS: 'true',
      },
      'on',
    );
    for (const origin of ['https://app.example.test', 'http://localhost:5173']) {
      const reply = await preflight(url, origin);
      expect(reply.status).toBe(204);
      expect(reply.headers['access-control-allow-origin']).toBe(origin);
      expect(reply.headers['access-control-allow-credentials']).toBe('true');
    }
    expect((await preflight(url, 'https://other.example.test')).status).toBe(405);

    const off = await start({}, 'off');
    const reply = await preflight(off, 'https://app.example.test');
    expect(reply.status).toBe(405);
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });
});
