/**
 * TollgateGuard as a global guard (APP_GUARD): every route needs credentials unless `@Public()`;
 * the profiles' own routes are served before any guard runs.
 */
import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AVA, call, demoTollgate, ETHAN, jwt, postJson } from '@tollgate/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Principal, Public, RequirePermissions, TollgateGuard, TollgateModule } from '../src/index.js';
import { type Running, start } from './nest-app.js';

const DOCUMENTED_PROFILES = ['user-tokens', 'delegated-login', 'token-pair', 'uat-jwt'] as const;

@Controller()
class AppController {
  @Get('me')
  me(@Principal() principal: Principal) {
    return { user: principal.username };
  }

  @Get('brands')
  @RequirePermissions('brand_create')
  brands() {
    return { brands: [] };
  }

  @Get('health')
  @Public()
  health() {
    return { ok: true };
  }
}

@Controller('status')
@Public()
class StatusController {
  @Get()
  status() {
    return { up: true };
  }

  @Get('details')
  @RequirePermissions('scm_bulk_edit')
  details() {
    return { details: true };
  }
}

describe('TollgateGuard as APP_GUARD', () => {
  let app: Running;

  beforeAll(async () => {
    const tollgate = await demoTollgate();
    @Module({
      imports: [TollgateModule.forRoot({ tollgate, profiles: DOCUMENTED_PROFILES })],
      controllers: [AppController, StatusController],
      providers: [{ provide: APP_GUARD, useClass: TollgateGuard }],
    })
    class AppModule {}
    app = await start(AppModule);
  });
  afterAll(() => app.close());

  it('guards every route', async () => {
    const reply = await call(`${app.url}/me`);
    expect(reply.status).toBe(401);
    expect(reply.headers.get('tollgate-error-code')).toBe('credentials_missing');
    expect(reply.text).toBe(
      '{"code":"credentials_missing","message":"Authentication credentials were not provided."}',
    );
    const ok = await call(`${app.url}/me`, {
      headers: { authorization: `JWT ${await jwt(app.url, ETHAN)}` },
    });
    expect(ok.text).toBe(`{"user":"${ETHAN.username}"}`);
  });

  it('applies the route’s requirements', async () => {
    const reply = await call(`${app.url}/brands`, {
      headers: { authorization: `JWT ${await jwt(app.url, AVA)}` },
    });
    expect(reply.status).toBe(403);
    expect(reply.headers.get('tollgate-error-code')).toBe('insufficient_permission');
  });

  it('@Public() on a route or a controller opens it', async () => {
    expect((await call(`${app.url}/health`)).text).toBe('{"ok":true}');
    expect((await call(`${app.url}/status`)).text).toBe('{"up":true}');
  });

  it('a route with a requirement of its own is never public, even in a @Public() controller', async () => {
    expect((await call(`${app.url}/status/details`)).status).toBe(401);
    const ava = { authorization: `JWT ${await jwt(app.url, AVA)}` };
    expect((await call(`${app.url}/status/details`, { headers: ava })).status).toBe(403);
    const ethan = { authorization: `JWT ${await jwt(app.url, ETHAN)}` };
    expect((await call(`${app.url}/status/details`, { headers: ethan })).text).toBe('{"details":true}');
  });

  it('the profiles’ routes are served before the guard (logins need no credentials)', async () => {
    const reply = await postJson(`${app.url}/api/v2/auth/token`, ETHAN);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });
});
