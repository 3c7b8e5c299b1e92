/**
 * @nestjs/passport: `AuthGuard('tollgate-uat')` on a controller route of a Nest app (Express
 * platform), over real HTTP; and the README's guard that keeps the refusal's code, rendered by an
 * exception filter through the core. Explicit `@Inject` tokens: vitest emits no decorator metadata.
 */
import 'reflect-metadata';
import {
  type ArgumentsHost,
  Catch,
  Controller,
  type ExceptionFilter,
  Get,
  type INestApplication,
  Inject,
  Injectable,
  Module,
  Req,
  UseGuards,
} from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { type Principal, TollgateError } from '@tollgate/core';
import type { TollgateHttp } from '@tollgate/core/http';
import { writeNodeResponse } from '@tollgate/core/node';
import { generateUat } from '@tollgate/core/testing';
import { ETHAN, rawRequest } from '@tollgate/test-kit';
import type { Request, Response } from 'express';
import passport from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tollgateRefusal, UatStrategy } from '../src/index.js';
import '../src/express-user.js'; // the opt-in: req.user is the core's Principal
import { type Demo, demoTokens, demoTollgate } from './demo.js';

const TOLLGATE_HTTP = Symbol('TOLLGATE_HTTP');

/** AuthGuard('tollgate-uat'), refusals thrown as the TollgateError they are (typed, no any). */
@Injectable()
class UatGuard extends AuthGuard('tollgate-uat') {
  override handleRequest<TUser = Principal>(error: unknown, user: TUser | false, info: unknown): TUser {
    if (error) throw error;
    if (!user) throw tollgateRefusal(info);
    return user;
  }
}

/** Renders every TollgateError through the core: status, WWW-Authenticate, error code, body shape. */
@Catch(TollgateError)
class TollgateFilter implements ExceptionFilter<TollgateError> {
  constructor(@Inject(TOLLGATE_HTTP) private readonly http: TollgateHttp) {}

  catch(error: TollgateError, host: ArgumentsHost): void {
    writeNodeResponse(host.switchToHttp().getResponse<Response>(), this.http.renderError(error, 'detail'));
  }
}

@Controller('api')
class MeController {
  @Get('me')
  @UseGuards(AuthGuard('tollgate-uat'))
  me(@Req() req: Request) {
    return { username: req.user?.username, source: req.user?.source };
  }

  @Get('profile-shaped')
  @UseGuards(UatGuard)
  shaped(@Req() req: Request) {
    return { username: req.user?.username };
  }
}

function appModule(demo: Demo) {
  @Module({
    controllers: [MeController],
    providers: [
      { provide: TOLLGATE_HTTP, useValue: demo.http },
      { provide: APP_FILTER, useClass: TollgateFilter },
    ],
  })
  class AppModule {}
  return AppModule;
}

describe('@nestjs/passport AuthGuard', () => {
  let demo: Demo;
  let uat: string;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    demo = await demoTollgate();
    uat = (await demoTokens(demo.tollgate)).uat;
    // AuthGuard uses passport's default instance.
    passport.use(new UatStrategy(demo.http));
    app = await NestFactory.create(appModule(demo), new ExpressAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    passport.unuse('tollgate-uat');
  });

  it('200 with a UAT: req.user is the principal', async () => {
    const reply = await rawRequest(`${url}/api/me`, { headers: { authorization: `UAT ${uat}` } });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body).toEqual({ username: ETHAN.username, source: 'UAT' });
  });

  it('401 without one, and with another scheme', async () => {
    expect((await rawRequest(`${url}/api/me`)).status).toBe(401);
    const jwt = (await demo.tollgate.accessTokens.login(ETHAN)).token;
    expect((await rawRequest(`${url}/api/me`, { headers: { authorization: `JWT ${jwt}` } })).status).toBe(
      401,
    );
  });

  it('the typed guard keeps the code: rendered by the core in the profile’s shape', async () => {
    const missing = await rawRequest(`${url}/api/profile-shaped`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(
      'JWT realm="tollgate", UAT realm="tollgate", Bearer realm="tollgate"',
    );
    expect(missing.text).toBe('{"detail":"Authentication credentials were not provided."}');
    const bad = await rawRequest(`${url}/api/profile-shaped`, { headers: { authorization: 'UAT garbage' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('tollgate-error-code')).toBe('invalid_token');
    const ok = await rawRequest(`${url}/api/profile-shaped`, { headers: { authorization: `UAT ${uat}` } });
    expect(ok.status, ok.text).toBe(200);
  });

  it('a store failure is 503 store_unavailable, not a 401', async () => {
    demo.store.down = true;
    try {
      const headers = { authorization: `UAT ${generateUat().token}` };
      const reply = await rawRequest(`${url}/api/profile-shaped`, { headers });
      expect(reply.status, reply.text).toBe(503);
      expect(reply.headers.get('tollgate-error-code')).toBe('store_unavailable');
    } finally {
      demo.store.down = false;
    }
  });
});
