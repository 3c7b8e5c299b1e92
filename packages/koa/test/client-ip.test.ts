/**
 * The per-IP login limit counts the client IP as Koa reports it (`ctx.ip`), so it honours the
 * app's `proxy` setting: behind a trusted proxy, each X-Forwarded-For client has its own count.
 */

import { demoTollgate, ETHAN, type Listening, listen, postJson } from '@tollgate/test-kit';
import Koa from 'koa';
import { afterAll, describe, expect, it } from 'vitest';
import { createTollgateKoa } from '../src/index.js';

const servers: Listening[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function serve(trustProxy: boolean): Promise<Listening> {
  const tollgate = await demoTollgate({
    loginLimits: { perAccount: false, perIp: { maxFailures: 2, windowSeconds: 60, blockSeconds: 60 } },
  });
  const app = new Koa({ proxy: trustProxy });
  app.use(createTollgateKoa(tollgate, { profiles: ['token-pair'] }).router());
  const server = await listen(app.callback());
  servers.push(server);
  return server;
}

const guess = (server: Listening, forwardedFor: string) =>
  postJson(
    `${server.url}/api/v2/auth/token`,
    { username: ETHAN.username, password: 'wrong' },
    {
      'x-forwarded-for': forwardedFor,
    },
  );

describe('client IP of the per-IP login limit (Koa)', () => {
  it('behind a trusted proxy: one count per forwarded client', async () => {
    const server = await serve(true);
    expect((await guess(server, '203.0.113.1')).status).toBe(401);
    expect((await guess(server, '203.0.113.1')).status).toBe(401);
    const limited = await guess(server, '203.0.113.1');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await guess(server, '203.0.113.2')).status).toBe(401);
  });

  it('without app.proxy: X-Forwarded-For is ignored, the socket address counts', async () => {
    const server = await serve(false);
    expect((await guess(server, '203.0.113.1')).status).toBe(401);
    expect((await guess(server, '203.0.113.2')).status).toBe(401);
    expect((await guess(server, '203.0.113.3')).status).toBe(429);
  });
});
