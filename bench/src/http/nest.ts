/**
 * The NestJS 11 variants (platform-express): bare, `TollgateGuard` (EdDSA, HS256, UAT), and
 * `@nestjs/passport`'s `AuthGuard('jwt')` over a passport-jwt strategy, and the floor (a guard that
 * only looks the header up in a Map). Each is one controller with
 * one `GET /hello` route returning `{ hello: 'world' }`.
 */
import 'reflect-metadata';
import type { Server } from 'node:http';
import {
  type CanActivate,
  Controller,
  type DynamicModule,
  type ExecutionContext,
  Get,
  HttpException,
  Injectable,
  type Type,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { TollgateGuard, TollgateModule } from '@tollgate/nest';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { HttpFixture, Variant } from './common.js';
import {
  floorTable,
  hs256Credentials,
  hs256Secret,
  PEER_REFUSAL,
  type Running,
  running,
  tollgateSetup,
} from './setup.js';

/** The controller of every variant, behind `guard` (none for bare Nest). */
function helloController(guard?: Type<unknown>) {
  @Controller()
  class HelloController {
    @Get('hello')
    hello() {
      return { hello: 'world' };
    }
  }
  if (guard) UseGuards(guard)(HelloController);
  return HelloController;
}

/**
 * The passport-jwt strategy as @nestjs/passport registers it (`PassportStrategy(Strategy)`, name
 * `jwt`): the fixture's HS256 secret as a KeyObject imported once (passport-jwt hands it to
 * jsonwebtoken's verify, which takes it as is; its types only list string | Buffer), HS256 only,
 * issuer and audience checked; `validate` returns the claims.
 */
function jwtStrategy(fixture: HttpFixture) {
  @Injectable()
  class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
    constructor() {
      super({
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: hs256Secret(fixture) as unknown as Buffer,
        algorithms: ['HS256'],
        issuer: fixture.issuer,
        audience: fixture.audience,
      });
    }

    validate(payload: unknown): unknown {
      return payload;
    }
  }
  return JwtStrategy;
}

/** The floor: a guard that only looks the `Authorization` header up in a Map. */
function floorGuard(known: ReturnType<typeof floorTable>['known']) {
  @Injectable()
  class FloorGuard implements CanActivate {
    canActivate(context: ExecutionContext): boolean {
      const request = context.getArgByIndex<{ headers: Record<string, string | undefined> }>(0);
      const principal = known.get(request.headers.authorization ?? '');
      if (principal === undefined) throw new HttpException(PEER_REFUSAL, 401);
      (request as { principal?: unknown }).principal = principal;
      return true;
    }
  }
  return FloorGuard;
}

interface Built {
  readonly module: DynamicModule;
  readonly valid: string;
  readonly refused: string;
  readonly close?: () => Promise<void>;
}

class AppModule {}

async function build(variant: Variant, fixture: HttpFixture): Promise<Built> {
  switch (variant) {
    case 'nest-bare':
      return {
        module: { module: AppModule, controllers: [helloController()] },
        ...hs256Credentials(fixture),
      };
    case 'nest-tollgate-eddsa':
    case 'nest-tollgate-hs256':
    case 'nest-tollgate-uat': {
      const { tollgate, valid, refused, close } = await tollgateSetup(fixture, variant);
      return {
        // As @tollgate/nest's README protects a controller: the module, and
        // `@UseGuards(TollgateGuard)`. `profiles: []`: no token API served, like the other variants
        // (Express and Koa mount no `router()` either).
        module: {
          module: AppModule,
          imports: [TollgateModule.forRoot({ tollgate, profiles: [] })],
          controllers: [helloController(TollgateGuard)],
        },
        valid,
        refused,
        close,
      };
    }
    case 'nest-passport-jwt':
      return {
        module: {
          module: AppModule,
          imports: [PassportModule],
          controllers: [helloController(AuthGuard('jwt'))],
          providers: [jwtStrategy(fixture)],
        },
        ...hs256Credentials(fixture),
      };
    case 'nest-floor': {
      const { known, valid, refused } = floorTable(fixture);
      return {
        module: { module: AppModule, controllers: [helloController(floorGuard(known))] },
        valid,
        refused,
      };
    }
    default:
      throw new Error(`not a Nest variant: ${variant}`);
  }
}

export async function start(variant: Variant, fixture: HttpFixture): Promise<Running> {
  const built = await build(variant, fixture);
  // The same for every variant: no logger, and no body parser (as @tollgate/nest's README creates
  // the app; the route has no body anyway).
  const app = await NestFactory.create(built.module, { logger: false, bodyParser: false });
  await app.listen(0, '127.0.0.1');
  return running(app.getHttpServer() as Server, built, () => app.close());
}
