/**
 * The per-IP login limit counts the client IP as Express (under Nest) reports it (`req.ip`), so it
 * honours `trust proxy`: behind a trusted proxy, each X-Forwarded-For client has its own count.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { call, demoTollgateOptions, ETHAN } from '@tollgate/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateModule } from '../src/index.js';
import { type Running, start } from './nest-app.js';

describe('client IP of the per-IP login limit (Nest on Express)', () => {
  let app: Running;

  beforeAll(async () => {
    const tollgate = {
      ...(await demoTollgateOptions()),
      loginLimits: { perAccount: false, perIp: { maxFailures: 2, windowSeconds: 60, blockSeconds: 60 } },
    } as const;
    @Module({ imports: [TollgateModule.forRoot({ tollgate, profiles: ['token-pair'] })] })
    class AppModule {}
    app = await start(AppModule);
    (app.app as NestExpressApplication).set('trust proxy', 'loopback');
  });
  afterAll(() => app.close());

  const guess = (forwardedFor: string) =>
    call(`${app.url}/api/v2/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ username: ETHAN.username, password: 'wrong' }),
    });

  it('one count per forwarded client', async () => {
    expect((await guess('203.0.113.1')).status).toBe(401);
    expect((await guess('203.0.113.1')).status).toBe(401);
    const limited = await guess('203.0.113.1');
    expect(limited.status).toBe(429);
    expect(limited.text).toBe(
      '{"errorCode":"AUTH_1029","errorMessage":"Too many attempts","content":"","pageable":""}',
    );
    expect((await guess('203.0.113.2')).status).toBe(401);
  });
});
